"""Statistical disclosure control (统计披露控制) of aggregate tables for roles below
``statistician``: cells of fewer than ``threshold`` persons (but not zero) are suppressed,
and further cells are suppressed alongside them (complementary suppression) until no
published total reveals a suppressed cell — every row and every column that has a total
holds either no suppressed cell or at least two."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_THRESHOLD = 5


@dataclass(frozen=True)
class Suppressed:
    """A table with its suppressed cells set to None."""

    cells: list[list[int | None]]
    count: int  # cells suppressed (primary and complementary)

    def row(self, i: int = 0) -> list[int | None]:
        return self.cells[i]

    def column(self, j: int) -> list[int | None]:
        return [r[j] for r in self.cells]


def _lines(n_rows: int, n_cols: int, rows: bool, cols: bool) -> list[list[tuple[int, int]]]:
    out: list[list[tuple[int, int]]] = []
    if rows and n_cols > 1:
        out += [[(i, j) for j in range(n_cols)] for i in range(n_rows)]
    if cols and n_rows > 1:
        out += [[(i, j) for i in range(n_rows)] for j in range(n_cols)]
    return out


def suppress(table: Sequence[Sequence[int]], threshold: int = DEFAULT_THRESHOLD, *,
             row_totals: bool = True, column_totals: bool = True) -> Suppressed:
    """Suppress the cells of ``table`` (rows × columns of counts) under ``threshold``, then
    complementary cells: in a line with a published total and exactly one suppressed cell,
    the smallest other cell goes too (a non-zero one where there is one), repeated until
    every such line holds none or at least two."""
    values = [list(r) for r in table]
    n_rows = len(values)
    n_cols = len(values[0]) if values else 0
    hidden = {(i, j) for i in range(n_rows) for j in range(n_cols)
              if 0 < values[i][j] < threshold}
    lines = _lines(n_rows, n_cols, row_totals, column_totals)
    changed = bool(hidden)
    while changed:
        changed = False
        for line in lines:
            if sum(c in hidden for c in line) != 1:
                continue
            candidates = [c for c in line if c not in hidden]
            if not candidates:
                continue
            # The smallest non-zero cell costs the least information; zeros only if nothing
            # else is left in the line.
            pick = min(candidates, key=lambda c: (values[c[0]][c[1]] == 0, values[c[0]][c[1]]))
            hidden.add(pick)
            changed = True
    cells: list[list[int | None]] = [
        [None if (i, j) in hidden else values[i][j] for j in range(n_cols)]
        for i in range(n_rows)]
    return Suppressed(cells=cells, count=len(hidden))
