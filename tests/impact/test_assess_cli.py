"""renkou impact assess end to end: the table's contract, the report, risk grades, the
new-area obligation and the jurisdiction check; gaps --year from the same baseline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx
import pandas as pd
import pytest

from renkou.app import impact as app_impact
from renkou.app import services as svc
from renkou.app.stores import registry_at
from renkou.cli.main import main
from renkou.errors import InputError
from renkou.impact.run import TABLE_COLUMNS, assess

pytestmark = pytest.mark.slow
REQUIRED = {"population", "pop_0_2", "pop_3_5", "pop_6_14", "pop_15_59", "pop_15_64",
            "pop_60p", "pop_65p", "pop_80p", "births", "deaths", "dependency_total",
            "dependency_old"}


def test_cli_writes_the_table_and_the_report(city: Path, tmp_path: Path) -> None:
    decision = tmp_path / "d.yaml"
    decision.write_text(app_impact.example_text("tianjin-binhai-share"), encoding="utf-8")
    table, report = tmp_path / "D.csv", tmp_path / "R.docx"
    assert main(["impact", "assess", str(decision), "--db", str(city), "--out", str(report),
                 "--table", str(table)]) == 0
    d = pd.read_csv(table, dtype={"region": str})
    assert list(d.columns) == TABLE_COLUMNS
    ids = set(d["indicator"])
    assert REQUIRED <= ids
    for service in ("childcare", "kindergarten", "compulsory", "elderly_beds", "nursing_beds",
                    "community_facility", "community_health", "elderly_circle"):
        assert {f"demand_{service}", f"gap_{service}"} <= ids
    assert any(i.startswith("caseload_") for i in ids)
    assert any(i.startswith("budget_") for i in ids)
    assert set(d["region"]) == {"120000", *(f"1201{n:02d}" for n in
                                           (1, 2, 3, 4, 5, 6, 10, 11, 12, 13, 14, 15, 16,
                                            17, 18, 19))}
    assert (d["difference"] - (d["scenario"] - d["baseline"])).abs().max() < 1e-6
    pop = d[(d["indicator"] == "population")]
    whole = pop[pop["region"] == "120000"].set_index("year")
    parts = pop[pop["region"] != "120000"].groupby("year")["scenario"].sum()
    assert whole["scenario"].to_numpy() == pytest.approx(parts.to_numpy())
    # nothing happens before the first shock year
    assert (d[d["year"] <= 2025]["difference"].abs() < 1e-6).all()
    binhai = pop[pop["region"] == "120116"].set_index("year")["difference"]
    assert binhai[2035] > 100_000
    text = "\n".join(p.text for p in docx.Document(str(report)).paragraphs)
    assert "人口影响评估报告" in text and "示范数据" in text and "风险等级" in text


def test_new_area_obligation_and_risk_grades(city: Path) -> None:
    result = app_impact.assess_decision(city, app_impact.example_decision(
        "tianjin-new-residential-area"), subsidies=False)
    (ob,) = result.obligations
    assert (ob.service, ob.capacity) == ("childcare_new_area", pytest.approx(40.0))
    assert "4托位/千人" in ob.citation
    assert set(result.risks["grade_name"]) <= {"低", "较低", "中", "较高", "高"}
    assert set(result.risks["measure"]) == {"population", "dependency_old", "service_gap"}


def test_a_decision_outside_the_stores_jurisdiction_is_refused(district_store: Path,
                                                              city: Path) -> None:
    with pytest.raises(InputError, match="决策文件属于天津市，不在数据库的辖区天津市西青区内"):
        app_impact.assess_decision(district_store,
                                   app_impact.example_decision("tianjin-three-child"))
    # a district's decision runs on its city's store, the district as one of its areas
    result = app_impact.assess_decision(city, app_impact.example_decision("xiqing-nanzhan"),
                                        subsidies=False)
    assert result.value(2035, "120111", "arrivals", "scenario") == pytest.approx(20_000)
    assert result.value(2030, "120101", "population") == pytest.approx(0.0)


def test_gaps_of_a_projection_year_use_the_baseline(district_store: Path) -> None:
    as_of = dt.date(2024, 12, 31)
    year = svc.gaps(district_store, as_of, "street", year=2030).table
    kids = year[year["service"] == "childcare"].set_index("region")["population"]
    with registry_at(district_store) as registry:
        base = assess(registry, app_impact.example_decision("xiqing-nanzhan"),
                      svc.jurisdiction_norms(registry.jurisdiction()), subsidies=False)
        areas = registry.jurisdiction().area_codes
    rows = base.table[(base.table["indicator"] == "population") & (base.table["year"] == 2030)
                      & base.table["region"].isin(areas)]
    assert len(rows) == len(areas) == len(kids)
    for region, value in zip(rows["region"], rows["baseline"], strict=True):
        assert kids[region] == pytest.approx(value)
