"""Record linkage through the API on a small dirty city: a run as a job of the server's
runner (the queue answers while it runs), the review queue with its persons masked and the
weights that explain each pair, a clerk's reject and accept (audited), and the roles that
may not see persons refused."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from renkou import ids
from renkou.api.app import create_app
from renkou.settings import Settings

pytestmark = pytest.mark.slow

PERSONS, SEED = 2_000, 5
MASKED = re.compile(r"^\d{6}\*{8}\d{3}[\dX]$")
ID_LIKE = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory,
          tokens_for: Callable[[TestClient, Path], dict[str, str]]
          ) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """A store ingested from feeds whose non-hukou rows carry some bad ID numbers (the
    delivered files stay where they were read: the linkage reads its rows there again)."""
    from renkou.registry.ingest import ingest_directory
    from renkou.registry.store import Store
    from renkou.registry.synth import generate_city, write_feeds

    out = tmp_path_factory.mktemp("linkage-api")
    write_feeds(generate_city(PERSONS, SEED), out / "feeds", dirty_ids=0.08)
    db = out / "store.duckdb"
    with Store(db) as store:
        ingest_directory(store, out / "feeds")
    with TestClient(create_app(Settings(env="test", db_path=db))) as client:
        yield client, tokens_for(client, db)


def _as(tokens: dict[str, str], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"}


def _run(client: TestClient, tokens: dict[str, str], role: str = "statistician",
         **body: float) -> dict[str, object]:
    r = client.post("/api/linkage/jobs", json=body, headers=_as(tokens, role))
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["kind"] == "linkage" and job["kind_name"] == "概率匹配"
    # The pages keep answering from the last committed state while the run works.
    assert client.get("/api/linkage/review", headers=_as(tokens, role)).status_code == 200
    done = client.app.state.jobs.wait(job["id"], 600)  # type: ignore[attr-defined]
    assert done.state.value == "done", done.error
    assert done.result is not None
    return done.result


def test_run_review_and_decide(dirty: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = dirty
    h = _as(tokens, "statistician")
    assert client.get("/api/linkage/review", headers=h).json() == []
    # A high acceptance threshold leaves pairs for the clerk.
    result = _run(client, tokens, threshold=0.99999, review_threshold=0.5)
    counts = result["counts"]
    assert isinstance(counts, dict) and counts["review"] > 2, counts

    r = client.get("/api/linkage/review", params={"limit": 2}, headers=h)
    assert r.status_code == 200
    assert int(r.headers["X-Total-Count"]) == counts["review"]
    page = r.json()
    assert len(page) == 2
    for row in page:
        person = row["candidate"]
        assert MASKED.match(person["id_masked"]), person
        # A person delivered without a name has none to show.
        assert person["name_masked"] is None or set(person["name_masked"][1:]) == {"*"}
        assert len(person["ref"]) == 32 and person["sex"] and person["birth_date"]
        assert 0.5 <= row["match_probability"] <= 1  # or ambiguous: a rival within 3 bits
        assert {w["comparison"] for w in row["weights"]} == {
            "name", "sex", "birth", "districts", "id17"}
        assert {w["label"] for w in row["weights"]} >= {"姓名", "出生日期"}
        assert row["reason_name"] and row["file"] and row["row"] > 1
    for number in ID_LIKE.findall(r.text):
        assert not ids.validate(number).valid
    whole = client.get("/api/linkage/review", headers=h).json()
    assert any(row["candidate"]["name_masked"] for row in whole)

    first, second = (row["link_id"] for row in page)
    r = client.post(f"/api/linkage/review/{first}/reject", headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["decision"] == "rejected" and "不再推荐" in r.json()["message"]
    r = client.post(f"/api/linkage/review/{second}/accept", headers=_as(tokens, "admin"))
    assert r.status_code == 200, r.text
    assert r.json()["decision"] in ("accepted", "refused")
    left = client.get("/api/linkage/review", headers=h)
    assert int(left.headers["X-Total-Count"]) == counts["review"] - 2
    assert {first, second}.isdisjoint(row["link_id"] for row in left.json())
    # Decided once: the number is no longer in the queue.
    again = client.post(f"/api/linkage/review/{first}/accept", headers=h)
    assert again.status_code == 404 and "复核队列" in again.json()["detail"]

    # A new run proposes neither the rejected pair nor the accepted row again.
    rerun = _run(client, tokens, "admin", threshold=0.99999, review_threshold=0.5)
    assert rerun["counts"]["review"] <= counts["review"] - 2  # type: ignore[index]

    log = client.get("/api/audit", headers=_as(tokens, "auditor")).json()
    actions = [(e["action"], e["target"]) for e in log]
    assert ("linkage.reject", f"link:{first}") in actions
    assert ("linkage.accept", f"link:{second}") in actions
    assert any(a == "linkage.run" for a, _ in actions)
    assert any(a == "linkage.review.read" for a, _ in actions)
    # The runs are listed with the other jobs, to the roles that may see them.
    jobs = client.get("/api/jobs", params={"kind": "linkage"}, headers=h).json()
    assert len(jobs) >= 4 and all(j["kind"] == "linkage" for j in jobs)
    got = client.get(f"/api/jobs/{jobs[-1]['id']}/download", headers=h)
    assert got.status_code == 200 and got.json()["counts"]["review"] == counts["review"]
    assert f"linkage-report-{jobs[-1]['id']}.json" in got.headers["content-disposition"]


def test_persons_are_not_shown_to_the_other_roles(
        dirty: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = dirty
    for role in ("planner", "department", "district", "auditor"):
        h = _as(tokens, role)
        assert client.get("/api/linkage/review", headers=h).status_code == 403
        assert client.post("/api/linkage/jobs", json={}, headers=h).status_code == 403
        assert client.post("/api/linkage/review/1/accept", headers=h).status_code == 403
    assert client.get("/api/linkage/review").status_code == 401


def test_thresholds_are_checked(dirty: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = dirty
    r = client.post("/api/linkage/jobs", json={"threshold": 0.6, "review_threshold": 0.9},
                    headers=_as(tokens, "admin"))
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    r = client.post("/api/linkage/jobs", json={"threshold": 1.0}, headers=_as(tokens, "admin"))
    assert r.status_code == 422
