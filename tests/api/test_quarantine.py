"""The quarantine browser: paged with X-Total-Count, filtered by batch, feed and reason, ID
numbers always masked, and a department account limited to its own feeds."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from renkou import ids
from renkou.api.app import create_app
from renkou.app.uploads import feeds_of_department
from renkou.settings import Settings

pytestmark = pytest.mark.slow

ID_LIKE = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory,
           tokens_for: Callable[[TestClient, Path], dict[str, str]]
           ) -> Iterator[tuple[TestClient, dict[str, str]]]:
    from renkou.registry.synth import build_demo_store

    db = tmp_path_factory.mktemp("quarantine") / "store.duckdb"
    build_demo_store(db, 2_000, 3)
    with TestClient(create_app(Settings(env="test", db_path=db))) as client:
        yield client, tokens_for(client, db)


def _get(client: TestClient, token: str, **params: object) -> tuple[list[dict[str, object]],
                                                                    int]:
    r = client.get("/api/quarantine", params=params,
                   headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    for number in ID_LIKE.findall(r.text):
        assert not ids.validate(number).valid
    return r.json(), int(r.headers["X-Total-Count"])


def test_pages_filters_and_masked_ids(served: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = served
    rows, total = _get(client, tokens["admin"], limit=1000)
    assert total == len(rows) > 20
    assert {r["batch_id"] for r in rows} == {1}
    masked = [str(r["id_masked"]) for r in rows if r["id_masked"]]
    assert masked and all("********" in m for m in masked)
    page, same = _get(client, tokens["admin"], limit=5, offset=5)
    assert same == total and page == rows[5:10]
    reason = str(rows[0]["reason"])
    by_reason, n = _get(client, tokens["statistician"], reason=reason, limit=1000)
    assert n == sum(r["reason"] == reason for r in rows) == len(by_reason)
    assert all(r["reason_name"] and r["reason"] == reason for r in by_reason)
    feed = str(rows[-1]["feed"])
    assert _get(client, tokens["planner"], feed=feed)[1] == sum(r["feed"] == feed
                                                                for r in rows)
    assert _get(client, tokens["admin"], batch=99)[1] == 0


def test_a_department_sees_only_its_own_feeds(
        served: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = served
    h = {"Authorization": f"Bearer {tokens['department']}"}
    department = client.get("/api/auth/me", headers=h).json()["department"]
    own = set(feeds_of_department(department))
    assert own == {"health_birth", "health_death"}
    everything, _ = _get(client, tokens["admin"], limit=1000)
    mine, total = _get(client, tokens["department"], limit=1000)
    assert mine and {r["feed"] for r in mine} <= own
    assert total == sum(r["feed"] in own for r in everything)
    other = next(str(r["feed"]) for r in everything if r["feed"] not in own)
    refused = client.get("/api/quarantine", params={"feed": other}, headers=h)
    assert refused.status_code == 403 and "本部门" in refused.json()["message"]
    for role in ("district", "auditor"):
        assert client.get("/api/quarantine", headers={
            "Authorization": f"Bearer {tokens[role]}"}).status_code == 403
    assert client.get("/api/quarantine").status_code == 401
    from renkou.app.audit import read_entries

    reads = [e for e in read_entries(client.app.state.settings.database)  # type: ignore[attr-defined]
             if e.action == "quarantine.read"]
    assert {e.outcome for e in reads} == {"ok", "forbidden"}
