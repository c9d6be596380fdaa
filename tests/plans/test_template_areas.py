"""The 地区 column of the reporting form: rows per area (街镇 reporting), the area of each
imported value, older forms without the column, and values of sub-areas kept apart from
the plan's own value."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from renkou.errors import InputError
from renkou.plans import assess_plan, get_plan
from renkou.plans.forms.indicator_form import LISTS, META, SHEET, write_template
from renkou.plans.forms.indicator_import import import_template
from renkou.plans.model.plan import Plan
from renkou.plans.storage import MemoryTables, quarantine, reported_values

NOW = dt.datetime(2025, 3, 1, 9, 0)
CODE = "XQ14-HLT-05"  # 居民健康素养水平, %, reported by 区卫生健康委


@pytest.fixture(scope="module")
def xiqing() -> Plan:
    return get_plan("xiqing-14th")


def _header(ws: object) -> list[str]:
    return [str(c.value).rstrip("*") for c in ws[1]]  # type: ignore[index]


def _fill_rows(path: Path, values: list[tuple[int, object, float]]) -> None:
    """(sheet row, 地区 cell or None to leave it, value) for rows of CODE."""
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    col = {name: i + 1 for i, name in enumerate(_header(ws))}
    rows = [r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == CODE]
    for k, area, value in values:
        r = rows[k]
        if area is not None:
            ws.cell(r, col["地区"]).value = area
        for name, v in (("填报值", value), ("数据性质", "年报正式数"), ("填报单位", "区卫生健康委"),
                        ("填报人", "李四"), ("填报日期", dt.date(2025, 2, 20))):
            ws.cell(r, col[name]).value = v
    wb.save(path)


def test_default_form_has_one_row_per_indicator_for_the_plan_area(
        xiqing: Plan, tmp_path: Path) -> None:
    out = write_template(xiqing, 2024, tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(out)[SHEET]
    header = _header(ws)
    areas = [ws.cell(r, header.index("地区") + 1).value for r in range(2, ws.max_row + 1)]
    assert len(areas) == len(xiqing.reported_indicators())
    assert set(areas) == {"120111 西青区"}
    # The drop-down holds the district and its ten 街镇.
    lists = openpyxl.load_workbook(out)[LISTS]
    offered = [c.value for c in lists["C"][1:] if c.value]
    assert offered[0] == "120111 西青区" and len(offered) == 11
    assert "120111001 西营门街道" in offered


def test_street_rows_are_stored_by_area_and_kept_out_of_the_plan_value(
        xiqing: Plan, tmp_path: Path) -> None:
    out = write_template(xiqing, 2024, tmp_path / "t.xlsx",
                         areas=["120111", "120111001", "120111002"])
    ws = openpyxl.load_workbook(out)[SHEET]
    assert ws.max_row - 1 == 3 * len(xiqing.reported_indicators())
    _fill_rows(out, [(0, None, 31.0), (1, None, 35.5), (2, 120111002, 28.0)])
    store = MemoryTables()
    result = import_template(store, out, now=NOW)
    assert (result.accepted, result.rejected) == (3, ())
    got = reported_values(store, xiqing.code)
    by_area = dict(zip(got["area"], got["value"], strict=True))
    assert by_area == {"120111": 31.0, "120111001": 35.5, "120111002": 28.0}
    # The plan's value is the district's own, not the last street row.
    pa = assess_plan(xiqing, 2024, store=store)
    assert pa.series[CODE] == {2024: 31.0}


def test_area_cells_outside_the_plan_or_unknown_are_quarantined(
        xiqing: Plan, tmp_path: Path) -> None:
    out = write_template(xiqing, 2024, tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb[SHEET]
    col = _header(ws).index("地区") + 1
    # Copy CODE's row four times with other areas (a department adding rows by hand).
    src = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == CODE)
    values = [c.value for c in ws[src]]
    for area in ("120101 和平区", "120111999", "西营门街道", "120111003"):
        ws.append(values)
        ws.cell(ws.max_row, col).value = area
    wb.save(out)
    wb = openpyxl.load_workbook(out)
    ws = wb[SHEET]
    header = _header(ws)
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, 1).value == CODE:
            for name, v in (("填报值", 30.0), ("数据性质", "年报正式数"),
                            ("填报单位", "区卫生健康委"), ("填报人", "李四"),
                            ("填报日期", dt.date(2025, 2, 20))):
                ws.cell(r, header.index(name) + 1).value = v
    wb.save(out)
    store = MemoryTables()
    result = import_template(store, out, xiqing, now=NOW)
    assert result.accepted == 2  # the district row and 120111003
    assert sorted(reported_values(store, xiqing.code)["area"]) == ["120111", "120111003"]
    reasons = {x.reason for x in result.rejected}
    assert all(x.column == "地区" for x in result.rejected) and len(result.rejected) == 3
    assert any("不在规划地区" in r for r in reasons)
    assert any("未知的地区代码 120111999" in r for r in reasons)
    assert any("不是地区代码" in r for r in reasons)
    assert len(quarantine(store, xiqing.code)) == 3


def test_city_plan_accepts_street_codes_of_districts_without_a_street_list(
        tianjin: Plan, tmp_path: Path) -> None:
    out = write_template(tianjin, 2024, tmp_path / "t.xlsx", areas=["120101001", "120111001"])
    ws = openpyxl.load_workbook(out)[SHEET]
    areas = {ws.cell(r, _header(ws).index("地区") + 1).value
             for r in range(2, ws.max_row + 1)}
    assert areas == {"120101001", "120111001 西营门街道"}
    with pytest.raises(InputError, match="不在规划地区"):
        write_template(tianjin, 2024, tmp_path / "x.xlsx", areas=["500101"])


def test_a_form_without_the_area_column_still_imports_for_the_plan_area(
        xiqing: Plan, tmp_path: Path) -> None:
    out = write_template(xiqing, 2024, tmp_path / "old.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb[SHEET]
    ws.delete_cols(_header(ws).index("地区") + 1)
    meta = wb[META]
    for row in meta.iter_rows():
        if row[0].value == "version":
            row[1].value = 1
    wb.save(out)
    _fill_rows_without_area(out)
    store = MemoryTables()
    result = import_template(store, out, now=NOW)
    assert result.accepted == 1 and not result.rejected
    got = reported_values(store, xiqing.code)
    assert list(got["area"]) == ["120111"] and list(got["value"]) == [33.3]


def _fill_rows_without_area(path: Path) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    header = _header(ws)
    assert "地区" not in header
    r = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == CODE)
    for name, v in (("填报值", 33.3), ("数据性质", "年报正式数"), ("填报单位", "区卫生健康委"),
                    ("填报人", "李四"), ("填报日期", dt.date(2025, 2, 20))):
        ws.cell(r, header.index(name) + 1).value = v
    wb.save(path)
