"""Simple (unrestricted) randomisation in proportion to the ratio."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .design import Design
from .draws import Stream
from .state import stratum_entry


def simple_draw(*, design: Design, seed: str, stratum: str, position: int) -> tuple[int, int]:
    """Arm and raw draw for the ``position``-th unit of ``stratum``.

    Keyed by stratum and position (not the study-wide sequence) so an advance
    list per stratum equals on-the-fly allocation, as for blocks.  Factors do
    not change the probabilities: each unit is independent.
    """
    return Stream(seed, "simple", stratum, str(position)).weighted(design.ratio)


def allocate_simple(
    *, design: Design, seed: str, state: dict[str, Any], stratum: str
) -> tuple[int, dict[str, Any]]:
    entry = stratum_entry(state, stratum)
    position = entry["allocated"]
    arm, draw = simple_draw(design=design, seed=seed, stratum=stratum, position=position)
    entry["allocated"] = position + 1
    state["strata"][stratum] = {"allocated": entry["allocated"]}
    details = {"stratum_position": position, "draw": draw, "draw_range": sum(design.ratio)}
    return arm, details


def simple_rows(
    *, design: Design, seed: str, stratum: str, levels: Mapping[str, str], count: int
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for position in range(count):
        arm, _ = simple_draw(design=design, seed=seed, stratum=stratum, position=position)
        rows.append(
            {
                **levels,
                "stratum": stratum,
                "position": position,
                "arm": design.arms[arm],
                "block": None,
                "block_size": None,
                "block_position": None,
            }
        )
    return rows
