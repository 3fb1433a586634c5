"""Minimisation (Pocock & Simon 1975) with ratio weights."""

from __future__ import annotations

import numpy as np
import pytest
from casecast.randomisation import Design, allocate, initial_state
from casecast.randomisation.minimisation import imbalance_scores, preference_weight

from .simulation import RATIOS, simulate

TWO_FACTORS = ("sex", "age")


def state_with_counts(design: Design, counts: dict[str, dict[str, list[int]]]) -> dict:
    state = initial_state(design)
    state["counts"] = counts
    state["totals"] = [
        sum(column) for column in zip(*counts[design.factors[0]].values(), strict=True)
    ]
    return state


@pytest.mark.parametrize("ratio", RATIOS, ids=str)
def test_minimisation_has_lower_marginal_imbalance_than_simple_randomisation(ratio):
    # Same participants in the same order for both schemes, so trials pair up.
    minimisation = simulate("minimisation", ratio)
    minimised = minimisation.marginal_imbalance
    simple = simulate("simple", ratio).first(minimisation.arms.shape[1]).marginal_imbalance

    assert minimised.mean() < 0.5 * simple.mean()
    assert np.mean(minimised < simple) > 0.9


def test_scores_sum_the_range_of_counts_over_factors_after_a_hypothetical_allocation():
    design = Design(arms=("a", "b"), ratio=(1, 1), scheme="minimisation", factors=TWO_FACTORS)
    # At the unit's levels: sex a=3 b=1 (range after a: 3, after b: 1);
    # age a=2 b=2 (range after either: 1).
    scores = imbalance_scores(design=design, counts={"sex": [3, 1], "age": [2, 2]})

    assert scores == [3 + 1, 1 + 1]


def test_scores_divide_counts_by_ratio_weights():
    design = Design(arms=("a", "b"), ratio=(2, 1), scheme="minimisation", factors=("sex",))
    # 4/2 = 2 and 2/1 = 2: on ratio.  Adding to a gives 2.5 vs 2, to b 2 vs 3.
    scores = imbalance_scores(design=design, counts={"sex": [4, 2]})

    assert [score / design.ratio_lcm for score in scores] == [0.5, 1.0]


def test_the_decision_records_scores_preferred_arm_and_draws():
    design = Design(arms=("a", "b"), ratio=(1, 1), scheme="minimisation", factors=TWO_FACTORS)
    state = state_with_counts(
        design, {"sex": {"f": [3, 1], "m": [0, 0]}, "age": {"old": [2, 2], "young": [0, 0]}}
    )

    decision, _ = allocate(design=design, seed="s", state=state, levels={"sex": "f", "age": "old"})

    details = decision.details
    assert details["imbalance"] == {"a": 4.0, "b": 2.0}
    assert details["minimal_arms"] == ["b"]
    assert details["preferred"] == "b"
    assert details["probability"] == 0.8
    assert 0 <= details["coin"] < 1
    assert details["coin_threshold"] == preference_weight(design)
    expected = "preferred" if details["coin"] < details["coin_threshold"] else "random"
    assert details["choice"] == expected


def test_with_probability_one_the_minimising_arm_is_always_chosen():
    design = Design(
        arms=("a", "b", "c"),
        ratio=(2, 1, 1),
        scheme="minimisation",
        factors=TWO_FACTORS,
        minimisation_probability=1.0,
    )
    state = initial_state(design)
    rng = np.random.default_rng(5)
    for _ in range(300):
        levels = {"sex": str(rng.choice(["f", "m"])), "age": str(rng.choice(["old", "young"]))}
        decision, state = allocate(design=design, seed="p1", state=state, levels=levels)
        assert decision.details["arm"] in decision.details["minimal_arms"]


@pytest.mark.parametrize(("arms", "probability"), [(2, 0.8), (3, 0.7)])
def test_with_equal_ratios_the_preferred_arm_is_chosen_with_the_configured_probability(
    arms, probability
):
    design = Design(
        arms=tuple("abcd"[:arms]),
        ratio=(1,) * arms,
        scheme="minimisation",
        factors=("sex",),
        minimisation_probability=probability,
    )
    state = initial_state(design)
    chosen = []
    for unit in range(2500):
        decision, state = allocate(
            design=design, seed="prob", state=state, levels={"sex": f"s{unit % 3}"}
        )
        chosen.append(decision.details["arm"] == decision.details["preferred"])

    assert np.mean(chosen) == pytest.approx(probability, abs=0.03)


def test_ties_between_minimising_arms_are_broken_in_proportion_to_their_ratio():
    design = Design(arms=("a", "b", "c"), ratio=(2, 1, 1), scheme="minimisation", factors=("x",))
    # Scaled counts (0, 1, 0): allocating to a or to c both leave a range of 1.
    state = state_with_counts(design, {"x": {"1": [0, 1, 0]}})
    preferred = []
    for trial in range(2000):
        decision, _ = allocate(design=design, seed=f"tie/{trial}", state=state, levels={"x": "1"})
        assert decision.details["minimal_arms"] == ["a", "c"]
        preferred.append(decision.details["preferred"])

    assert preferred.count("a") / len(preferred) == pytest.approx(2 / 3, abs=0.035)


def test_the_random_element_draws_from_the_target_ratio():
    design = Design(
        arms=("a", "b"),
        ratio=(3, 1),
        scheme="minimisation",
        factors=("x",),
        minimisation_probability=0.5,
    )
    # With two arms, p = 0.5 leaves nothing to the preference: pure 3:1 draws.
    assert preference_weight(design) == 0
    state = initial_state(design)
    arms = []
    for _ in range(3000):
        decision, state = allocate(design=design, seed="ratio", state=state, levels={"x": "1"})
        arms.append(decision.arm)

    assert np.mean(np.array(arms) == 0) == pytest.approx(0.75, abs=0.025)


def test_a_new_level_starts_from_zero_counts():
    design = Design(arms=("a", "b"), ratio=(1, 1), scheme="minimisation", factors=("x",))
    _, state = allocate(design=design, seed="s", state=initial_state(design), levels={"x": "new"})

    assert sorted(state["counts"]["x"]["new"]) == [0, 1]
