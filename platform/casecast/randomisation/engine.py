"""The entry points: ``allocate`` one unit, or list allocations in advance."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .blocks import allocate_blocks, block_rows
from .design import Design, stratum_key
from .minimisation import allocate_minimisation
from .simple import allocate_simple, simple_rows
from .state import check_state, copy_state


@dataclass(frozen=True)
class Decision:
    """One allocation, to be written once to the append-only allocation log.

    ``arm`` indexes ``design.arms``; ``sequence`` is the 0-based number of
    this allocation in the study's (or the cluster stream's) whole sequence;
    ``details`` is JSON-serialisable and records every input to the choice
    except the seed.
    """

    arm: int
    sequence: int
    details: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"arm": self.arm, "sequence": self.sequence, "details": self.details}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Decision:
        return cls(arm=data["arm"], sequence=data["sequence"], details=dict(data["details"]))


def new_seed() -> str:
    """A fresh secret seed: 256 bits, so no one can guess it from allocations."""
    return secrets.token_hex(32)


def allocate(
    *, design: Design, seed: str, state: Mapping[str, Any], levels: Mapping[str, str]
) -> tuple[Decision, dict[str, Any]]:
    """Allocate the next unit; return the decision and a new state.

    ``state`` is not mutated.  The result depends only on the arguments, so a
    retried transaction reproduces the same decision.
    """
    _check_seed(seed)
    check_state(state, design)
    stratum = stratum_key(levels, design.factors)
    sequence = sum(state["totals"])
    new_state = copy_state(state)
    if design.scheme == "simple":
        arm, scheme_details = allocate_simple(
            design=design, seed=seed, state=new_state, stratum=stratum
        )
    elif design.scheme == "blocks":
        arm, scheme_details = allocate_blocks(
            design=design, seed=seed, state=new_state, stratum=stratum
        )
    else:
        arm, scheme_details = allocate_minimisation(
            design=design, seed=seed, state=new_state, levels=levels, sequence=sequence
        )
    new_state["totals"][arm] += 1
    details = {
        "scheme": design.scheme,
        "arm": design.arms[arm],
        "sequence": sequence,
        "stratum": stratum,
        "levels": {factor: levels[factor] for factor in design.factors},
        "ratio": list(design.ratio),
        **scheme_details,
    }
    return Decision(arm=arm, sequence=sequence, details=details), new_state


def allocation_list(
    *, design: Design, seed: str, strata: Sequence[Mapping[str, str]], per_stratum: int
) -> list[dict[str, Any]]:
    """The first ``per_stratum`` allocations of each stratum, for simple or blocks.

    Row ``position`` i of a stratum is what on-the-fly ``allocate`` gives the
    i-th unit of that stratum, whatever order units from different strata
    arrive in.  A list may end part-way through a block.  Minimisation cannot
    be listed: each choice depends on earlier units' levels.
    """
    _check_seed(seed)
    if design.scheme == "minimisation":
        raise ValueError(
            "minimisation cannot be listed in advance: each allocation depends on "
            "the factor levels of the units before it"
        )
    if isinstance(per_stratum, bool) or not isinstance(per_stratum, int) or per_stratum < 0:
        raise ValueError(f"per_stratum must be a non-negative integer, not {per_stratum!r}")
    make_rows = block_rows if design.scheme == "blocks" else simple_rows
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for levels in strata:
        key = stratum_key(levels, design.factors)
        if key in seen:
            raise ValueError(f"stratum {key!r} is listed twice")
        seen.add(key)
        ordered = {factor: levels[factor] for factor in design.factors}
        rows.extend(
            make_rows(design=design, seed=seed, stratum=key, levels=ordered, count=per_stratum)
        )
    return rows


def _check_seed(seed: Any) -> None:
    if not isinstance(seed, str) or not seed:
        raise ValueError("seed must be non-empty text")
