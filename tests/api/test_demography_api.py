"""The demographer's toolbox through the API on the small city store: rates by district
(with their single-age schedules), small counts suppressed for a planner with the rates that
would give them away, age-data quality, a life table of rates sent in, and the roles that
may not use it refused."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.slow

City = tuple[TestClient, dict[str, str], Path]


def _as(tokens: dict[str, str], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"}


def test_rates_by_district(city: City) -> None:
    client, tokens, _ = city
    r = client.get("/api/demography/rates", headers=_as(tokens, "statistician"))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["level"] == "district" and out["caliber"] == "resident"
    assert out["suppressed"] == 0 and out["suppression_threshold"] is None
    tfr = [x for x in out["rows"] if x["indicator"] == "tfr"]
    assert len(tfr) > 5 and all(x["value"] is not None and x["value"] >= 0 for x in tfr)
    assert {x["indicator_name"] for x in out["rows"]} >= {"总和生育率", "出生人数", "死亡率（‰）"}
    assert any(x["region_name"].endswith("区") for x in tfr)
    assert not {"asfr", "mx"} & {x["indicator"] for x in out["rows"]}
    full = client.get("/api/demography/rates", params={"year": out["year"], "schedules": True},
                      headers=_as(tokens, "admin")).json()
    asfr = [x for x in full["rows"] if x["indicator"] == "asfr"]
    assert asfr and all(15 <= x["age"] <= 49 and x["sex"] == "female" for x in asfr)
    assert {x["sex"] for x in full["rows"] if x["indicator"] == "mx"} == {"male", "female"}


def test_small_counts_suppressed_below_statistician(city: City) -> None:
    client, tokens, _ = city
    r = client.get("/api/demography/rates", params={"schedules": True},
                   headers=_as(tokens, "planner"))
    assert r.status_code == 200, r.text
    out = r.json()
    k = out["suppression_threshold"]
    assert k == 5 and out["suppressed"] > 0
    rows = out["rows"]
    births = {x["region"]: x["value"] for x in rows if x["indicator"] == "births"}
    assert None in births.values()
    for x in rows:
        if x["indicator"] in ("cbr", "tfr", "srb", "asfr") and births[x["region"]] is None:
            assert x["value"] is None, x
    seen = client.get("/api/demography/rates", params={"schedules": True},
                      headers=_as(tokens, "statistician")).json()["rows"]
    assert len(seen) == len(rows)  # the same cells, some hidden
    for x in rows:
        if x["indicator"] in ("births", "deaths") and x["value"] is not None:
            assert x["value"] == 0 or x["value"] >= k


def test_age_quality(city: City) -> None:
    client, tokens, _ = city
    r = client.get("/api/demography/quality", headers=_as(tokens, "planner"))
    assert r.status_code == 200, r.text
    out = r.json()
    whole = [x for x in out["rows"] if x["region"] == "120000" and x["measure"] == "whipple"]
    assert len(whole) == 1 and whole[0]["rating"] and whole[0]["region_name"] == "天津市"
    assert {x["measure"] for x in out["rows"]} >= {"whipple", "myers", "age_ratio", "sex_ratio"}
    assert all(x["rating"] is None for x in out["rows"] if x["measure"] != "whipple")
    bad = client.get("/api/demography/quality", params={"as_of": "2099-01-01"},
                     headers=_as(tokens, "planner"))
    assert bad.status_code == 422 and "库内数据截至" in bad.json()["detail"]
    early = client.get("/api/demography/quality", params={"as_of": "1927-01-01"},
                       headers=_as(tokens, "planner"))
    assert early.status_code == 200, early.text  # a handful of the oldest residents only
    assert len(early.json()["rows"]) < len(out["rows"])


def test_life_table(city: City) -> None:
    client, tokens, _ = city
    ages = [0, 1, *range(5, 90, 5)]
    rows = [{"sex": sex, "age": a, "mx": 0.004 if a == 0 else
             min(0.00005 * math.exp(0.09 * a) * (1.2 if sex == "male" else 1.0), 0.9)}
            for sex in ("male", "female") for a in ages]
    r = client.post("/api/demography/lifetable", json={"rows": rows},
                    headers=_as(tokens, "statistician"))
    assert r.status_code == 200, r.text
    out = r.json()
    assert len(out["rows"]) == 2 * len(ages)
    assert 60 < out["e0"]["male"] < out["e0"]["female"] < 95
    first = out["rows"][0]
    assert first["age"] == 0 and first["lx"] == 100_000
    bad = client.post("/api/demography/lifetable", headers=_as(tokens, "statistician"),
                      json={"rows": [{"sex": "male", "age": a, "mx": 0.01} for a in (0, 2, 3)]})
    assert bad.status_code == 422 and "年龄应为" in bad.json()["detail"]


def test_roles_without_the_toolbox(city: City) -> None:
    client, tokens, _ = city
    for role in ("department", "district", "auditor"):
        h = _as(tokens, role)
        assert client.get("/api/demography/rates", headers=h).status_code == 403
        assert client.get("/api/demography/quality", headers=h).status_code == 403
        assert client.post("/api/demography/lifetable", headers=h,
                           json={"rows": []}).status_code in (403, 422)
