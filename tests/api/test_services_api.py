"""The public-service and impact routes on the shared city and district stores: the same
tables the application layer (and so the CLI) computes, bound to what each role may see."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from renkou.api.app import create_app
from renkou.app import impact
from renkou.app import services as svc
from renkou.settings import Settings

GAP_COLUMNS = ["region", "service", "population", "norm", "demand", "supply", "gap",
               "coverage"]

Served = tuple[TestClient, dict[str, str], Path]


def _serve(src: Path, dst: Path, copier: Callable[[Path, Path], Path],
           tokens_for: Callable[[TestClient, Path], dict[str, str]]) -> Iterator[Served]:
    # A copy: signing in writes accounts into the store, which others share.
    db = copier(src, dst)
    with TestClient(create_app(Settings(env="test", db_path=db))) as c:
        yield c, tokens_for(c, db), db


@pytest.fixture(scope="module")
def district(district_store: Path, tmp_path_factory: pytest.TempPathFactory,
             store_copier: Callable[[Path, Path], Path],
             tokens_for: Callable[[TestClient, Path], dict[str, str]]) -> Iterator[Served]:
    yield from _serve(district_store, tmp_path_factory.mktemp("svc-api") / "district.duckdb",
                      store_copier, tokens_for)


def _as(tokens: dict[str, str], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"}


def _same(a: float | None, b: float) -> bool:
    return (a is None and math.isnan(b)) or (a is not None and math.isclose(a, b,
                                                                             abs_tol=1e-9))


def test_gaps_are_the_cli_table(city: Served) -> None:
    client, tokens, db = city
    r = client.get("/api/services/gaps", params={"level": "district"},
                   headers=_as(tokens, "planner"))
    assert r.status_code == 200, r.text
    body = r.json()
    expected = svc.gaps(db, level="district").table
    assert list(body["rows"][0]) == GAP_COLUMNS
    assert len(body["rows"]) == len(expected) > 0
    for row, (_, want) in zip(body["rows"], expected.iterrows(), strict=True):
        assert (row["region"], row["service"]) == (want["region"], want["service"])
        assert all(_same(row[c], float(want[c])) for c in GAP_COLUMNS[2:])
    assert body["level"] == "district" and body["caliber"] == "resident"
    assert set(body["area_names"]) == set(expected["region"])
    assert set(body["services"]) >= set(expected["service"])


def test_gaps_default_to_the_jurisdictions_area_level(city: Served, district: Served) -> None:
    for (client, tokens, _), level in ((city, "district"), (district, "street")):
        body = client.get("/api/services/gaps", headers=_as(tokens, "statistician")).json()
        assert body["level"] == level
        assert all(len(r["region"]) == (6 if level == "district" else 9)
                   for r in body["rows"])


def test_hukou_caliber_and_contrast(city: Served) -> None:
    client, tokens, db = city
    h = _as(tokens, "admin")
    hukou = client.get("/api/services/gaps", params={"caliber": "hukou"}, headers=h).json()
    resident = client.get("/api/services/gaps", headers=h).json()
    contrast = client.get("/api/services/contrast", headers=h).json()
    demand = {c: {(r["region"], r["service"]): r["demand"] for r in t["rows"]}
              for c, t in (("hukou", hukou), ("resident", resident))}
    assert demand["hukou"] != demand["resident"]
    for row in contrast["rows"]:
        key = (row["region"], row["service"])
        assert math.isclose(row["resident_demand"], demand["resident"].get(key, 0.0))
        assert math.isclose(row["hukou_demand"], demand["hukou"].get(key, 0.0))
        assert math.isclose(row["misplaced"], row["hukou_demand"] - row["resident_demand"])
    assert len(contrast["rows"]) == len(svc.caliber_contrast(db, level="district"))


def test_bad_level_and_caliber_are_422(city: Served) -> None:
    client, tokens, _ = city
    h = _as(tokens, "planner")
    for params in ({"level": "county"}, {"caliber": "registered"}, {"region": "12x"}):
        r = client.get("/api/services/gaps", params=params, headers=h)
        assert r.status_code == 422, params
        assert r.headers["content-type"].startswith("application/problem+json")


def test_district_account_sees_its_own_areas(city: Served) -> None:
    client, tokens, _ = city
    h = _as(tokens, "district")
    own = client.get("/api/auth/me", headers=h).json()["district"]
    other = next(r["code"] for r in client.get("/api/regions", headers=h).json()
                 if r["code"] != own)
    assert client.get("/api/services/gaps", headers=h).status_code == 403
    for path in ("/api/services/gaps", "/api/services/contrast"):
        mine = client.get(path, params={"region": own, "level": "street"}, headers=h)
        assert mine.status_code == 200, mine.text
        rows = mine.json()["rows"]
        assert rows and all(r["region"].startswith(own) for r in rows)
        refused = client.get(path, params={"region": other}, headers=h)
        assert refused.status_code == 403 and "本区" in refused.json()["message"]
    assert client.post("/api/impact/assess", json={"example": "tianjin-three-child"},
                       headers=h).status_code == 403


def test_district_deployment_serves_its_district_account(district: Served) -> None:
    client, tokens, _ = district
    h = _as(tokens, "district")
    r = client.get("/api/services/gaps", headers=h)
    assert r.status_code == 200 and r.json()["rows"]


def test_department_and_auditor_are_refused(city: Served) -> None:
    client, tokens, _ = city
    for role in ("department", "auditor"):
        for path in ("/api/services/norms", "/api/services/gaps", "/api/impact/examples"):
            assert client.get(path, headers=_as(tokens, role)).status_code == 403


def test_norms_as_the_library(city: Served) -> None:
    client, tokens, db = city
    body = client.get("/api/services/norms", headers=_as(tokens, "planner")).json()
    lib = svc.gaps(db).norms
    assert [n["service"] for n in body["norms"]] == list(lib.norms)
    when = svc.gaps(db).as_of
    for n in body["norms"]:
        norm = lib[n["service"]]
        if n["value"] is not None:
            assert n["value"] == norm.at(when)
        assert n["citation"] and n["name"] == norm.name


def test_examples_of_the_jurisdiction(city: Served, district: Served) -> None:
    for (client, tokens, _), key in ((city, "tianjin"), (district, "xiqing")):
        body = client.get("/api/impact/examples", headers=_as(tokens, "planner")).json()
        assert [e["key"] for e in body] == impact.examples_for(key) != []
        assert all(e["name"] and e["shocks"] for e in body)


def test_assess_an_example(city: Served) -> None:
    client, tokens, db = city
    r = client.post("/api/impact/assess", json={"example": "tianjin-three-child",
                                                "indicators": ["population", "births"]},
                    headers=_as(tokens, "planner"))
    assert r.status_code == 200, r.text
    body = r.json()
    done = impact.assess_decision(db, impact.example_decision("tianjin-three-child"))
    want = done.table[done.table["indicator"].isin(["population", "births"])]
    assert len(body["rows"]) == len(want) > 0
    got = {(x["year"], x["region"], x["indicator"]): x["scenario"] for x in body["rows"]}
    for _, w in want.iterrows():
        assert math.isclose(got[(int(w["year"]), w["region"], w["indicator"])],
                            float(w["scenario"]))
    assert len(body["risks"]) == len(done.risks) > 0
    assert [(x["region"], x["grade"]) for x in body["risks"]] == list(
        zip(done.risks["region"], done.risks["grade"], strict=True))
    assert body["jurisdiction"] == "120000" and body["synthetic"] is True


DECISION = """\
name: 测试导入
jurisdiction: tianjin
base: {as_of: 2024-12-31, caliber: resident}
horizon: 2030
shocks:
  - kind: arrivals
    region: "120111"
    schedule: {2027: 5000}
    age_profile: [{age_from: 60, age_to: 64, share: 1.0}]
