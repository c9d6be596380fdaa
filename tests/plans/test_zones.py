"""Function zones (功能区): the zone file is checked with Chinese errors, an indicator whose
zones are all defined is computed from the registry over their 街镇 (counts added zone by
zone) and names the definition as its source; otherwise it stays department-reported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from renkou.app import zones as app_zones
from renkou.app.stores import copy_store, registry_at
from renkou.errors import InputError
from renkou.jurisdictions import get_jurisdiction
from renkou.plans import RegistryData, evaluate_registry, get_plan
from renkou.plans.storage import MemoryTables
from renkou.plans.zones import (
    Zone,
    parse_zones,
    store_zones,
    stored_zones,
    template_text,
    with_zones,
    zone_names,
)

XIQING = get_jurisdiction("xiqing")
KNOWN = {"120111001", "120111002", "120111101", "120111102", "120111106"}
NANZHAN = "南站科技商务区"


def zone_file(**zone: Any) -> dict[str, Any]:
    entry = {"name": NANZHAN, "streets": ["120111101", "120111102"], "source": "某批复"}
    entry.update(zone)
    return {"jurisdiction": "xiqing", "zones": [entry]}


def test_a_valid_file_gives_its_zones() -> None:
    zones, example = parse_zones(zone_file(), XIQING, "z.yaml", known=KNOWN)
    assert not example
    assert zones == (Zone(NANZHAN, ("120111101", "120111102"), "某批复"),)


@pytest.mark.parametrize(("raw", "message"), [
    ([1, 2], "应为 YAML 映射"),
    ({"jurisdiction": "xiqing", "zones": [], "colour": 1}, "未知字段：colour"),
    ({"jurisdiction": "xiqing", "zones": []}, "至少一个功能区"),
    ({"jurisdiction": "chongqing", "zones": [{}]}, "功能区文件属于重庆市，不在数据库的辖区"),
    (zone_file(streets=[]), "“南站科技商务区”的 streets 须列出至少一个街镇代码"),
    (zone_file(streets=[120111101]), None),
    (zone_file(streets=["12011110"]), "街镇代码 '12011110' 无效"),
    (zone_file(streets=["120116001"]), "街镇 120116001 不在天津市西青区内"),
    (zone_file(streets=["120111999"]), "街镇 120111999 不在区划表中"),
    (zone_file(streets=["120111101", "120111101"]), "街镇 120111101 重复"),
    (zone_file(source=""), "source（范围依据"),
    (zone_file(name="甲|乙"), "不能含有“|”"),
    (zone_file(area=3), "第1个功能区含未知字段：area"),
])
def test_errors_name_the_zone_and_the_field(raw: Any, message: str | None) -> None:
    if message is None:  # an unquoted code is read as a number and accepted as its digits
        assert parse_zones(raw, XIQING, "z.yaml", known=KNOWN)[0][0].streets[0] == "120111101"
        return
    with pytest.raises(InputError, match=message) as err:
        parse_zones(raw, XIQING, "z.yaml", known=KNOWN)
    assert "文件 z.yaml" in str(err.value)


def test_duplicate_zones_are_refused() -> None:
    raw = zone_file()
    raw["zones"] = raw["zones"] * 2
    with pytest.raises(InputError, match="功能区“南站科技商务区”重复"):
        parse_zones(raw, XIQING, "z.yaml", known=KNOWN)


def test_the_template_lists_the_plans_zones_and_loads_as_yaml() -> None:
    assert zone_names(XIQING) == ["赛达新城", NANZHAN]
    text = template_text(XIQING, {"120111101": "中北镇"})
    raw = yaml.safe_load(text)
    assert [z["name"] for z in raw["zones"]] == ["赛达新城", NANZHAN]
    assert '"120111101"  中北镇' in text
    with pytest.raises(InputError, match="streets 须列出"):  # the blank template is not a file
        parse_zones(raw, XIQING, "t.yaml")


def test_an_indicator_is_computed_only_when_all_its_zones_are_defined() -> None:
    plan = get_plan("tianjin-14th")
    names = plan.indicator("TJ14-DST-07").zones.names  # type: ignore[union-attr]
    some = {n: Zone(n, ("120116001",), "某文件") for n in names[:-1]}
    assert with_zones(plan, some).indicator("TJ14-DST-07").kind == "reported"
    every = {**some, names[-1]: Zone(names[-1], ("120116002",), "某文件", example=True)}
    ind = with_zones(plan, every).indicator("TJ14-DST-07")
    assert (ind.kind, ind.formula) == ("computed", "jobs_housing_balance")
    assert ind.zones is not None and ind.zones.source is not None
    assert "功能区范围：滨海—中关村科技园（1个街镇：120116001；依据：某文件）" in ind.zones.source
    assert "示例范围，非真实边界" in ind.zones.source


def test_zones_round_trip_through_the_app_tables() -> None:
    tables = MemoryTables()
    zones, _ = parse_zones(zone_file(), XIQING, "z.yaml", known=KNOWN)
    store_zones(tables, zones, "z.yaml", dt.date(2025, 3, 1))
    got = stored_zones(tables)[NANZHAN]
    assert (got.streets, got.file, got.imported_at) == (zones[0].streets, "z.yaml",
                                                        "2025-03-01")


@pytest.fixture
def zoned(tmp_path: Path, district_store: Path) -> Path:
    db = copy_store(district_store, tmp_path / "zoned.duckdb")
    path = tmp_path / "zones.yaml"
    path.write_text(yaml.safe_dump({"jurisdiction": "xiqing", "zones": [
        {"name": NANZHAN, "streets": ["120111101", "120111102"], "source": "测试范围"},
        {"name": "赛达新城", "streets": ["120111106", "120111001"], "source": "测试范围"}]},
        allow_unicode=True), encoding="utf-8")
    app_zones.import_zones(db, path)
    return db


def test_zone_counts_are_the_registry_counts_added_zone_by_zone(zoned: Path) -> None:
    day = dt.date(2023, 12, 31)
    with registry_at(zoned) as registry:
        data = RegistryData(registry)
        one = registry.jobs_housing(day, ("120111101", "120111102"))
        two = registry.jobs_housing(day, ("120111106", "120111001"))
        assert one["workers"] > 0 and two["workers"] > 0
        assert data.jobs_housing(day, f"zone:{NANZHAN}") == pytest.approx(one)
        both = data.jobs_housing(day, f"zone:{NANZHAN}|赛达新城")
        assert both == pytest.approx({k: one[k] + two[k] for k in one})
        with pytest.raises(InputError, match="库中未定义功能区：别处"):
            data.jobs_housing(day, "zone:别处")


def test_the_assessment_computes_the_zone_indicators_and_names_the_source(
        zoned: Path) -> None:
    with registry_at(zoned) as registry:
        pa = evaluate_registry(registry, get_plan("xiqing-14th"), 2024, forward=False)
        counts = registry.jobs_housing(dt.date(2024, 12, 31), ("120111101", "120111102"))
    a = pa.by_code()["XQ14-DST-08"]
    assert a.kind == "computed"
    assert a.value == pytest.approx(counts["local"] / counts["workers"] * 100)
    assert "功能区范围：南站科技商务区（2个街镇：120111101、120111102；依据：测试范围" in a.source
    assert pa.by_code()["XQ14-DST-07"].kind == "computed"


def test_without_zones_the_indicators_stay_reported(district_store: Path) -> None:
    with registry_at(district_store) as registry:
        pa = evaluate_registry(registry, get_plan("xiqing-14th"), 2024, forward=False)
    assert pa.by_code()["XQ14-DST-08"].kind == "reported"
    assert pa.by_code()["XQ14-DST-08"].source.startswith("部门填报")


def test_example_zones_go_into_synthetic_stores_only(zoned: Path, tmp_path: Path) -> None:
    with registry_at(zoned, read_only=False) as registry:
        saved = app_zones.seed_example_zones(registry)
    assert saved and all(z.example for z in saved)
    defined, indicators = app_zones.zones(zoned)
    assert {z.name for z in defined} == {NANZHAN, "赛达新城"}
    assert all(i.computed for i in indicators)

    class RealStore:  # the parts of a registry the import uses, of a store of real records
        def __init__(self) -> None:
            self.tables = MemoryTables()

        def jurisdiction(self) -> Any:
            return XIQING

        def provenance(self) -> Any:
            return type("P", (), {"synthetic": False})()

    path = tmp_path / "example.yaml"
    path.write_text(yaml.safe_dump({**zone_file(), "example": True}, allow_unicode=True),
                    encoding="utf-8")
    with pytest.raises(InputError, match="示例功能区范围（example: true）只能导入"):
        app_zones._save(RealStore(), yaml.safe_load(path.read_text("utf-8")),  # type: ignore[arg-type]
                        "example.yaml")
