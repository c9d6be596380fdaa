"""Small-cell suppression with complementary suppression: no suppressed cell can be
recovered from the published totals of its row or column."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from renkou.auth.disclosure import suppress


def test_one_small_cell_takes_the_smallest_partner() -> None:
    s = suppress([[3, 40, 12, 80]], 5)
    assert s.cells == [[None, 40, None, 80]] and s.count == 2


def test_nothing_small_nothing_suppressed_and_zeros_stay() -> None:
    assert suppress([[0, 40, 12]], 5).cells == [[0, 40, 12]]
    assert suppress([[5, 6], [7, 8]], 5).count == 0


def test_two_by_two_with_one_small_cell_hides_all_four() -> None:
    s = suppress([[2, 30], [40, 50]], 5)
    assert s.cells == [[None, None], [None, None]]


def test_single_row_without_total_needs_no_partner() -> None:
    assert suppress([[3, 40]], 5, row_totals=False).cells == [[None, 40]]


def _recoverable(cells: list[list[int | None]], rows: bool, cols: bool) -> bool:
    lines = []
    if rows and cells and len(cells[0]) > 1:
        lines += cells
    if cols and len(cells) > 1:
        lines += [list(c) for c in zip(*cells, strict=True)]
    return any(sum(v is None for v in line) == 1 for line in lines)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 6).flatmap(lambda n: st.lists(
    st.lists(st.integers(0, 30), min_size=n, max_size=n), min_size=1, max_size=8)),
    st.booleans(), st.booleans())
def test_no_line_with_a_total_has_exactly_one_hidden_cell(
        table: list[list[int]], rows: bool, cols: bool) -> None:
    s = suppress(table, 5, row_totals=rows, column_totals=cols)
    flat = [v for r in table for v in r]
    out = [v for r in s.cells for v in r]
    # Every small non-zero cell is hidden; shown cells keep their value.
    assert all(o is None for v, o in zip(flat, out, strict=True) if 0 < v < 5)
    assert all(o == v for v, o in zip(flat, out, strict=True) if o is not None)
    assert s.count == sum(o is None for o in out)
    assert not _recoverable(s.cells, rows, cols), (table, s.cells)


def test_id_numbers_in_free_text_are_masked() -> None:
    from renkou.auth.redact import redact_ids

    text = "用户 11010519491231002X 与 110105491231002、电话 13800138000、编号 1234567890123456789"
    out = redact_ids(text)
    assert "11010519491231002X" not in out and "110105********002X" in out
    assert "110105491231002" not in out and "110105******002" in out
    assert "13800138000" in out and "1234567890123456789" in out  # not ID-shaped


def test_cells_hidden_for_another_reason_get_partners_too() -> None:
    s = suppress([[30, 40], [50, 60]], 5, also=[(0, 0)])
    assert s.cells == [[None, None], [None, None]] and s.count == 4


def test_records_suppressed_table_by_table_with_their_costs() -> None:
    from renkou.auth.disclosure import suppress_records

    rows = [{"year": y, "district": d, "component": c, "caseload": n, "cost": 10.0 * n}
            for y, table in ((2025, [[3, 40], [20, 50]]), (2026, [[30, 40], [20, 50]]))
            for d, line in zip(("b", "a"), table, strict=True)
            for c, n in zip(("x", "y"), line, strict=True)]
    s = suppress_records(list(reversed(rows)), 5, count="caseload", down="district",
                         across="component", by=("year",), dependent=("cost",))
    hidden = [(r["year"], r["district"], r["component"]) for r in s.rows
              if r["caseload"] is None]
    # 2025: the small cell and its partners; 2026 has none, its own table.
    assert sorted(hidden) == [(2025, "a", "x"), (2025, "a", "y"), (2025, "b", "x"),
                              (2025, "b", "y")]
    assert all(r["cost"] is None for r in s.rows if r["caseload"] is None)
    assert s.count == 4 and s.hidden == {(2025, "a"), (2025, "b")}
    # The records' order does not change which cells go.
    again = suppress_records(rows, 5, count="caseload", down="district", across="component",
                             by=("year",), dependent=("cost",))
    assert again.hidden == s.hidden
    forced = suppress_records(rows, 5, count="caseload", down="district", across="component",
                              by=("year",), hide_rows={(2026, "a")})
    assert {(r["year"], r["district"]) for r in forced.rows if r["caseload"] is None} == {
        (2025, "a"), (2025, "b"), (2026, "a"), (2026, "b")}
