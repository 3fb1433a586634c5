"""The JSON-serialisable allocation state the caller stores between calls.

Shape (all keys text, all counts integers)::

    {
      "format": 1,
      "design": "<Design.fingerprint>",
      "scheme": "simple" | "blocks" | "minimisation",
      "totals": [n_arm0, n_arm1, ...],
      # simple and blocks only: per stratum key
      "strata": {"region=north": {"allocated": 7, "block": 1, "position": 3}},
      # minimisation only: per factor, per level, counts per arm
      "counts": {"region": {"north": [4, 3]}},
    }

``block`` and ``position`` (blocks only) point at the next slot to fill;
``allocated`` is the number of units already allocated in the stratum.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .design import Design

STATE_FORMAT = 1


def initial_state(design: Design) -> dict[str, Any]:
    """The state of a study before anyone has been allocated."""
    state: dict[str, Any] = {
        "format": STATE_FORMAT,
        "design": design.fingerprint,
        "scheme": design.scheme,
        "totals": [0] * len(design.arms),
    }
    if design.scheme == "minimisation":
        state["counts"] = {factor: {} for factor in design.factors}
    else:
        state["strata"] = {}
    return state


def check_state(state: Mapping[str, Any], design: Design) -> None:
    """Raise ValueError if ``state`` cannot belong to ``design``.

    A changed design silently reusing old state would break the guarantee
    that allocations follow from the seed, so it is refused outright.
    """
    if not isinstance(state, Mapping):
        raise ValueError(f"state must be a mapping, not {type(state).__name__}")
    if state.get("format") != STATE_FORMAT:
        raise ValueError(f"state format must be {STATE_FORMAT}, not {state.get('format')!r}")
    if state.get("design") != design.fingerprint:
        raise ValueError("state was created for a different design (fingerprint mismatch)")
    if state.get("scheme") != design.scheme:
        raise ValueError(f"state is for scheme {state.get('scheme')!r}, not {design.scheme!r}")
    totals = state.get("totals")
    if not _is_counts(totals, length=len(design.arms)):
        raise ValueError(f"state totals must be {len(design.arms)} non-negative integers")
    part = "counts" if design.scheme == "minimisation" else "strata"
    if not isinstance(state.get(part), Mapping):
        raise ValueError(f"state for {design.scheme} needs a {part!r} mapping")


def stratum_entry(state: Mapping[str, Any], key: str) -> dict[str, int]:
    """A copy of a stratum's progress (simple and blocks), zero if unseen."""
    entry = state["strata"].get(key, {"allocated": 0, "block": 0, "position": 0})
    copied = {name: entry.get(name, 0) for name in ("allocated", "block", "position")}
    if not all(_is_int(value) and value >= 0 for value in copied.values()):
        raise ValueError(f"state for stratum {key!r} is corrupt: {dict(entry)!r}")
    return copied


def level_counts(state: Mapping[str, Any], *, factor: str, level: str, arms: int) -> list[int]:
    """A copy of the per-arm counts at one factor level (minimisation)."""
    by_level = state["counts"].get(factor)
    if not isinstance(by_level, Mapping):
        raise ValueError(f"state counts are missing factor {factor!r}")
    counts = by_level.get(level, [0] * arms)
    if not _is_counts(counts, length=arms):
        raise ValueError(f"state counts for {factor}={level!r} are corrupt: {counts!r}")
    return list(counts)


def copy_state(state: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy, so the caller's state is never mutated.

    Hand-written rather than ``copy.deepcopy`` because the shape is known
    and simulations copy state hundreds of thousands of times.
    """
    copied: dict[str, Any] = dict(state)
    copied["totals"] = list(state["totals"])
    if "strata" in state:
        copied["strata"] = {key: dict(entry) for key, entry in state["strata"].items()}
    if "counts" in state:
        copied["counts"] = {
            factor: {level: list(counts) for level, counts in by_level.items()}
            for factor, by_level in state["counts"].items()
        }
    return copied


def _is_int(value: Any) -> bool:
    # type() rather than isinstance: bool is not a count, and this is hot.
    return type(value) is int


def _is_counts(value: Any, *, length: int) -> bool:
    return (
        isinstance(value, list | tuple)
        and len(value) == length
        and all(type(count) is int and count >= 0 for count in value)
    )
