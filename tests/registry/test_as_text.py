"""Delivered cells as trimmed text (loader.as_text): spaces at both ends go, nothing else."""

from __future__ import annotations

import pyarrow as pa

from renkou.registry.loader import as_text
from renkou.registry.store import Scratch


def test_as_text_strips_spaces_only_and_maps_null_to_empty() -> None:
    cells = ["  120101001 ", "男", " ", "", None, "a\t", "\t a", "　中", "x  y", " 2020-01-01"]
    expected = ["120101001", "男", "", "", "", "a\t", "\t a", "　中", "x  y", "2020-01-01"]
    with Scratch() as s:
        s.register("_cells", pa.table({"c": pa.array(cells, pa.string()),
                                      "n": pa.array([7, None, 3, 4, 5, 6, 7, 8, 9, 10])}))
        s.execute("CREATE TABLE t AS SELECT * FROM _cells")
        s.unregister("_cells")
        got = s.rows(f"SELECT {as_text('c', 'VARCHAR')}, {as_text('n', 'BIGINT')} "
                     "FROM t ORDER BY rowid")
    assert [r[0] for r in got] == expected
    assert [r[1] for r in got] == ["7", "", "3", "4", "5", "6", "7", "8", "9", "10"]
