"""The rules and points routes: the schemes, evaluation of JSON and uploaded persons as
``renkou rules evaluate`` does it, caseloads and budgets from the store, the points
simulation; every run with changed parameters audited."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from renkou.app import rules
from renkou.app.audit import read_entries
from renkou.settings import Settings

Served = tuple[TestClient, dict[str, str], Path]
PERSON = {"person_id": "P1", "birth_date": "1940-01-01", "sex": "female",
          "hukou_tianjin": True, "hukou_district": "120101", "social_assistance": "none",
          "care_level": "none", "in_institution": False, "meal_applied": True}
CSV = ("person_id,birth_date,sex,hukou_tianjin,hukou_district,social_assistance,care_level,"
       "in_institution,meal_applied\n"
       "P1,1940-01-01,female,true,120101,none,none,false,true\n"
       "P2,1940-01-01,female,maybe,120101,none,none,false,true\n")


def _post(city: Served, path: str, body: dict[str, Any], role: str = "planner",
          status: int = 200) -> Any:
    client, tokens, _ = city
    r = client.post(path, json=body, headers={"Authorization": f"Bearer {tokens[role]}"})
    assert r.status_code == status, r.text
    return r.json()


def test_schemes_and_parameters(city: Served) -> None:
    client, tokens, _ = city
    h = {"Authorization": f"Bearer {tokens['statistician']}"}
    schemes = {s["key"]: s for s in client.get("/api/rules/schemes", headers=h).json()}
    assert {"tianjin-meal", "tianjin-home-care", "family-planning-assistance"} <= set(schemes)
    assert "meal_applied" in [c["name"] for c in schemes["tianjin-meal"]["columns"]]
    params = client.get("/api/rules/schemes/tianjin-meal/params",
                        params={"as_of": "2025-06-30"}, headers=h).json()
    assert any(p["name"] == "minimum_wage_monthly" and p["source"] for p in params)
    assert client.get("/api/rules/schemes/nope/params", headers=h).status_code == 404


def test_evaluate_persons_as_the_rules_do(city: Served) -> None:
    db = city[2]
    before = len(read_entries(db))
    persons = [PERSON, {**PERSON, "person_id": "P2", "birth_date": "1955-01-01"},
               {**PERSON, "person_id": "P3", "birth_date": "1940-13-45"}]
    got = _post(city, "/api/rules/schemes/tianjin-meal/evaluate",
                {"as_of": "2025-06-30", "persons": persons})
    assert (got["n_input"], got["n_evaluated"]) == (3, 2)
    rows = {r["person_id"]: r for r in got["rows"]}
    assert rows["P1"]["meal_eligible"] == "true" and rows["P1"]["meal_subsidy_per_meal"] == "3"
    assert (rows["P1"]["meal_city_share"], rows["P1"]["meal_district_share"]) == ("1.2", "1.8")
    assert rows["P2"]["meal_eligible"] == "false"
    assert got["errors"][0]["row"] == 4 and got["errors"][0]["column"] == "birth_date"
    expected = rules.evaluate_records("tianjin-meal", persons, dt.date(2025, 6, 30))
    assert got["columns"] == list(expected.output.columns)
    assert len(read_entries(db)) == before  # no parameter changed: nothing to audit
    changed = _post(city, "/api/rules/schemes/tianjin-meal/evaluate",
                    {"as_of": "2025-06-30", "persons": [PERSON],
                     "params": {"meal_city_ratio": 5, "meal_district_ratio": 5}})
    assert changed["rows"][0]["meal_city_share"] == "1.5"
    entry = read_entries(db)[0]
    assert (entry.action, entry.target, entry.actor) == (
        "rules.params", "tianjin-meal", "demo-planner")
    assert "meal_city_ratio" in entry.detail
    # An ID number given as a person's id goes back masked.
    masked = _post(city, "/api/rules/schemes/tianjin-meal/evaluate",
                   {"as_of": "2025-06-30", "persons": [{**PERSON,
                                                        "person_id": "11010519491231002X"}]})
    assert masked["rows"][0]["person_id"] == "110105********002X"
    assert "11010519491231002X" not in str(masked)
    bad = _post(city, "/api/rules/schemes/tianjin-meal/evaluate",
                {"as_of": "2025-06-30", "persons": [PERSON], "params": {"no_such": 1}},
                status=422)
    assert "no_such" in bad["message"]


def test_evaluate_an_uploaded_table(city: Served) -> None:
    client, tokens, _ = city
    h = {"Authorization": f"Bearer {tokens['statistician']}"}
    r = client.post("/api/rules/schemes/tianjin-meal/evaluate-file", headers=h,
                    files={"file": ("老人名单.csv", CSV.encode(), "text/csv")},
                    data={"as_of": "2025-06-30"})
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["n_input"], got["n_evaluated"]) == (2, 1)
    assert got["errors"][0]["row"] == 3 and got["errors"][0]["column"] == "hukou_tianjin"
    wrong = client.post("/api/rules/schemes/tianjin-meal/evaluate-file", headers=h,
                        files={"file": ("people.txt", b"x", "text/plain")},
                        data={"as_of": "2025-06-30"})
    assert wrong.status_code == 422 and "people.txt" in wrong.json()["message"]


def test_caseload_and_budget_from_the_store(city: Served) -> None:
    db = city[2]
    got = _post(city, "/api/rules/schemes/tianjin-meal/caseload", {"as_of": "2024-06-30"})
    expected = rules.caseload(db, "tianjin-meal", dt.date(2024, 6, 30))
    assert got["total_caseload"] == pytest.approx(expected.total_caseload)
    assert got["annual_cost"] == pytest.approx(expected.annual_cost)
    assert len(got["costs"]) == len(expected.costs)
    budget = _post(city, "/api/rules/schemes/tianjin-meal/budget",
                   {"from_year": 2025, "to_year": 2027, "compare": True,
                    "params": {"meal_city_ratio": 5, "meal_district_ratio": 5}})
    assert [r["year"] for r in budget["by_year"]] == [2025, 2026, 2027]
    assert budget["comparison"] is not None
    assert read_entries(db)[0].action == "rules.params"
    _post(city, "/api/rules/schemes/tianjin-meal/budget", {"from_year": 2030, "to_year": 2025},
          status=422)
    _post(city, "/api/rules/schemes/tianjin-meal/caseload", {"as_of": "2024-06-30"},
          role="district", status=403)


def test_points_simulation(city: Served) -> None:
    db = city[2]
    body = {"changes": {"threshold": 90}, "sample": {"n": 800, "seed": 7}, "quota": 200}
    got = _post(city, "/api/rules/points/simulate", body, role="statistician")
    pool = rules.applicants_from(rules.sample_applicants(800, 7, dt.date(2021, 12, 31)))
    run = rules.points_simulate(pool, {"threshold": 90}, quota=200,
                                pseudonym_key=Settings(env="test", db_path=db)
                                .pseudonym_key_bytes())
    assert got["applicants"] == 800
    assert got["admitted_instead"] == run.simulation.admitted_instead.shape[0]
    assert got["displaced"] == run.simulation.displaced.shape[0]
    assert got["inflow"] and {"year", "settled_baseline", "settled_changed"} <= set(
        got["inflow"][0])
    entry = read_entries(db)[0]
    assert (entry.action, entry.actor) == ("rules.points", "demo-statistician")
    assert "threshold" in entry.detail
    _post(city, "/api/rules/points/simulate", {**body, "scheme": "../etc/passwd"}, status=422)
    _post(city, "/api/rules/points/simulate", body, role="department", status=403)


def test_points_before_the_scheme_existed_are_refused(city: Served) -> None:
    # An as_of of 0 reads as 1970-01-01: no points rule applied then.
    body = {"changes": {"threshold": 90}, "sample": {"n": 200, "seed": 1}, "quota": 10,
            "as_of": 0}
    got = _post(city, "/api/rules/points/simulate", body, role="statistician", status=422)
    assert "1970" in got["detail"]


def _small(values: list[Any]) -> list[Any]:
    return [v for v in values if v is not None and 0 < v < 5]


def _lines_ok(rows: list[dict[str, Any]], down: str, across: str, count: str,
              by: tuple[str, ...] = ()) -> None:
    """No row and no column of a table (rows × columns, each ``by`` value apart) holds
    exactly one hidden cell: the published totals reveal none."""
    tables: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for r in rows:
        tables.setdefault(tuple(r[b] for b in by), []).append(r)
    for members in tables.values():
        for key in (down, across):
            lines: dict[Any, list[Any]] = {}
            for r in members:
                lines.setdefault(r[key], []).append(r[count])
            assert all(v.count(None) != 1 for v in lines.values() if len(v) > 1), lines


def test_caseloads_suppress_small_cells_below_statistician(city: Served) -> None:
    """A small store's caseloads have cells of one to four persons: hidden for the planner,
    with their costs and complementary cells; whole for the statistician."""
    whole = _post(city, "/api/rules/schemes/tianjin-meal/caseload", {"as_of": "2024-06-30"},
                  role="statistician")
    assert whole["suppression_threshold"] is None and whole["suppressed"] == 0
    assert _small([r["caseload"] for r in whole["costs"]])
    got = _post(city, "/api/rules/schemes/tianjin-meal/caseload", {"as_of": "2024-06-30"})
    assert got["suppression_threshold"] == 5
    assert got["total_caseload"] == whole["total_caseload"]  # the total stays published
    costs, groups = got["costs"], got["groups"]
    assert not _small([r["caseload"] for r in costs + groups])
    hidden = [r for r in costs if r["caseload"] is None]
    assert hidden and all(r["annual_cost_total"] is None and r["monthly_cost_total"] is None
                          for r in hidden)
    assert got["suppressed"] == sum(r["caseload"] is None for r in costs + groups)
    _lines_ok(costs, "district", "component", "caseload")
    _lines_ok(groups, "district", "group", "caseload")
    # A district whose caseload is hidden hides its groups too (they sum to it).
    dark = {r["district"] for r in hidden}
    assert all(r["caseload"] is None for r in groups if r["district"] in dark)
    shown = {(r["district"], r["component"]): r["caseload"] for r in costs}
    truth = {(r["district"], r["component"]): r["caseload"] for r in whole["costs"]}
    assert all(v == truth[k] for k, v in shown.items() if v is not None)


def test_budget_rows_by_district_suppressed_year_by_year(city: Served) -> None:
    body = {"from_year": 2025, "to_year": 2026, "compare": True,
            "params": {"meal_city_ratio": 5, "meal_district_ratio": 5}}
    whole = _post(city, "/api/rules/schemes/tianjin-meal/budget", body, role="admin")
    got = _post(city, "/api/rules/schemes/tianjin-meal/budget", body)
    assert whole["suppressed"] == 0 and got["suppressed"] > 0
    assert got["by_year"] == whole["by_year"]  # the totals by year stay published
    rows = got["by_district"]
    assert not _small([r["caseload"] for r in rows + got["groups"]])
    assert all(r["annual_cost_total"] is None for r in rows if r["caseload"] is None)
    _lines_ok(rows, "district", "component", "caseload", by=("year",))
    _lines_ok(got["groups"], "district", "group", "caseload", by=("year",))
    cmp = got["comparison"]
    for side in ("baseline", "scenario"):
        assert not _small([r[f"caseload_{side}"] for r in cmp])
        _lines_ok(cmp, "district", "component", f"caseload_{side}", by=("year",))
    assert all(r["caseload_change"] is None for r in cmp
               if r["caseload_baseline"] is None or r["caseload_scenario"] is None)
