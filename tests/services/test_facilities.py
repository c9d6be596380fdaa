"""Facility inventory: template, row-level validation with quarantine, synthetic inventory."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from renkou.app import services as svc
from renkou.app.stores import registry_at
from renkou.errors import InputError
from renkou.jurisdictions import get_jurisdiction
from renkou.services.facilities import (
    COLUMNS,
    SHEET,
    inventory,
    quarantined,
    read_workbook,
    supply,
)

STREET = "120111001"
GOOD: dict[str, Any] = {"设施类型": "托育机构", "设施名称": "甲托育园", "街镇代码": STREET,
                        "容量": 60, "单位": "个", "启用日期": dt.date(2020, 9, 1)}


def filled(tmp_path: Path, rows: list[dict[str, Any]], name: str = "F.xlsx",
           jurisdiction: str = "xiqing") -> Path:
    path = svc.facilities_template(tmp_path / name, jurisdiction)
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    for row in rows:
        ws.append([row.get(c) for c in COLUMNS])
    wb.save(path)
    return path


def test_each_bad_row_is_quarantined_with_file_row_and_reason(tmp_path: Path) -> None:
    rows = [GOOD,
            {**GOOD, "设施名称": "乙", "设施类型": "游泳馆"},
            {**GOOD, "设施名称": "丙", "街镇代码": "500101001"},
            {**GOOD, "设施名称": "丁", "容量": "很多"},
            {**GOOD, "设施名称": "戊", "单位": "张"},
            {**GOOD, "设施名称": "己", "启用日期": "2020-13-01"},
            {**GOOD, "设施名称": "庚", "停用日期": dt.date(2019, 1, 1)},
            {**GOOD, "设施名称": "辛", "经度": 117.2},
            GOOD,
            {**GOOD, "设施名称": "壬", "设施类型": "elderly_beds", "单位": "张", "容量": 120,
             "经度": 117.1, "纬度": 39.1}]
    path = filled(tmp_path, rows)
    accepted, rejected = read_workbook(path, get_jurisdiction("xiqing"))
    assert [r["name"] for r in accepted] == ["甲托育园", "壬"]
    by_row = {r.row: r for r in rejected}
    assert sorted(by_row) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert by_row[3].column == "设施类型"
    assert "不是天津市西青区的街镇" in by_row[4].reason
    assert by_row[5].column == "容量"
    assert "单位应为“个”" in by_row[6].reason
    assert by_row[7].column == "启用日期"
    assert "晚于启用日期" in by_row[8].reason
    assert "同时填写" in by_row[9].reason
    assert "重复" in by_row[10].reason
    assert str(by_row[3]).startswith("文件 F.xlsx，第 3 行，列 设施类型：")


def test_a_template_of_another_jurisdiction_is_refused(tmp_path: Path) -> None:
    path = filled(tmp_path, [GOOD], jurisdiction="chongqing")
    with pytest.raises(InputError, match="模板属于辖区 chongqing"):
        read_workbook(path, get_jurisdiction("xiqing"))


@pytest.mark.slow
def test_import_stores_accepted_rows_and_the_quarantine(tmp_path: Path, writable: Path) -> None:
    path = filled(tmp_path, [GOOD, {**GOOD, "设施名称": "乙", "容量": -3}])
    result = svc.import_facilities(writable, path)
    assert (result.accepted, len(result.rejected)) == (1, 1)
    with registry_at(writable) as registry:
        stored = inventory(registry)
        assert stored[["type", "name", "street", "capacity"]].values.tolist() == [
            ["childcare", "甲托育园", STREET, 60.0]]
        q = quarantined(registry)
        assert q[["file", "row", "column"]].values.tolist() == [["F.xlsx", 3, "容量"]]
        assert supply(stored, dt.date(2024, 12, 31), "street", registry.jurisdiction())[
            "capacity"].tolist() == [60.0]
        assert supply(stored, dt.date(2019, 12, 31), "street",
                      registry.jurisdiction()).empty


@pytest.mark.slow
def test_a_failed_import_leaves_the_store_unchanged(tmp_path: Path, writable: Path) -> None:
    svc.import_facilities(writable, filled(tmp_path, [GOOD]))
    broken = filled(tmp_path, [{**GOOD, "设施名称": "乙"}], name="B.xlsx")
    wb = openpyxl.load_workbook(broken)
    wb[SHEET].delete_cols(4)  # the capacity column
    wb.save(broken)
    with pytest.raises(InputError, match="缺少列 容量"):
        svc.import_facilities(writable, broken)
    with registry_at(writable) as registry:
        assert inventory(registry)["name"].tolist() == ["甲托育园"]
        assert quarantined(registry).empty


@pytest.mark.slow
def test_synthetic_inventory_covers_the_jurisdictions_streets(writable: Path) -> None:
    n = svc.synth_facilities(writable, seed=5)
    with registry_at(writable) as registry:
        stored = inventory(registry)
        areas = set(registry.jurisdiction().area_codes)
    assert len(stored) == n > 0
    assert set(stored["street"]) <= areas
    assert len(set(stored["street"])) >= len(areas) - 1
    assert (stored["source_file"] == "示范数据（合成）").all()
