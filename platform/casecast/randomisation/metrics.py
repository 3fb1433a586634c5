"""How imbalance is measured, shared by the schemes' documentation and tests."""

from __future__ import annotations

from collections.abc import Sequence


def imbalance(counts: Sequence[int], ratio: Sequence[int]) -> float:
    """Spread of ratio-weighted counts: ``max(n_i / r_i) - min(n_i / r_i)``.

    In "ratio units": how many whole repetitions of the ratio the most
    allocated arm is ahead of the least.  For 1:1 it is the difference in
    participants; 0 means the counts are exactly in the target ratio.
    """
    if len(counts) != len(ratio):
        raise ValueError(f"{len(counts)} counts but {len(ratio)} ratio weights")
    weighted = [count / weight for count, weight in zip(counts, ratio, strict=True)]
    return max(weighted) - min(weighted)
