"""Shared, cached trial simulations through the public ``allocate``.

Several tests read the same simulations (balance, achieved ratios,
minimisation versus simple), so each is run once per test session.  Every
trial uses a fixed seed and a fixed participant stream, and the same
participants are used for every scheme so comparisons between schemes are
paired.  Only the allocation loop runs unit by unit; the balance measures
are computed afterwards with numpy over all trials at once.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from casecast.randomisation import Design, allocate, initial_state

# Unequal level frequencies, as in real recruitment: some strata are sparse,
# so blocks are often left part-filled.
FACTOR_LEVELS = {
    "region": (("north", 0.4), ("south", 0.3), ("east", 0.2), ("west", 0.1)),
    "caseload": (("low", 0.5), ("medium", 0.3), ("high", 0.2)),
}
FACTORS = tuple(FACTOR_LEVELS)
RATIOS = ((1, 1), (2, 1), (1, 1, 1, 1), (2, 1, 1))
# 1,000 trials per scheme, split across the ratios above.
TRIALS_PER_RATIO = 250
# Simple randomisation needs 100 units a trial to pin its average share to
# within 0.01 with margin (standard error about 0.003); blocks and
# minimisation are so much tighter that 60 are plenty, and they cost more.
UNITS_PER_TRIAL = {"simple": 100, "blocks": 60, "minimisation": 60}
MAX_UNITS = max(UNITS_PER_TRIAL.values())


@dataclass(frozen=True)
class Simulation:
    design: Design
    arms: np.ndarray
    """trials x units: the arm index each unit was allocated."""

    @functools.cached_property
    def totals(self) -> np.ndarray:
        """trials x arms: final arm counts."""
        return one_hot(self.arms, len(self.design.arms)).sum(axis=1)

    @functools.cached_property
    def worst_stratum_imbalance(self) -> np.ndarray:
        """trials: largest within-stratum imbalance (ratio units) at any time."""
        return worst_over_time(self, ratio_units=True)

    @functools.cached_property
    def worst_stratum_deviation(self) -> np.ndarray:
        """trials: largest |n_i - N * r_i / sum(r)| within a stratum at any time."""
        return worst_over_time(self, ratio_units=False)

    def first(self, units: int) -> Simulation:
        """The same trials cut short, to compare with a scheme run for fewer units."""
        return Simulation(design=self.design, arms=self.arms[:, :units])

    @functools.cached_property
    def marginal_imbalance(self) -> np.ndarray:
        """trials: final imbalance summed over every level of every factor."""
        ratio = np.array(self.design.ratio)
        arms = one_hot(self.arms, len(ratio))
        total = np.zeros(len(self.arms))
        for factor in range(len(FACTORS)):
            codes = unit_levels(self)[:, :, factor]
            for level in np.unique(codes):
                counts = (arms * (codes == level)[:, :, None]).sum(axis=1) / ratio
                total += counts.max(axis=1) - counts.min(axis=1)
        return total


def one_hot(arms: np.ndarray, count: int) -> np.ndarray:
    return (arms[..., None] == np.arange(count)).astype(int)


def worst_over_time(sim: Simulation, *, ratio_units: bool) -> np.ndarray:
    ratio = np.array(sim.design.ratio)
    arms = one_hot(sim.arms, len(ratio))
    codes = unit_levels(sim)
    strata = codes[:, :, 0] * 100 + codes[:, :, 1]
    worst = np.zeros(len(sim.arms))
    for stratum in np.unique(strata):
        # Counts in this stratum after every unit (unchanged by other strata).
        counts = np.cumsum(arms * (strata == stratum)[:, :, None], axis=1)
        if ratio_units:
            scaled = counts / ratio
            spread = scaled.max(axis=2) - scaled.min(axis=2)
        else:
            expected = counts.sum(axis=2, keepdims=True) * ratio / ratio.sum()
            spread = np.abs(counts - expected).max(axis=2)
        worst = np.maximum(worst, spread.max(axis=1))
    return worst


def make_design(scheme: str, ratio: tuple[int, ...]) -> Design:
    arms = tuple(f"arm{index}" for index in range(len(ratio)))
    return Design(arms=arms, ratio=ratio, scheme=scheme, factors=FACTORS)


@functools.cache
def level_codes(trials: int) -> np.ndarray:
    """trials x MAX_UNITS x factors: index of each unit's level for each factor.

    Every scheme sees the same units in the same order; shorter runs take
    the first units of each trial.
    """
    rng = np.random.default_rng(20240517)
    return np.stack(
        [
            rng.choice(len(levels), size=(trials, MAX_UNITS), p=[weight for _, weight in levels])
            for levels in FACTOR_LEVELS.values()
        ],
        axis=2,
    )


def unit_levels(sim: Simulation) -> np.ndarray:
    trials, units = sim.arms.shape
    return level_codes(trials)[:, :units]


@functools.cache
def participants(trials: int) -> tuple[tuple[dict[str, str], ...], ...]:
    names = [[name for name, _ in levels] for levels in FACTOR_LEVELS.values()]
    codes = level_codes(trials).tolist()
    return tuple(
        tuple({factor: names[f][unit[f]] for f, factor in enumerate(FACTORS)} for unit in trial)
        for trial in codes
    )


@functools.cache
def simulate(
    scheme: str,
    ratio: tuple[int, ...],
    trials: int = TRIALS_PER_RATIO,
    units: int | None = None,
) -> Simulation:
    design = make_design(scheme, ratio)
    units = UNITS_PER_TRIAL[scheme] if units is None else units
    arms = np.zeros((trials, units), dtype=int)
    for trial, people in enumerate(participants(trials)):
        state = initial_state(design)
        seed = f"sim/{scheme}/{ratio}/{trial}"
        for unit, levels in enumerate(people[:units]):
            decision, state = allocate(design=design, seed=seed, state=state, levels=levels)
            arms[trial, unit] = decision.arm
    return Simulation(design=design, arms=arms)
