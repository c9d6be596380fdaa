"""The indicator and warning routes: values as ``renkou indicators compute`` gives them,
drill-down to districts and 街镇, trajectories with targets, the early-warning list with its
thresholds, and the reporting template download (formula-safe, audited) — each kept to what
a district or department account may see."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from renkou.app.audit import read_entries
from renkou.app.indicators import compute
from renkou.plans import get_plan

Served = tuple[TestClient, dict[str, str], Path]
PLAN = "tianjin-14th"


def _get(city: Served, role: str, path: str, status: int = 200, **params: Any) -> Any:
    client, tokens, _ = city
    r = client.get(path, params=params, headers={"Authorization": f"Bearer {tokens[role]}"})
    assert r.status_code == status, r.text
    return r.json() if r.headers["content-type"].endswith("json") else r


def test_values_are_the_computed_indicators(city: Served) -> None:
    got = _get(city, "planner", "/api/indicators", plan=PLAN, year=2023, area="120111")
    expected = {(c.formula, c.area): c for c in compute(city[2], 2023, area="120111",
                                                        plan_code=PLAN).indicators}
    assert got["area_name"] == "西青区" and got["year"] == 2023 and got["rows"]
    for row in got["rows"]:
        c = expected[(row["formula"], row["area"])]
        if c.value is None:
            assert row["value"] is None and row["error"] == c.error
        else:
            assert row["value"] == pytest.approx(c.value.value, rel=1e-6)
    assert {r["code"] for r in got["rows"]} == {
        i.code for i in get_plan(PLAN).computed_indicators()}


def test_department_sees_its_own_indicators(city: Served) -> None:
    mine = _get(city, "department", "/api/indicators", plan=PLAN, year=2023)
    assert mine["rows"] and all("市卫生健康委" in r["departments"] for r in mine["rows"])
    other = next(i.code for i in get_plan(PLAN).computed_indicators()
                 if "wjw" not in i.departments)
    _get(city, "department", f"/api/indicators/{other}/trajectory", 403, plan=PLAN)
    _get(city, "department", f"/api/indicators/{other}/areas", 403, plan=PLAN)


def test_drill_down_to_districts_and_streets(city: Served) -> None:
    districts = _get(city, "planner", "/api/indicators/TJ14-STR-05/areas", plan=PLAN,
                     year=2023)
    assert districts["level"] == "district" and len(districts["rows"]) == 16
    xq = next(r for r in districts["rows"] if r["area"] == "120111")
    c = compute(city[2], 2023, area="120111", formulas=["ageing_65_share"]).indicators[0]
    assert c.value is not None and xq["value"] == pytest.approx(c.value.value, rel=1e-6)
    streets = _get(city, "district", "/api/indicators/TJ14-STR-05/areas", plan=PLAN,
                   year=2023, parent="120111")
    assert streets["level"] == "street" and streets["rows"]
    assert all(r["area"].startswith("120111") for r in streets["rows"])
    _get(city, "district", "/api/indicators/TJ14-STR-05/areas", 403, plan=PLAN, parent="120101")
    _get(city, "district", "/api/indicators/TJ14-STR-05/areas", 403, plan=PLAN)
    _get(city, "planner", "/api/indicators/TJ14-POP-99/areas", 404, plan=PLAN)


def test_trajectory_with_targets(city: Served) -> None:
    t = _get(city, "statistician", "/api/indicators/TJ14-STR-05/trajectory", plan=PLAN)
    years = [p["year"] for p in t["points"]]
    assert years[0] == 2020 and years == list(range(2020, years[-1] + 1))
    assert all(p["value"] is not None for p in t["points"])
    assert t["targets"] and t["targets"][0]["year"] == 2025
    mine = _get(city, "district", "/api/indicators/TJ14-STR-05/trajectory", plan=PLAN)
    assert mine["area"] == "120111"
    _get(city, "district", "/api/indicators/TJ14-STR-05/trajectory", 403, plan=PLAN,
         area="120101")


def test_warnings_with_thresholds(city: Served) -> None:
    got = _get(city, "planner", "/api/warnings", plan=PLAN, year=2024)
    assert got["thresholds"] == {"yellow": 0.3, "orange": 0.6, "red": 1.0}
    scores = [w["score"] for w in got["rows"]]
    assert scores and scores == sorted(scores, reverse=True)
    assert all(w["score"] >= 0.3 for w in got["rows"])
    assert [w["rank"] for w in got["rows"]] == list(range(1, len(scores) + 1))
    red = [w for w in got["rows"] if w["level"] == "红色预警"]
    assert all(w["score"] >= 1.0 for w in red)
    mine = _get(city, "department", "/api/warnings", plan=PLAN, year=2024)
    assert 0 < len(mine["rows"]) < len(got["rows"])
    assert all("市卫生健康委" in w["departments"] for w in mine["rows"])
    own = _get(city, "district", "/api/warnings")
    assert get_plan(own["plan"]).area_code == "120111"
    _get(city, "district", "/api/warnings", 403, plan=PLAN)


def test_template_download_is_formula_safe_and_audited(city: Served) -> None:
    db = city[2]
    r = _get(city, "department", "/api/indicators/template", plan=PLAN, year=2024)
    assert r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "attachment" in r.headers["content-disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    texts = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str)]
    assert texts and not [t for t in texts if t[:1] in ("=", "+", "-", "@")]
    codes = {v for v in texts if re.fullmatch(r"TJ14-[A-Z]+-\d+", v)}
    plan = get_plan(PLAN)
    assert codes == {i.code for i in plan.reported_indicators() if "wjw" in i.departments}
    whole = _get(city, "planner", "/api/indicators/template", plan=PLAN, year=2024)
    every = {c.value for ws in openpyxl.load_workbook(io.BytesIO(whole.content)).worksheets
             for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and re.fullmatch(r"TJ14-[A-Z]+-\d+", c.value)}
    assert every == {i.code for i in plan.reported_indicators()} and codes < every
    entry = read_entries(db)[1]
    assert (entry.action, entry.actor, entry.target) == (
        "export.template", "demo-department", f"{PLAN}/2024")
    _get(city, "district", "/api/indicators/template", 403, plan=PLAN, year=2024,
         area="120101001")


def test_drill_down_suppresses_values_resting_on_few_persons(city: Served) -> None:
    """Below statistician: a count of persons under the threshold is hidden with a
    complementary area (the 街镇 add up to the district, which is published); a rate whose
    denominator is under the threshold is hidden alone. The counts are the registry's
    persons, not the scaled values a sampled store shows."""
    from renkou.app.indicator_disclosure import drill_basis

    def drill(role: str, code: str) -> Any:
        return _get(city, role, f"/api/indicators/{code}/areas", plan=PLAN, year=2023,
                    parent="120111")

    # 常住人口 (a count, 万人 scaled up on this store).
    whole, shown = drill("statistician", "TJ14-POP-01"), drill("district", "TJ14-POP-01")
    assert whole["suppression_threshold"] is None and whole["suppressed"] == 0
    assert shown["suppression_threshold"] == 5
    areas = [r["area"] for r in whole["rows"] if r["value"] is not None]
    persons = drill_basis(city[2], "resident_population", 2023, areas).persons
    small = {a for a, n in persons.items() if n is not None and 0 < n < 5}
    assert small, persons  # a 2,000-person store has 街镇 of a few residents
    hidden = {r["area"] for r in shown["rows"] if r["suppressed"]}
    assert small <= hidden and len(hidden) >= 2 and shown["suppressed"] == len(hidden)
    assert all(r["value"] is None for r in shown["rows"] if r["suppressed"])
    truth = {r["area"]: r["value"] for r in whole["rows"]}
    assert all(r["value"] == truth[r["area"]] for r in shown["rows"] if not r["suppressed"])
    # 总和生育率 (a rate): hidden where fewer than five women aged 15–49, no complement.
    rate_whole, rate = drill("admin", "TJ14-STR-02"), drill("planner", "TJ14-STR-02")
    shown_areas = [r["area"] for r in rate_whole["rows"] if r["value"] is not None]
    women = drill_basis(city[2], "tfr", 2023, shown_areas).persons
    few = {a for a, n in women.items() if n is not None and n < 5}
    assert few and {r["area"] for r in rate["rows"] if r["suppressed"]} == few
    # The districts of the city rest on many persons: nothing hidden there.
    districts = _get(city, "planner", "/api/indicators/TJ14-POP-01/areas", plan=PLAN, year=2023)
    assert districts["suppression_threshold"] == 5 and districts["suppressed"] == 0
