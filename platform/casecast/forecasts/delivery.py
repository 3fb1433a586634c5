"""In which order a participant gets a phase's vignettes.

Pure and deterministic: the same plan, participant and seed always give the
same order, so an order can be recomputed and audited without being stored
twice. The study's allocation seed goes through SHA-256 with the participant
and phase ids; it never leaves this module and cannot be recovered from an
order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

FIXED = "fixed"
RANDOM = "random"
LATIN_SQUARE = "latin_square"


@dataclass(frozen=True)
class PlanItem:
    """One row of a phase's delivery plan (a `PhaseVignette`)."""

    vignette_id: int
    position: int = 0
    arm_id: int | None = None
    is_retest: bool = False


def items_for_arm(items: Sequence[PlanItem], *, arm_id: int | None) -> list[PlanItem]:
    """Items for everyone, plus those for the participant's own arm, in plan order."""
    kept = [item for item in items if item.arm_id is None or item.arm_id == arm_id]
    return sorted(kept, key=lambda item: (item.position, item.vignette_id))


def random_order(
    items: Sequence[PlanItem], *, seed: str, participant_id: int, phase_id: int
) -> list[PlanItem]:
    """A uniformly random permutation, fixed for this participant and phase."""

    def sort_key(item: PlanItem) -> str:
        text = f"{seed}:order:{phase_id}:{participant_id}:{item.vignette_id}"
        return hashlib.sha256(text.encode()).hexdigest()

    return sorted(items, key=sort_key)


def williams_rows(n: int) -> list[list[int]]:
    """A balanced Latin square (Williams design) over n items.

    Each item appears once in every position and, across the rows, follows
    every other item equally often (first-order carry-over balance). Even n
    needs n rows; odd n needs 2n (the square and its mirror image).
    """
    if n <= 0:
        return []
    first = _interleave(n)
    rows = [[(value + shift) % n for value in first] for shift in range(n)]
    if n % 2 == 1 and n > 1:
        rows += [list(reversed(row)) for row in rows]
    return rows


def _interleave(n: int) -> list[int]:
    """0, 1, n-1, 2, n-2, …: the first row of a Williams square."""
    row = [0]
    low, high = 1, n - 1
    while len(row) < n:
        row.append(low)
        low += 1
        if len(row) < n:
            row.append(high)
            high -= 1
    return row


def latin_square_order(items: Sequence[PlanItem], *, sequence: int) -> list[PlanItem]:
    """Row `sequence` (cycling) of the Williams square over the items."""
    rows = williams_rows(len(items))
    if not rows:
        return []
    return [items[index] for index in rows[sequence % len(rows)]]


def phase_order(
    items: Sequence[PlanItem],
    *,
    ordering: str,
    arm_id: int | None,
    seed: str,
    participant_id: int,
    phase_id: int,
    sequence: int,
) -> list[PlanItem]:
    """The participant's items for a phase, in the order they will do them.

    `sequence` is the participant's 0-based place among those counterbalanced
    together (used only by the Latin square).
    """
    mine = items_for_arm(items, arm_id=arm_id)
    if ordering == RANDOM:
        return random_order(mine, seed=seed, participant_id=participant_id, phase_id=phase_id)
    if ordering == LATIN_SQUARE:
        return latin_square_order(mine, sequence=sequence)
    return mine
