"""Projection jobs through the API: started from the registry, followed to done, read as a
fan chart (the variant's path and its quantiles, by area), compared across scenarios,
cancelled while the child process projects, downloaded (audited); who may do what."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from renkou.api.app import create_app
from renkou.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory,
           tokens_for: Callable[[TestClient, Path], dict[str, str]]
           ) -> Iterator[tuple[TestClient, dict[str, str], Path]]:
    from renkou.registry.synth import build_demo_store

    db = tmp_path_factory.mktemp("projections") / "store.duckdb"
    build_demo_store(db, 2_000, 3)
    with TestClient(create_app(Settings(env="test", db_path=db))) as client:
        yield client, tokens_for(client, db), db


def _h(tokens: dict[str, str], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"}


def _wait(client: TestClient, h: dict[str, str], job_id: str) -> dict[str, Any]:
    end = time.monotonic() + 240
    while time.monotonic() < end:
        job: dict[str, Any] = client.get(f"/api/jobs/{job_id}", headers=h).json()
        if job["state"] not in ("queued", "running"):
            return job
        time.sleep(0.2)
    raise AssertionError("job did not finish")


def _start(client: TestClient, h: dict[str, str], **body: object) -> str:
    r = client.post("/api/projections", headers=h,
                    json={"as_of": "2024-12-31", "to": 2028, **body})
    assert r.status_code == 202, r.text
    assert r.json()["state"] == "queued" and r.json()["kind"] == "projection"
    return str(r.json()["id"])


def test_projection_jobs_fan_chart_comparison_and_download(
        served: tuple[TestClient, dict[str, str], Path]) -> None:
    client, tokens, db = served
    h = _h(tokens, "planner")
    medium = _start(client, h, trajectories=20, seed=7)
    low = _start(client, h, variant="低方案")
    assert client.get(f"/api/projections/{medium}/fan", headers=h).status_code in (200, 409)
    job = _wait(client, h, medium)
    assert job["state"] == "done", job
    assert job["started_by"] == "demo-planner" and job["progress"] == 1.0
    fan = client.get(f"/api/projections/{medium}/fan", headers=h).json()
    assert fan["stochastic"] and fan["base_year"] == 2024 and fan["end_year"] == 2028
    years = [p["year"] for p in fan["total"]]
    assert years == list(range(2024, 2029))
    last = fan["total"][-1]
    assert last["q025"] <= last["q10"] <= last["q50"] <= last["q90"] <= last["q975"]
    assert last["q025"] < last["q975"] and fan["total_band"]
    assert len(fan["areas"]) > 3 and all(a["name"] for a in fan["areas"])
    # The jurisdiction's path is the sum of its areas'.
    assert fan["total"][-1]["value"] == pytest.approx(
        sum(a["points"][-1]["value"] for a in fan["areas"]))
    assert _wait(client, h, low)["state"] == "done"
    plain = client.get(f"/api/projections/{low}/fan", headers=h).json()
    assert not plain["stochastic"] and plain["variant"] == "low"
    assert plain["total"][-1]["q50"] is None
    both = client.get("/api/projections/compare", headers=h,
                      params={"jobs": [medium, low]}).json()
    assert [s["job_id"] for s in both["series"]] == [medium, low]
    assert both["years"] == years and "低方案" in both["series"][1]["label"]
    # Low fertility: fewer people at the end than the medium variant.
    assert both["series"][1]["points"][-1]["value"] < both["series"][0]["points"][-1]["value"]
    area = fan["areas"][0]["code"]
    one = client.get("/api/projections/compare", headers=h,
                     params={"jobs": [medium, low], "area": area}).json()
    assert one["area"] == area and one["area_name"] == fan["areas"][0]["name"]
    assert client.get("/api/projections/compare", headers=h,
                      params={"jobs": [medium]}).status_code == 422
    r = client.get(f"/api/jobs/{medium}/download", headers=h)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert {"output/population.csv", "output/quantiles.csv",
            "output/inputs/projection.toml"} <= set(names)
    from renkou.app.audit import read_entries

    actions = {(e.action, e.target) for e in read_entries(db)}
    assert {("job.start", medium), ("export", medium)} <= actions
    result = client.get(f"/api/jobs/{medium}/result", headers=h).json()["result"]
    assert result["seed"] == 7 and result["end_year"] == 2028


def test_cancel_stops_the_projection_process(
        served: tuple[TestClient, dict[str, str], Path]) -> None:
    client, tokens, _ = served
    h = _h(tokens, "statistician")
    job_id = _start(client, h, to=2070, trajectories=2000, level="street")
    end = time.monotonic() + 120
    while client.get(f"/api/jobs/{job_id}", headers=h).json()["progress"] < 0.3:
        assert time.monotonic() < end
        time.sleep(0.1)
    t0 = time.monotonic()
    client.post(f"/api/jobs/{job_id}/cancel", headers=h)
    job = _wait(client, h, job_id)
    assert job["state"] == "cancelled" and time.monotonic() - t0 < 10
    assert client.get(f"/api/projections/{job_id}/fan", headers=h).status_code == 409


def test_bad_requests_and_roles(served: tuple[TestClient, dict[str, str], Path]) -> None:
    client, tokens, _ = served
    h = _h(tokens, "admin")
    bad = client.post("/api/projections", headers=h,
                      json={"as_of": "2024-12-31", "to": 2020})
    assert bad.status_code == 422 and "终年" in bad.json()["message"]
    unknown = client.post("/api/projections", headers=h,
                          json={"as_of": "2024-12-31", "to": 2030, "variant": "奇怪"})
    assert unknown.status_code == 422 and "方案" in unknown.json()["message"]
    for role in ("department", "district", "auditor"):
        assert client.post("/api/projections", headers=_h(tokens, role), json={
            "as_of": "2024-12-31", "to": 2030}).status_code == 403
    jobs = client.get("/api/jobs", headers=_h(tokens, "department"))
    assert jobs.status_code == 200 and all(j["kind"] == "ingest" for j in jobs.json())
    listed = client.get("/api/jobs", headers=h, params={"kind": "projection"})
    assert int(listed.headers["X-Total-Count"]) >= 3
    some = listed.json()[0]["id"]
    assert client.get(f"/api/jobs/{some}", headers=_h(tokens, "department")).status_code == 403
    assert client.get("/api/jobs/nope", headers=h).status_code == 404


def test_a_deterministic_job_from_the_page_runs_to_done(
        served: tuple[TestClient, dict[str, str], Path]) -> None:
    """What the 预测 page sends when the trajectories field is left empty: an explicit
    ``trajectories: null``. It projects the variant alone, without quantiles."""
    client, tokens, _ = served
    h = _h(tokens, "planner")
    job_id = _start(client, h, trajectories=None, variant="high")
    job = _wait(client, h, job_id)
    assert job["state"] == "done", job
    fan = client.get(f"/api/projections/{job_id}/fan", headers=h).json()
    assert not fan["stochastic"] and fan["variant"] == "high"
    assert all(p["value"] > 0 and p["q50"] is None for p in fan["total"])
    result = client.get(f"/api/jobs/{job_id}/result", headers=h).json()["result"]
    assert result["seed"] is None and result["end_year"] == 2028
    # A seed without trajectories fixes nothing: refused before a job is queued, not by the
    # projection after the store was read.
    before = int(client.get("/api/jobs", headers=h, params={"kind": "projection"}
                            ).headers["X-Total-Count"])
    r = client.post("/api/projections", headers=h,
                    json={"as_of": "2024-12-31", "to": 2028, "trajectories": None, "seed": 1})
    assert r.status_code == 422 and "随机种子" in r.json()["message"]
    assert int(client.get("/api/jobs", headers=h, params={"kind": "projection"}
                          ).headers["X-Total-Count"]) == before


def test_hukou_split_by_street_and_the_district_account_reads_its_own_district(
        served: tuple[TestClient, dict[str, str], Path]) -> None:
    """The choices of ``renkou project --from-db --level street --split hukou``: the fan
    chart carries hukou and non-hukou residents that add up to the residents, and the
    districts' stochastic band; a district account reads its own district and 街镇 only."""
    client, tokens, _ = served
    h = _h(tokens, "statistician")
    job_id = _start(client, h, level="street", split="hukou", trajectories=20, seed=3)
    job = _wait(client, h, job_id)
    assert job["state"] == "done", job
    assert "分户籍" in job["title"] and job["params"]["split"] == "hukou"
    result = client.get(f"/api/jobs/{job_id}/result", headers=h).json()["result"]
    split = result["split"]
    assert split["hukou_start"] > 0 and split["nonhukou_start"] > 0 and split["settled"] > 0
    fan = client.get(f"/api/projections/{job_id}/fan", headers=h).json()
    assert fan["split"] and fan["level"] == "street" and fan["stochastic"]
    for p in fan["total"]:
        assert p["hukou"] + p["nonhukou"] == pytest.approx(p["value"], rel=1e-6)
    assert fan["total"][0]["hukou"] == pytest.approx(split["hukou_start"], rel=1e-6)
    # Street runs carry their trajectories at district level: the total has the band.
    last = fan["total"][-1]
    assert last["q025"] is not None and last["q025"] < last["q975"]

    hd = _h(tokens, "district")
    own = client.get("/api/auth/me", headers=hd).json()["district"]
    listed = client.get("/api/projections/finished", headers=hd).json()
    assert job_id in [j["job_id"] for j in listed]
    mine = next(j for j in listed if j["job_id"] == job_id)
    assert mine["split"] == "hukou" and mine["level"] == "street" and mine["stochastic"]
    area = client.get(f"/api/projections/{job_id}/areas/{own}", headers=hd)
    assert area.status_code == 200, area.text
    a = area.json()
    assert a["code"] == own and a["split"] and a["areas"]
    assert all(s["code"].startswith(own) and len(s["code"]) == 9 for s in a["areas"])
    # Read whole by the statistician: the district is the sum of its 街镇, each year.
    whole = client.get(f"/api/projections/{job_id}/areas/{own}", headers=h).json()
    assert whole["suppression_threshold"] is None and whole["suppressed"] == 0
    for i, point in enumerate(whole["points"]):
        assert point["value"] == pytest.approx(
            sum(s["points"][i]["value"] for s in whole["areas"]), rel=1e-6)
        assert point["hukou"] + point["nonhukou"] == pytest.approx(point["value"], rel=1e-6)
    # The district account: the base year is the registry's count, its small cells hidden
    # with their complements (no 街镇 column and no hukou row with a single hidden cell).
    assert a["suppression_threshold"] == 5
    base = [s["points"][0] for s in a["areas"]]
    cells = [(p["value"], p["hukou"], p["nonhukou"]) for p in base]
    true = [(p["points"][0]["value"], p["points"][0]["hukou"], p["points"][0]["nonhukou"])
            for p in whole["areas"]]
    assert any(0 < v < 5 for row in true for v in row)  # a small store has small cells
    assert not any(v is not None and 0 < v < 5 for row in cells for v in row)
    assert a["suppressed"] == sum(v is None for row in cells for v in row) > 0
    for col in range(3):
        assert [row[col] for row in cells].count(None) != 1
    for value, hukou, nonhukou in cells:
        assert (hukou is None) == (nonhukou is None)
        assert value is not None or hukou is None
    assert all(x == y for row, w in zip(cells, true, strict=True)
               for x, y in zip(row, w, strict=True) if x is not None)
    assert a["points"][0]["value"] == whole["points"][0]["value"]  # the total is published
    assert a["points"][1:] == whole["points"][1:]  # projected years are model estimates
    assert a["points"][-1]["q10"] is not None
    assert all(s["points"][-1]["q10"] is None for s in a["areas"])
    # The planner's fan chart agrees with the district's answer for each 街镇.
    by_code = {x["code"]: x for x in fan["areas"]}
    street = a["areas"][0]
    assert street["points"][-1]["value"] == pytest.approx(
        by_code[street["code"]]["points"][-1]["value"])
    one = client.get(f"/api/projections/{job_id}/areas/{street['code']}", headers=hd).json()
    assert one["areas"] == [] and one["points"][-1]["value"] == pytest.approx(
        street["points"][-1]["value"])
    # Another district, and the whole chart, are refused (never filtered to look complete).
    other = next(c for c in (x["code"][:6] for x in fan["areas"]) if c != own)
    refused = client.get(f"/api/projections/{job_id}/areas/{other}", headers=hd)
    assert refused.status_code == 403 and "本区" in refused.json()["message"]
    assert client.get(f"/api/projections/{job_id}/fan", headers=hd).status_code == 403
    assert client.get(f"/api/jobs/{job_id}/download", headers=hd).status_code == 403
    assert client.get(f"/api/projections/{job_id}/areas/120199", headers=h).status_code == 404


def test_plan_variant_and_refused_choices(
        served: tuple[TestClient, dict[str, str], Path]) -> None:
    client, tokens, _ = served
    h = _h(tokens, "planner")
    job_id = _start(client, h, variant="plan")
    job = _wait(client, h, job_id)
    assert job["state"] == "done", job
    assert "规划目标方案" in job["title"]
    fan = client.get(f"/api/projections/{job_id}/fan", headers=h).json()
    assert fan["variant"] == "plan" and fan["variant_name"] == "规划目标方案"
    assert not fan["split"] and fan["total"][-1]["hukou"] is None
    warnings = client.get(f"/api/jobs/{job_id}/result", headers=h).json()["result"]["warnings"]
    assert any("规划目标方案" in w for w in warnings)  # what of the plan was used
    hukou = client.post("/api/projections", headers=h, json={
        "as_of": "2024-12-31", "to": 2028, "caliber": "hukou", "split": "hukou"})
    assert hukou.status_code == 422 and "常住人口" in hukou.json()["message"]
    other = client.post("/api/projections", headers=h, json={
        "as_of": "2024-12-31", "to": 2028, "split": "sex"})
    assert other.status_code == 422
