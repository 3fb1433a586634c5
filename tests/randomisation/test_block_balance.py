"""Stratified permuted blocks keep every stratum close to the target ratio.

Imbalance is measured in ratio units, max(n_i / r_i) - min(n_i / r_i): a
block of size sum(r) * m can push it to at most m, so the bound is the
largest block multiple (for 1:1 that is half the largest block, in
participants).  The simulations run 1,000 trials through ``allocate``.
"""

from __future__ import annotations

from collections import Counter
from itertools import permutations

import pytest
from casecast.randomisation import Design, allocate, imbalance, initial_state
from casecast.randomisation.blocks import make_block
from scipy.stats import chisquare

from .simulation import RATIOS, simulate


@pytest.mark.parametrize("ratio", RATIOS, ids=str)
def test_no_stratum_is_ever_more_unbalanced_than_the_largest_block_multiple(ratio):
    sim = simulate("blocks", ratio)

    assert sim.worst_stratum_imbalance.max() <= max(sim.design.block_multiples)


@pytest.mark.parametrize("ratio", RATIOS, ids=str)
def test_no_arm_is_ever_further_from_its_share_than_half_the_largest_block(ratio):
    sim = simulate("blocks", ratio)
    largest_block = sum(ratio) * max(sim.design.block_multiples)

    assert sim.worst_stratum_deviation.max() <= largest_block / 2


def test_one_to_one_arms_never_differ_by_more_than_half_the_largest_block():
    sim = simulate("blocks", (1, 1))
    # For 1:1 the ratio-unit imbalance is |n_a - n_b| in participants.
    assert sim.worst_stratum_imbalance.max() <= (2 * 2) / 2


@pytest.mark.parametrize("ratio", RATIOS, ids=str)
def test_the_bound_is_reached_so_the_simulation_can_detect_a_breach(ratio):
    sim = simulate("blocks", ratio)

    assert sim.worst_stratum_imbalance.max() == max(sim.design.block_multiples)


@pytest.mark.parametrize("ratio", RATIOS, ids=str)
def test_simple_randomisation_breaks_the_block_bound_in_the_same_trials(ratio):
    # Guards against a simulation that could not tell blocks from no blocks.
    assert simulate("simple", ratio).worst_stratum_imbalance.max() > 2


def test_larger_block_multiples_are_bounded_the_same_way():
    design = Design(
        arms=("a", "b", "c"), ratio=(2, 1, 1), scheme="blocks", block_multiples=(1, 2, 3)
    )
    worst = 0.0
    for trial in range(100):
        state = initial_state(design)
        counts = [0, 0, 0]
        for _ in range(60):
            decision, state = allocate(design=design, seed=f"m123/{trial}", state=state, levels={})
            counts[decision.arm] += 1
            worst = max(worst, imbalance(counts, design.ratio))
    assert worst == 3


def test_a_stratum_is_exactly_on_ratio_whenever_a_block_is_complete():
    design = Design(arms=("a", "b"), ratio=(2, 1), scheme="blocks")
    state = initial_state(design)
    counts = [0, 0]
    for _ in range(90):
        decision, state = allocate(design=design, seed="complete", state=state, levels={})
        counts[decision.arm] += 1
        if state["strata"]["all"]["position"] == 0:
            assert counts[0] == 2 * counts[1]


def test_each_block_is_the_ratio_repeated_by_one_of_the_configured_multiples():
    design = Design(arms=("a", "b", "c"), ratio=(2, 1, 1), scheme="blocks", block_multiples=(1, 3))
    multiples = Counter()
    for index in range(400):
        block = make_block(design=design, seed="composition", stratum="all", index=index)
        multiples[block.multiple] += 1
        assert sorted(block.arms) == sorted([0, 0, 1, 2] * block.multiple)
    assert chisquare(list(multiples.values())).pvalue > 0.001


def test_every_order_of_a_block_is_equally_likely():
    design = Design(arms=("a", "b"), ratio=(1, 1), scheme="blocks", block_multiples=(2,))
    orders = Counter(
        make_block(design=design, seed="orders", stratum="all", index=index).arms
        for index in range(3000)
    )
    assert set(orders) == set(permutations((0, 0, 1, 1)))
    assert chisquare(list(orders.values())).pvalue > 0.001
