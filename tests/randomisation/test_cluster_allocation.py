"""Councils are randomised as clusters with the same ``allocate``.

The caller allocates a council when its first participant enrols, stores the
council's arm, and gives that arm to every later participant from it.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from casecast.randomisation import Design, allocate, imbalance, initial_state

REGIONS = ("north", "south", "east", "west")
COUNCILS = 60


@functools.cache
def councils() -> dict[str, dict[str, str]]:
    rng = np.random.default_rng(11)
    regions = rng.choice(REGIONS, size=COUNCILS)
    sizes = rng.choice(["small", "large"], size=COUNCILS)
    return {
        f"council-{number:02d}": {"region": str(regions[number]), "size": str(sizes[number])}
        for number in range(COUNCILS)
    }


@functools.cache
def enrolment_order() -> tuple[str, ...]:
    """Which council each of 600 participants comes from, in enrolment order."""
    names = sorted(councils())
    return tuple(names[index] for index in np.random.default_rng(12).integers(COUNCILS, size=600))


def enrol(design: Design, seed: str) -> tuple[dict[str, int], list[tuple[str, int]], dict]:
    """The caller's side: allocate a council only when it first appears."""
    council_arms: dict[str, int] = {}
    participants: list[tuple[str, int]] = []
    state = initial_state(design)
    for council in enrolment_order():
        if council not in council_arms:
            levels = {factor: councils()[council][factor] for factor in design.factors}
            decision, state = allocate(design=design, seed=seed, state=state, levels=levels)
            council_arms[council] = decision.arm
        participants.append((council, council_arms[council]))
    return council_arms, participants, state


def marginal_imbalance(council_arms: dict[str, int], ratio: tuple[int, ...]) -> float:
    by_level: dict[tuple[str, str], list[int]] = {}
    for council, levels in councils().items():
        for factor, level in levels.items():
            by_level.setdefault((factor, level), [0] * len(ratio))[council_arms[council]] += 1
    return sum(imbalance(counts, ratio) for counts in by_level.values())


@pytest.mark.parametrize(
    "design",
    [
        Design(
            arms=("control", "intervention"), ratio=(1, 1), scheme="blocks", factors=("region",)
        ),
        Design(
            arms=("control", "intervention"),
            ratio=(1, 1),
            scheme="minimisation",
            factors=("region", "size"),
        ),
    ],
    ids=lambda design: design.scheme,
)
def test_every_participant_gets_their_councils_arm_allocated_once(design):
    council_arms, participants, state = enrol(design, seed="councils")

    assert len(council_arms) == COUNCILS
    assert sum(state["totals"]) == COUNCILS
    assert all(arm == council_arms[council] for council, arm in participants)


def test_blocks_over_councils_keep_each_region_balanced():
    design = Design(
        arms=("control", "intervention"), ratio=(1, 1), scheme="blocks", factors=("region",)
    )
    for trial in range(30):
        council_arms, _, _ = enrol(design, seed=f"councils/{trial}")
        for region in REGIONS:
            counts = [0, 0]
            for council, levels in councils().items():
                if levels["region"] == region:
                    counts[council_arms[council]] += 1
            assert imbalance(counts, design.ratio) <= max(design.block_multiples)


def test_minimisation_over_councils_balances_region_and_size_better_than_chance():
    options = {
        "arms": ("control", "intervention", "enhanced"),
        "ratio": (2, 1, 1),
        "factors": ("region", "size"),
    }
    minimised, simple = [], []
    for trial in range(30):
        arms, _, _ = enrol(Design(scheme="minimisation", **options), seed=f"councils/{trial}")
        minimised.append(marginal_imbalance(arms, options["ratio"]))
        arms, _, _ = enrol(Design(scheme="simple", **options), seed=f"councils/{trial}")
        simple.append(marginal_imbalance(arms, options["ratio"]))

    assert np.mean(minimised) < 0.5 * np.mean(simple)
