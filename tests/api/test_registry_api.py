"""The registry routes: the counts ``renkou registry stats`` writes, flows by area and kind
and the quality figures, small cells suppressed for roles below statistician, a district
account kept to its own district."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from renkou.app.stores import registry_at
from renkou.registry.quality import quality_summary

Served = tuple[TestClient, dict[str, str], Path]


def _get(city: Served, role: str, path: str, **params: Any) -> Any:
    client, tokens, _ = city
    r = client.get(path, params=params, headers={"Authorization": f"Bearer {tokens[role]}"})
    assert r.status_code == 200, r.text
    return r.json()


def _small(values: list[int | None]) -> list[int]:
    return [v for v in values if v is not None and 0 < v < 5]


def test_calibers_are_the_registry_counts(city: Served) -> None:
    db = city[2]
    got = _get(city, "admin", "/api/registry/calibers", caliber="hukou", by="region,sex",
               as_of="2024-06-30", limit=1000)
    with registry_at(db) as reg:
        expected = reg.caliber(dt.date(2024, 6, 30), "hukou",
                               level="district", by=("region", "sex"))
    assert got["suppression_threshold"] is None and got["suppressed"] == 0
    assert got["total"] == int(expected["value"].sum())
    assert {(r["region"], r["sex"]): r["value"] for r in got["rows"]} == {
        (str(a), str(b)): int(v) for a, b, v in expected[["region", "sex", "value"]].itertuples(
            index=False)}


def test_calibers_suppressed_below_statistician_and_paged(city: Served) -> None:
    client, tokens, _ = city
    whole = _get(city, "statistician", "/api/registry/calibers", limit=1000, offset=0)
    r = client.get("/api/registry/calibers", params={"limit": 1000},
                   headers={"Authorization": f"Bearer {tokens['planner']}"})
    shown = r.json()
    assert shown["suppression_threshold"] == 5 and shown["suppressed"] > 0
    assert not _small([x["value"] for x in shown["rows"]])
    assert _small([x["value"] for x in whole["rows"]])
    full = {(x["region"], x["sex"], x["age"]): x["value"] for x in whole["rows"]}
    for x in shown["rows"]:
        if x["value"] is not None:
            assert full[(x["region"], x["sex"], x["age"])] == x["value"]
    assert int(r.headers["X-Total-Count"]) == shown["total_rows"]
    page = _get(city, "planner", "/api/registry/calibers", limit=7, offset=7)
    assert page["rows"] == shown["rows"][7:14]


def test_district_account_kept_to_its_district(city: Served) -> None:
    client, tokens, _ = city
    h = {"Authorization": f"Bearer {tokens['district']}"}
    own = client.get("/api/auth/me", headers=h).json()["district"]
    streets = client.get("/api/registry/calibers", params={"region": own, "level": "street",
                                                           "by": "region"}, headers=h)
    assert streets.status_code == 200
    rows = streets.json()["rows"]
    assert rows and all(x["region"].startswith(own) and len(x["region"]) == 9 for x in rows)
    other = "120101" if own != "120101" else "120102"
    for path in ("/api/registry/calibers", "/api/registry/flows"):
        assert client.get(path, params={"region": other}, headers=h).status_code == 403
        assert client.get(path, headers=h).status_code == 403
    flows = client.get("/api/registry/flows", params={"region": own, "level": "street"},
                       headers=h)
    assert flows.status_code == 200
    assert all(x["region"].startswith(own) for x in flows.json()["rows"])


def test_flows_by_area_and_kind(city: Served) -> None:
    db = city[2]
    got = _get(city, "statistician", "/api/registry/flows", start="2022-01-01",
               end="2024-12-31")
    with registry_at(db) as reg:
        df = reg.flows(dt.date(2022, 1, 1),
                       dt.date(2024, 12, 31), "district")
    assert sum(sum(v for v in r["values"].values()) for r in got["rows"]) == int(
        df["value"].sum()) > 0
    shown = _get(city, "planner", "/api/registry/flows", start="2022-01-01", end="2024-12-31")
    cells = [v for r in shown["rows"] for v in r["values"].values()]
    assert not _small(cells)
    # No region row and no kind column with exactly one hidden cell.
    assert all(list(r["values"].values()).count(None) != 1 for r in shown["rows"])
    for kind in shown["kinds"]:
        assert [r["values"][kind] for r in shown["rows"]].count(None) != 1


def test_quality_is_the_cli_summary(city: Served) -> None:
    db = city[2]
    got = _get(city, "planner", "/api/registry/quality")
    with registry_at(db) as reg:
        q = quality_summary(reg.store)
    assert (got["batches"], got["rows_read"], got["quarantined"]) == (
        q.batches, q.rows_read, q.quarantined)
    assert len(got["batch_list"]) == q.batches and got["batch_list"][0]["finished_at"]
    assert {f["feed"] for f in got["feeds"]} == set(q.feeds["feed"])
    assert all(r["reason_name"] for r in got["reasons"])
