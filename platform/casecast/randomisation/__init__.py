"""Casecast's randomisation engine: pure functions, no Django.

The ``studies`` app keeps each allocation sequence's state (a JSON dict) in
a row locked with SELECT FOR UPDATE, calls :func:`allocate`, stores the new
state and writes the :class:`Decision` once to the append-only allocation
log.  Everything here is deterministic given the seed, so the same seed and
the same enrolment order always give the same allocations, in any process.

Public API::

    Design(arms, ratio, scheme, factors=(), block_multiples=(1, 2),
           minimisation_probability=0.8)       # frozen; ValueError if invalid
    Design.to_dict() / Design.from_dict(data)  # JSON round trip
    Design.fingerprint                         # stored in state
    Decision(arm, sequence, details)           # frozen; to_dict() / from_dict()
    initial_state(design) -> dict
    allocate(*, design, seed, state, levels) -> (Decision, new_state)
    allocation_list(*, design, seed, strata, per_stratum) -> list[dict]
    stratum_key(levels, factors) -> str        # e.g. "caseload=high&region=north"
    imbalance(counts, ratio) -> float
    new_seed() -> str

Schemes: ``"simple"``; ``"blocks"`` (stratified permuted blocks of
``sum(ratio) * m`` units, ``m`` drawn from ``block_multiples``; block ``k``
of a stratum depends only on the seed, the stratum and ``k``); and
``"minimisation"`` (Pocock & Simon, with ratio-weighted tie-breaks and
random element).  Clusters such as councils are allocated with the same
:func:`allocate`, using cluster-level factors (e.g. region); the caller
stores each cluster's arm and gives it to all the cluster's participants.

Imbalance is measured in ratio units, ``max(n_i / r_i) - min(n_i / r_i)``.
The state format is described in ``state.py``; researcher-facing
documentation is in ``docs/randomisation.md``.
"""

from .design import Design, stratum_key
from .engine import Decision, allocate, allocation_list, new_seed
from .metrics import imbalance
from .state import initial_state

__all__ = [
    "Decision",
    "Design",
    "allocate",
    "allocation_list",
    "imbalance",
    "initial_state",
    "new_seed",
    "stratum_key",
]