"""


def test_assess_a_decision_file(city: Served) -> None:
    client, tokens, _ = city
    r = client.post("/api/impact/assess", json={"decision": DECISION,
                                                "indicators": ["population", "pop_60p"]},
                    headers=_as(tokens, "statistician"))
    assert r.status_code == 200, r.text
    rows = [x for x in r.json()["rows"] if x["region"] == "120000"]
    diff = {(x["year"], x["indicator"]): x["difference"] for x in rows}
    assert all(diff[(y, "population")] == 0 for y in range(2025, 2027))
    assert 4_500 < diff[(2030, "population")] <= 5_000
    assert 4_500 < diff[(2027, "pop_60p")] <= 5_000


def test_assess_rejects_bad_bodies(city: Served) -> None:
    client, tokens, _ = city
    h = _as(tokens, "admin")
    for body in ({}, {"example": "tianjin-three-child", "decision": DECISION},
                 {"decision": "name: [unclosed"}, {"decision": "- just a list"},
                 {"example": "no-such-example"}):
        r = client.post("/api/impact/assess", json=body, headers=h)
        assert 400 <= r.status_code < 500, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")


def test_impact_report_is_listed_and_downloaded(city: Served) -> None:
    client, tokens, _ = city
    h = _as(tokens, "planner")
    r = client.post("/api/impact/report", json={"decision": DECISION.replace(
        "name: ", "name: 测试/决策 ", 1)}, headers=h)
    assert r.status_code == 201, r.text
    report = r.json()
    assert report["kind"] == "impact" and report["kind_name"] == "重大决策人口影响评估报告"
    assert "/" not in report["filename"] and report["filename"].endswith("-人口影响评估.docx")
    assert report["id"] in [x["id"] for x in client.get("/api/reports", headers=h).json()]
    got = client.get(report["download_url"], headers=h)
    assert got.status_code == 200
    assert got.content[:2] == b"PK" and len(got.content) == report["size"]
    entries = client.get("/api/audit", params={"action": "report.generate", "limit": 100},
                         headers=_as(tokens, "auditor")).json()
    assert any(e["target"] == report["id"] for e in entries)
    for role in ("district", "department", "auditor"):
        assert client.post("/api/impact/report", json={"example": "tianjin-three-child"},
                           headers=_as(tokens, role)).status_code == 403


def _audit(client: TestClient, tokens: dict[str, str]) -> list[dict[str, object]]:
    r = client.get("/api/audit", params={"action": "services.allocate", "limit": 100},
                   headers=_as(tokens, "auditor"))
    assert r.status_code == 200, r.text
    return list(r.json())


def test_allocate_is_the_cli_plan(city: Served, tmp_path: Path) -> None:
    """The store's gaps at district level, 4 sites of 25 places: the same plan, objective
    and spending as ``renkou services allocate`` on the CSV ``renkou services gaps`` writes."""
    from renkou.tables import write_table

    client, tokens, db = city
    before = len(_audit(client, tokens))
    r = client.post("/api/services/allocate",
                    json={"service": "childcare", "budget": 4, "site_size": 25,
                          "level": "district"}, headers=_as(tokens, "planner"))
    assert r.status_code == 200, r.text
    body = r.json()
    gaps_csv = tmp_path / "G.csv"
    write_table(svc.gaps(db, level="district").table, gaps_csv)
    want = svc.allocate(gaps_csv, "childcare", 4, 25)
    assert body["source"] == "store" and body["level"] == "district"
    assert math.isclose(body["objective"], want.objective)
    assert math.isclose(body["unmet_before"], want.unmet_before) and body["unmet_before"] > 0
    assert body["spent"] == want.spent <= 4
    assert list(body["rows"][0]) == [
        "region", "added_sites", "added_capacity", "unmet_before", "unmet_after"]
    got = [(x["region"], x["added_sites"], x["unmet_after"]) for x in body["rows"]]
    assert got == list(zip(want.plan["region"], want.plan["added_sites"],
                           want.plan["unmet_after"], strict=True))
    entries = _audit(client, tokens)
    assert len(entries) == before + 1
    entry = entries[0]
    assert entry["role"] == "planner" and entry["target"] == "childcare"
    assert '"budget": 4' in str(entry["detail"]) and '"level": "district"' in str(entry["detail"])


def test_allocate_given_rows_and_costs(city: Served) -> None:
    """Rows sent in the body, the budget in money: the cheaper area is served first."""
    client, tokens, _ = city
    rows = [{"region": "120101", "service": "childcare", "gap": 50},
            {"region": "120102", "service": "childcare", "gap": 50},
            {"region": "120103", "service": "elderly_beds", "gap": 500}]
    costs = [{"region": "120101", "cost_per_site": 300},
             {"region": "120102", "cost_per_site": 100}]
    r = client.post("/api/services/allocate",
                    json={"service": "childcare", "budget": 250, "site_size": 20,
                          "rows": rows, "costs": costs}, headers=_as(tokens, "statistician"))
    assert r.status_code == 200, r.text
    body = r.json()
    plan = {x["region"]: x["added_sites"] for x in body["rows"]}
    # 250 buys two sites at 120102 (200) and none at 120101 (300): unmet 50 + 10
    assert plan == {"120101": 0, "120102": 2}
    assert body["objective"] == 60 and body["spent"] == 200 and body["source"] == "rows"
    assert body["as_of"] is None and body["level"] is None


def test_allocate_refusals(city: Served) -> None:
    client, tokens, _ = city
    h = _as(tokens, "planner")
    bad = [{"service": "childcare", "budget": 2, "site_size": 0},
           {"service": "childcare", "budget": -1, "site_size": 10},
           {"service": "childcare", "budget": 2, "site_size": 10, "level": "county"},
           {"service": "childcare", "budget": 2, "site_size": 10,
            "costs": [{"region": "120101", "cost_per_site": 0}]}]
    for payload in bad:
        assert client.post("/api/services/allocate", json=payload,
                           headers=h).status_code == 422, payload
    unknown = client.post("/api/services/allocate",
                          json={"service": "no_such", "budget": 2, "site_size": 10},
                          headers=h)
    assert unknown.status_code == 422 and "childcare" in unknown.json()["message"]
    fraction = client.post("/api/services/allocate",
                           json={"service": "childcare", "budget": 2.5, "site_size": 10},
                           headers=h)
    assert fraction.status_code == 422 and "整数" in fraction.json()["message"]
    # a district account allocates within its own district only
    d = _as(tokens, "district")
    own = client.get("/api/auth/me", headers=d).json()["district"]
    assert client.post("/api/services/allocate", json={
        "service": "childcare", "budget": 1, "site_size": 10}, headers=d).status_code == 403
    mine = client.post("/api/services/allocate", json={
        "service": "childcare", "budget": 1, "site_size": 10, "level": "street",
        "region": own}, headers=d)
    assert mine.status_code == 200, mine.text
    assert all(x["region"].startswith(own) for x in mine.json()["rows"])
