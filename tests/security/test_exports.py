"""Exports that cannot run: text a spreadsheet would execute is neutralised (OWASP), XLSX
cells are values, never formulas."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from renkou.tables import neutralise, read_table, safe_cell, write_table

PAYLOAD = "=cmd|' /C calc'!A0"


@pytest.mark.parametrize("text", [PAYLOAD, "+1+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_starts_are_prefixed(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["-5", "+3.5", "-1e5", "-12%", "-", "ok", "", 7, -3.5, None])
def test_numbers_and_plain_text_are_left_alone(value: object) -> None:
    assert safe_cell(value) == value


def test_csv_and_xlsx_exports_hold_no_live_formula(tmp_path: Path) -> None:
    df = pd.DataFrame({"person_id": [PAYLOAD, "A1"], "value": [1, -2],
                       "=HYPERLINK(\"x\")": ["@x", "ok"]})
    csv = write_table(df, tmp_path / "out.csv")
    text = csv.read_text(encoding="utf-8")
    assert "\n=cmd" not in text and ",=" not in text and not text.startswith("=")
    assert read_table(csv)["person_id"].tolist() == ["'" + PAYLOAD, "A1"]
    xlsx = write_table(df, tmp_path / "out.xlsx")
    cells = [c for row in load_workbook(xlsx).active.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert "'" + PAYLOAD in [c.value for c in cells]
    assert [c.value for c in cells if c.data_type == "n"] == [1, -2]  # numbers stay numbers
    assert df["person_id"].tolist()[0] == PAYLOAD  # the caller's frame is not changed
    assert neutralise(df).columns[2] == "'=HYPERLINK(\"x\")"


def test_registry_stats_export_is_written_through_the_safe_writer(
        tmp_path: Path, small: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from renkou.cli.main import main

    db = tmp_path / "r.duckdb"
    assert main(["registry", "ingest", "--quiet", "--db", str(db), str(small)]) == 0
    out = tmp_path / "s.xlsx"
    assert main(["registry", "stats", "--db", str(db), "--as-of", "2024-12-31",
                 "--caliber", "resident", "--by", "region,sex", "--out", str(out)]) == 0
    cells = [c for row in load_workbook(out).active.iter_rows() for c in row]
    assert cells and all(c.data_type != "f" for c in cells)


def test_workbook_of_several_sheets_and_single_cells_are_values(tmp_path: Path) -> None:
    from openpyxl import Workbook

    from renkou.tables import set_value, write_workbook

    out = write_workbook({"a": pd.DataFrame({"x": [PAYLOAD]}),
                          "b": pd.DataFrame({"y": ["@SUM(1)", 2.5]})}, tmp_path / "w.xlsx")
    book = load_workbook(out)
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert book.sheetnames == ["a", "b"] and all(c.data_type != "f" for c in cells)
    assert {c.value for c in cells} >= {"'" + PAYLOAD, "'@SUM(1)", 2.5}
    wb = Workbook()
    set_value(wb.active["A1"], "=1+1")
    set_value(wb.active["A2"], 3)
    assert (wb.active["A1"].value, wb.active["A1"].data_type) == ("'=1+1", "s")
    assert wb.active["A2"].value == 3
