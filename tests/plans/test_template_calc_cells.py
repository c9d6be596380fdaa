"""Cell values as Excel and Calc hand them over (numbers, dates, typed text)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from renkou.plans import get_plan
from renkou.plans.forms.cells import parse_date, parse_number
from renkou.plans.forms.indicator_form import SHEET, write_template
from renkou.plans.model.reporting_units import reporting_units


@pytest.mark.parametrize(("raw", "expected"), [
    (86.5, 86.5), (3, 3.0), ("86.5", 86.5), (" 1,240 ", 1240.0), ("1，240.5", 1240.5),
    ("12,345,678", 12345678.0), ("-0.4", -0.4),
])
def test_numbers(raw: object, expected: float) -> None:
    assert parse_number(raw) == expected


@pytest.mark.parametrize("raw", ["51,2", "1,24", "1,2345", "86.5%", "abc", True, "nan", "inf"])
def test_ambiguous_or_bad_numbers_are_refused(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_number(raw)


@pytest.mark.parametrize(("raw", "expected"), [
    (dt.datetime(2025, 2, 20, 10, 30), dt.date(2025, 2, 20)),
    (dt.date(2025, 2, 20), dt.date(2025, 2, 20)),
    ("2025-02-20", dt.date(2025, 2, 20)), ("2025/2/20", dt.date(2025, 2, 20)),
    ("2025.2.3", dt.date(2025, 2, 3)), ("2025年2月20日", dt.date(2025, 2, 20)),
    ("2025-02-20 00:00:00", dt.date(2025, 2, 20)),
    # Day serials as Excel and Calc count them (1900 system): 45708 is 2025-02-20,
    # 43831 is 2020-01-01.
    (45708, dt.date(2025, 2, 20)), (43831.0, dt.date(2020, 1, 1)),
])
def test_dates(raw: object, expected: dt.date) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["2025-13-01", "20250220", "二〇二五年", 12, 45708.5, "2025年2月"])
def test_bad_dates_are_refused(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_date(raw)


def test_template_cells_show_period_baselines_and_monitoring(tmp_path: Path) -> None:
    """Baselines the plan states for a period keep their sign; no target says 仅监测."""
    wb = openpyxl.load_workbook(write_template("xiqing-14th", 2024, tmp_path / "x.xlsx"))
    ws = wb[SHEET]
    header = [str(c.value).rstrip("*") for c in ws[1]]
    rows = {r[0]: dict(zip(header, r, strict=False))
            for r in ws.iter_rows(min_row=2, values_only=True)}
    # "以街镇为单位适龄儿童免疫规划疫苗接种率每年保持在95%以上" (十三五)
    assert rows["XQ14-HLT-06"]["最近基期值"] == "2016—2020年 ≥95"
    assert rows["XQ14-HLT-06"]["规划目标"].startswith("仅监测")
    assert rows["XQ14-EDU-01"]["最近基期值"] == "2020年 99.9"
    assert rows["XQ14-SRV-01"]["规划目标"] == "2025年 ≥93%"


@pytest.mark.parametrize(("plan", "own", "foreign"), [
    ("xiqing-14th", "区卫生健康委", "市卫生健康委"),
    ("chongqing-2016-2030", "重庆市卫生计生委", "区卫生健康委"),
    ("tianjin-14th", "市卫生健康委", "重庆市卫生计生委"),
])
def test_department_lists_offer_the_plans_own_government(plan: str, own: str,
                                                        foreign: str) -> None:
    units = reporting_units(get_plan(plan))
    assert own in units and foreign not in units
    assert "各区人民政府" not in units
