"""Statistical disclosure control (统计披露控制) of aggregate tables for roles below
``statistician``: cells of fewer than ``threshold`` persons (but not zero) are suppressed,
and further cells are suppressed alongside them (complementary suppression) until no
published total reveals a suppressed cell — every row and every column that has a total
holds either no suppressed cell or at least two.

Tables come as rows × columns of counts (:func:`suppress`), or as records, one a cell
(:func:`suppress_records`): the caseloads of the rules routes, where a cell's costs go with
its count."""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

DEFAULT_THRESHOLD = 5

N = TypeVar("N", int, float)


@dataclass(frozen=True)
class Suppressed(Generic[N]):
    """A table with its suppressed cells set to None."""

    cells: list[list[N | None]]
    count: int  # cells suppressed (primary and complementary)

    def row(self, i: int = 0) -> list[N | None]:
        return self.cells[i]

    def column(self, j: int) -> list[N | None]:
        return [r[j] for r in self.cells]


def _lines(n_rows: int, n_cols: int, rows: bool, cols: bool) -> list[list[tuple[int, int]]]:
    out: list[list[tuple[int, int]]] = []
    if rows and n_cols > 1:
        out += [[(i, j) for j in range(n_cols)] for i in range(n_rows)]
    if cols and n_rows > 1:
        out += [[(i, j) for i in range(n_rows)] for j in range(n_cols)]
    return out


def suppress(table: Sequence[Sequence[N]], threshold: int = DEFAULT_THRESHOLD, *,
             row_totals: bool = True, column_totals: bool = True,
             also: Iterable[tuple[int, int]] = ()) -> Suppressed[N]:
    """Suppress the cells of ``table`` (rows × columns of counts) under ``threshold`` and
    the cells ``also`` (hidden for a reason outside the table, such as another table of the
    same persons), then complementary cells: in a line with a published total and exactly
    one suppressed cell, the smallest other cell goes too (a non-zero one where there is
    one), repeated until every such line holds none or at least two."""
    values = [list(r) for r in table]
    n_rows = len(values)
    n_cols = len(values[0]) if values else 0
    hidden = {(i, j) for i in range(n_rows) for j in range(n_cols)
              if 0 < values[i][j] < threshold}
    hidden |= set(also)
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
    cells: list[list[N | None]] = [
        [None if (i, j) in hidden else values[i][j] for j in range(n_cols)]
        for i in range(n_rows)]
    return Suppressed(cells=cells, count=len(hidden))


def _order(value: Any) -> tuple[bool, str]:
    return value is None, str(value)


@dataclass(frozen=True)
class SuppressedRecords:
    """Records with the counts of suppressed cells (and what goes with them) set to None."""

    rows: list[dict[str, Any]]
    hidden: frozenset[tuple[Hashable, ...]]  # (table, row) keys with a suppressed cell
    count: int  # cells suppressed


def suppress_records(records: Sequence[Mapping[str, Any]], threshold: int, *, count: str,
                     down: str, across: str, by: Sequence[str] = (),
                     dependent: Sequence[str] = (),
                     hide_rows: Collection[tuple[Hashable, ...]] = ()) -> SuppressedRecords:
    """Disclosure control of a long table whose records are cells: for each table (the
    values of ``by``, e.g. a year), rows are the values of ``down`` and columns those of
    ``across``, each cell holding ``count`` persons, with row and column totals published.
    A suppressed cell's ``dependent`` fields (costs that would give its count away) go with
    it; every cell of the rows ``hide_rows`` ((*by, down) keys) is suppressed too. Rows and
    columns are ordered by value, so the same counts give the same cells whatever the
    records' order."""
    def key_of(r: Mapping[str, Any]) -> tuple[Hashable, ...]:
        return tuple(r[b] for b in by)

    tables: dict[tuple[Hashable, ...], list[int]] = {}
    for i, r in enumerate(records):
        tables.setdefault(key_of(r), []).append(i)
    out = [dict(r) for r in records]
    hidden_rows: set[tuple[Hashable, ...]] = set()
    total = 0
    for table, members in tables.items():
        rows = sorted({records[i][down] for i in members}, key=_order)
        cols = sorted({records[i][across] for i in members}, key=_order)
        at = {(records[i][down], records[i][across]): i for i in members}
        grid = [[float(records[at[(d, a)]][count] or 0.0) if (d, a) in at else 0.0
                 for a in cols] for d in rows]
        forced = [(ri, ci) for ri, d in enumerate(rows) if (*table, d) in hide_rows
                  for ci, a in enumerate(cols) if (d, a) in at]
        s = suppress(grid, threshold, also=forced)
        for ri, d in enumerate(rows):
            for ci, a in enumerate(cols):
                if s.cells[ri][ci] is None and (d, a) in at:
                    item = out[at[(d, a)]]
                    for field in (count, *dependent):
                        if field in item:
                            item[field] = None
                    hidden_rows.add((*table, d))
                    total += 1
    return SuppressedRecords(rows=out, hidden=frozenset(hidden_rows), count=total)
