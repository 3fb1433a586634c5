"""Stratified permuted blocks with randomly varied block sizes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .design import Design
from .draws import Stream
from .state import stratum_entry


@dataclass(frozen=True)
class Block:
    """One permuted block: ``multiple`` repetitions of the ratio, shuffled."""

    index: int
    multiple: int
    arms: tuple[int, ...]


def make_block(*, design: Design, seed: str, stratum: str, index: int) -> Block:
    """Block ``index`` of ``stratum``, a pure function of (seed, stratum, index).

    Depending on nothing else is what lets an advance list equal on-the-fly
    allocation whatever order strata are enrolled in.
    """
    stream = Stream(seed, "blocks", stratum, str(index))
    multiple = design.block_multiples[stream.below(len(design.block_multiples))]
    arms = [arm for arm, weight in enumerate(design.ratio) for _ in range(weight * multiple)]
    stream.shuffle(arms)
    return Block(index=index, multiple=multiple, arms=tuple(arms))


def allocate_blocks(
    *, design: Design, seed: str, state: dict[str, Any], stratum: str
) -> tuple[int, dict[str, Any]]:
    """Take the next slot of the stratum's current block; updates ``state`` (a copy)."""
    entry = stratum_entry(state, stratum)
    block = make_block(design=design, seed=seed, stratum=stratum, index=entry["block"])
    position = entry["position"]
    if position >= len(block.arms):
        raise ValueError(f"state for stratum {stratum!r} points past the end of its block")
    arm = block.arms[position]
    details = {
        "stratum_position": entry["allocated"],
        "block": block.index,
        "block_size": len(block.arms),
        "block_multiple": block.multiple,
        "block_position": position,
    }
    # Always point at the next free slot, so state never holds a spent block.
    if position + 1 == len(block.arms):
        entry.update(block=block.index + 1, position=0)
    else:
        entry["position"] = position + 1
    entry["allocated"] += 1
    state["strata"][stratum] = entry
    return arm, details


def block_rows(
    *, design: Design, seed: str, stratum: str, levels: Mapping[str, str], count: int
) -> list[dict[str, Any]]:
    """The first ``count`` allocations of a stratum as advance-list rows."""
    rows: list[dict[str, Any]] = []
    index = 0
    while len(rows) < count:
        block = make_block(design=design, seed=seed, stratum=stratum, index=index)
        for block_position, arm in enumerate(block.arms):
            if len(rows) == count:
                break
            rows.append(
                {
                    **levels,
                    "stratum": stratum,
                    "position": len(rows),
                    "arm": design.arms[arm],
                    "block": block.index,
                    "block_size": len(block.arms),
                    "block_position": block_position,
                }
            )
        index += 1
    return rows
