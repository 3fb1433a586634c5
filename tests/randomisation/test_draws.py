"""The SHA-256 draw stream is reproducible and unbiased."""

from __future__ import annotations

from collections import Counter
from itertools import permutations

import pytest
from casecast.randomisation.draws import Stream
from scipy.stats import chisquare, kstest


def test_the_same_parts_give_the_same_draws():
    first = Stream("seed", "purpose")
    second = Stream("seed", "purpose")

    assert [first.below(1000) for _ in range(50)] == [second.below(1000) for _ in range(50)]


def test_parts_are_not_simply_concatenated():
    assert Stream("ab", "c").below(2**62) != Stream("a", "bc").below(2**62)


@pytest.mark.parametrize("n", [2, 3, 7, 10])
def test_below_is_uniform(n):
    stream = Stream("uniform", str(n))
    counts = Counter(stream.below(n) for _ in range(7000))

    assert set(counts) == set(range(n))
    assert chisquare([counts[value] for value in range(n)]).pvalue > 0.001


def test_uniform_is_uniform_on_the_unit_interval():
    stream = Stream("floats")
    draws = [stream.uniform() for _ in range(5000)]

    assert all(0 <= draw < 1 for draw in draws)
    assert kstest(draws, "uniform").pvalue > 0.001


def test_weighted_follows_the_weights():
    stream = Stream("weighted")
    counts = Counter(stream.weighted([2, 1, 1])[0] for _ in range(8000))

    assert chisquare([counts[0], counts[1], counts[2]], [4000, 2000, 2000]).pvalue > 0.001


def test_shuffle_makes_every_order_equally_likely():
    stream = Stream("shuffle")
    orders = Counter()
    for _ in range(6000):
        items = [0, 1, 2, 3]
        stream.shuffle(items)
        orders[tuple(items)] += 1

    assert set(orders) == set(permutations(range(4)))
    assert chisquare(list(orders.values())).pvalue > 0.001


def test_below_refuses_an_empty_range():
    with pytest.raises(ValueError, match="cannot draw below 0"):
        Stream("x").below(0)
