"""One chunked pass over binary forecasts: check their values and count the percent table.

Checking and counting share the pass so each chunk of the inputs is read from memory once
and then worked on while it is in cache. When every forecast is a whole percent
(``p == fl(j/100)``) the pass also counts forecasts per (group, percent, outcome); every
grouped summary then works on that small table instead of the rows.
"""

from __future__ import annotations

import numpy as np

from ._bins import CHUNK, PERCENT, row_chunks
from ._validate import IntArray, check_unit_interval

_CELLS_PER_GROUP = 2 * (PERCENT + 1)
# Integer moments of the table (n x sum j^2) stay inside int64 below this many rows.
_EXACT_ROWS = 1 << 24


def scan(
    p: np.ndarray, y: np.ndarray, g: np.ndarray, n_groups: int, grouped: bool
) -> IntArray | None:
    """Check p (in [0, 1], no NaN) and integer y (0/1) chunk by chunk; return the table.

    The group codes must already be checked (0..n_groups-1). The table is None when a
    forecast is off the grid or the groups are too many for a table smaller than the rows.
    """
    builder = None
    if p.shape[0] < _EXACT_ROWS and n_groups * _CELLS_PER_GROUP <= 2 * p.shape[0] + (1 << 16):
        builder = _TableBuilder(p.shape[0], n_groups)
    check_y = y.dtype.kind in "iu"
    for sl in row_chunks(p.shape[0]):
        check_unit_interval(p[sl], "p")
        if check_y and (y[sl].min() < 0 or y[sl].max() > 1):
            raise ValueError("y must contain only 0 and 1 outcomes")
        if builder is not None and not builder.add(p[sl], y[sl], g[sl] if grouped else None):
            builder = None
    return None if builder is None else builder.table()


def percent_table(p: np.ndarray, y: np.ndarray, g: np.ndarray, n_groups: int) -> IntArray | None:
    """The (G, 101, 2) table for checked group codes (used by the tests)."""
    return scan(p, y, g, n_groups, grouped=True)


class _TableBuilder:
    """Counts per (group, percent, outcome); ``add`` returns False at an off-grid forecast."""

    def __init__(self, n_rows: int, n_groups: int) -> None:
        self.n_groups = n_groups
        self.counts = np.zeros(n_groups * _CELLS_PER_GROUP, dtype=np.intp)
        size = min(n_rows, CHUNK)
        self.scaled = np.empty(size)
        self.cell = np.empty(size, dtype=np.intp)
        self.offset = np.empty(size, dtype=np.intp)

    def add(self, p: np.ndarray, y: np.ndarray, g: np.ndarray | None) -> bool:
        m = p.shape[0]
        cell = self.cell[:m]
        if not _percent_codes(p, self.scaled[:m], cell):
            return False
        cell += cell  # 2 j
        cell += y
        if g is not None:
            np.multiply(g, _CELLS_PER_GROUP, out=self.offset[:m])
            cell += self.offset[:m]
        if self.counts.shape[0] <= CHUNK:
            self.counts += np.bincount(cell, minlength=self.counts.shape[0])
        else:
            np.add.at(self.counts, cell, 1)  # no table-sized temporary per chunk
        return True

    def table(self) -> IntArray:
        return self.counts.reshape(self.n_groups, PERCENT + 1, 2)


def _percent_codes(p: np.ndarray, scaled: np.ndarray, out: IntArray) -> bool:
    """Write j = round(100 p) into out; True when every p is exactly fl(j/100)."""
    np.multiply(p, float(PERCENT), out=scaled)
    np.rint(scaled, out=scaled)
    np.copyto(out, scaled, casting="unsafe")  # whole numbers 0..100 convert exactly
    scaled /= PERCENT  # correctly rounded division of a whole number: exactly fl(j/100)
    return bool(np.array_equal(scaled, p))
