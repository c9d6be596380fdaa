"""services gaps equals demand computed by hand from `renkou registry stats` and the norms
files."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import yaml

from renkou.app import services as svc
from renkou.app.stores import registry_at
from renkou.cli.main import main
from renkou.services.facilities import COLUMNS, SHEET
from renkou.services.gaps import COLUMNS as GAP_COLUMNS

pytestmark = pytest.mark.slow
AS_OF = dt.date(2024, 12, 31)
STREET = "120111001"
ROWS: list[dict[str, Any]] = [
    {"设施类型": "托育机构", "设施名称": "甲", "街镇代码": STREET, "容量": 3, "单位": "个",
     "启用日期": "2020-01-01"},
    {"设施类型": "养老机构", "设施名称": "乙", "街镇代码": STREET, "容量": 10, "单位": "张",
     "启用日期": "2020-01-01"},
    {"设施类型": "护理型床位", "设施名称": "乙", "街镇代码": STREET, "容量": 4, "单位": "张",
     "启用日期": "2020-01-01"},
    {"设施类型": "日间照料中心", "设施名称": "丙", "街镇代码": STREET, "容量": 1, "单位": "所",
     "启用日期": "2020-01-01"},
    # closed before the date: not supply
    {"设施类型": "托育机构", "设施名称": "丁", "街镇代码": STREET, "容量": 50, "单位": "个",
     "启用日期": "2015-01-01", "停用日期": "2022-06-30"},
]


def norm_value(service: str) -> tuple[str, float, list[int], str | None]:
    """kind, value on AS_OF, ages and ``of`` read straight from the YAML files (district file,
    then the city's, then the national defaults)."""
    merged: dict[str, Any] = {}
    for key in ("national", "tianjin", "xiqing"):
        raw = yaml.safe_load(resources.files("renkou.services").joinpath(
            f"data/norms/{key}.yaml").read_text(encoding="utf-8"))
        for name, spec in raw["services"].items():
            merged[name] = {**merged.get(name, {}), **spec}
    spec = merged[service]
    value = [v["value"] for v in spec["values"] if v["effective_from"] <= AS_OF][-1]
    return spec["kind"], float(value), spec["ages"], spec.get("of")


@pytest.fixture
def stocked(tmp_path: Path, writable: Path) -> Path:
    path = svc.facilities_template(tmp_path / "F.xlsx", "xiqing")
    wb = openpyxl.load_workbook(path)
    for row in ROWS:
        wb[SHEET].append([row.get(c) for c in COLUMNS])
    wb.save(path)
    assert svc.import_facilities(writable, path).accepted == len(ROWS)
    return writable


def test_gaps_equal_the_hand_computation_for_every_area(stocked: Path, tmp_path: Path) -> None:
    out = tmp_path / "G.csv"
    assert main(["services", "gaps", "--db", str(stocked), "--as-of", "2024-12-31",
                 "--level", "street", "--out", str(out)]) == 0
    got = pd.read_csv(out, dtype={"region": str})
    assert list(got.columns) == GAP_COLUMNS
    # the population by area and age as `renkou registry stats` writes it
    stats = tmp_path / "stats.csv"
    assert main(["registry", "stats", "--db", str(stocked), "--as-of", "2024-12-31",
                 "--caliber", "resident", "--level", "street", "--by", "region,age",
                 "--out", str(stats)]) == 0
    counts = pd.read_csv(stats, dtype={"region": str})
    with registry_at(stocked) as registry:
        areas = registry.jurisdiction().area_codes
    household = 2.35  # the district's census household size (jurisdiction file)
    supply = {("childcare", STREET): 3, ("elderly_beds", STREET): 10,
              ("nursing_beds", STREET): 4}
    checked = 0
    for area in areas:
        rows = got[got["region"] == area].set_index("service")
        assert len(rows) == 8
        for service, row in rows.iterrows():
            kind, value, (lo, hi), of = norm_value(str(service))
            c = counts[(counts["region"] == area) & counts["age"].between(lo, hi)]
            pop = float(c["value"].sum())
            demand = {"per_1000": value * pop / 1000, "per_person": value * pop,
                      "per_100_households": value * pop / household / 100,
                      "coverage": value * pop}.get(kind)
            if kind == "share_of":
                demand = value * supply.get((str(of), area), 0)
            have = supply.get((str(service), area), 0.0)
            if kind == "coverage":
                have = pop if area == STREET else 0.0
            assert row["population"] == pytest.approx(pop)
            assert row["norm"] == pytest.approx(value)
            assert row["demand"] == pytest.approx(demand)
            assert row["supply"] == pytest.approx(have)
            assert row["gap"] == pytest.approx(demand - have)
            checked += 1
    assert checked == 8 * len(areas)


def test_district_level_and_hukou_caliber(stocked: Path) -> None:
    street = svc.gaps(stocked, AS_OF, "street").table
    whole = svc.gaps(stocked, AS_OF, "district").table
    assert whole["region"].unique().tolist() == ["120111"]
    for service in ("childcare", "compulsory", "elderly_beds", "community_facility"):
        s = street[street["service"] == service]
        w = whole[whole["service"] == service].iloc[0]
        assert w["population"] == pytest.approx(s["population"].sum())
        assert w["demand"] == pytest.approx(s["demand"].sum())
        assert w["supply"] == pytest.approx(s["supply"].sum())
    hukou = svc.gaps(stocked, AS_OF, "street", "hukou").table
    with registry_at(stocked) as registry:
        h = registry.caliber(AS_OF, "hukou", "street", by=("region",))
    kids = hukou[hukou["service"] == "childcare"].set_index("region")["population"]
    assert kids.sum() == pytest.approx(float(h["value"].sum()))
    assert not kids.equals(street[street["service"] == "childcare"].set_index("region")[
        "population"])


def test_caliber_contrast_is_the_difference_of_the_two_runs(stocked: Path) -> None:
    contrast = svc.caliber_contrast(stocked, AS_OF, "street")
    resident = svc.gaps(stocked, AS_OF, "street").table.set_index(["region", "service"])
    hukou = svc.gaps(stocked, AS_OF, "street", "hukou").table.set_index(["region", "service"])
    c = contrast.set_index(["region", "service"])
    assert (c["resident_demand"] == resident["demand"].reindex(c.index)).all()
    assert c["misplaced"].to_numpy() == pytest.approx(
        (hukou["demand"] - resident["demand"]).reindex(c.index).to_numpy())
    assert c["misplaced"].abs().sum() > 0
