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
