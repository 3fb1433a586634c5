"""Shared preparation of binary forecast data and packaging of summary results.

Every summary is computed for G groups at once; the ungrouped call is the single group 0,
and ``finish`` turns its length-1 arrays back into plain numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from ._bins import GRID
from ._scan import scan
from ._validate import (
    FloatArray,
    IntArray,
    as_group_codes,
    float_array,
    outcome_array,
    weighted_sum,
)

T = TypeVar("T")


@dataclass(frozen=True)
class BinaryData:
    p: FloatArray
    y: np.ndarray  # 0/1 integers
    g: IntArray
    n_groups: int
    grouped: bool
    table: IntArray | None  # (G, 101, 2) counts when every forecast is a whole percent


def prepare_binary(
    p: npt.ArrayLike, y: npt.ArrayLike, groups: npt.ArrayLike | None, n_groups: int | None
) -> BinaryData:
    """Checked binary data; p and y are checked in the same pass that builds the table."""
    prob = float_array(p, "p")
    n = prob.shape[0]
    outcome = outcome_array(y, n)
    if groups is None:
        if n_groups is not None:
            raise ValueError("n_groups was given without groups")
        # A zero-stride view: one group without allocating a row-length array.
        codes: IntArray = np.broadcast_to(np.intp(0), (n,))
        count = 1
    else:
        codes, count = as_group_codes(groups, n, n_groups)
    table = scan(prob, outcome, codes, count, grouped=groups is not None)
    return BinaryData(prob, outcome, codes, count, groups is not None, table)


def finish(cls: type[T], grouped: bool, **fields: Any) -> T:
    """The result dataclass: read-only arrays when grouped, plain numbers otherwise."""
    return cls(**{name: _finish_value(value, grouped) for name, value in fields.items()})


def _finish_value(value: Any, grouped: bool) -> Any:
    arr = np.asarray(value)
    if grouped:
        arr.setflags(write=False)
        return arr
    first = arr[0]
    if isinstance(first, np.ndarray):
        first.setflags(write=False)
        return first
    if arr.dtype.kind in "iu":
        return int(first)
    return float(first)


@dataclass(frozen=True)
class WeightedRows:
    """Forecasts as rows carrying event and non-event counts, sorted by (group, p) if ``ordered``.

    Raw rows count one event or one non-event each. On the whole-percent grid the rows are
    the non-empty (group, percent) cells, so iterative fits touch at most 101 rows per group
    and every count stays a whole number.
    """

    p: FloatArray
    events: FloatArray
    non_events: FloatArray
    total: FloatArray
    g: IntArray
    n_groups: int
    ordered: bool

    def sum(self, values: FloatArray) -> FloatArray:
        """Per-group sum of total x value."""
        return weighted_sum(self.g, self.total * values, self.n_groups)

    def count(self) -> FloatArray:
        return weighted_sum(self.g, self.total, self.n_groups)

    def subset(self, keep: np.ndarray) -> WeightedRows:
        """The rows where ``keep`` is true, in the same order."""
        return WeightedRows(
            self.p[keep],
            self.events[keep],
            self.non_events[keep],
            self.total[keep],
            self.g[keep],
            self.n_groups,
            self.ordered,
        )


def weighted_rows(data: BinaryData) -> WeightedRows:
    table = data.table
    if table is None:
        events = data.y.astype(np.float64)
        g = np.ascontiguousarray(data.g)
        return WeightedRows(
            data.p, events, 1.0 - events, np.ones_like(events), g, data.n_groups, False
        )
    total = table.sum(axis=2)
    g, j = np.nonzero(total)  # row-major order: sorted by group, then percent
    events, non_events = table[g, j, 1].astype(np.float64), table[g, j, 0].astype(np.float64)
    return WeightedRows(GRID[j], events, non_events, events + non_events, g, data.n_groups, True)


def group_order(values: FloatArray, codes: IntArray, n_groups: int) -> IntArray:
    """Row order sorting by group, then by value within the group.

    One unstable sort by value, then a stable sort by group code, which numpy runs as a
    radix sort when the codes fit 16 bits: about twice as fast as ``np.lexsort``.
    """
    by_value = np.argsort(values)
    key = codes[by_value]
    if n_groups <= 1 << 16:
        key = key.astype(np.uint16)
    out: IntArray = by_value[np.argsort(key, kind="stable")]
    return out
