"""The API on a Chongqing and a Xiqing store: everything (the jurisdiction, its areas, the
default region, level and date) comes from the store, not from the code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from renkou.api.app import create_app
from renkou.jurisdictions import get_jurisdiction
from renkou.settings import Settings


def _client(tmp_path_factory: pytest.TempPathFactory, key: str,
            signer: Callable[..., TestClient]) -> Iterator[TestClient]:
    from renkou.registry.synth import build_demo_store

    db = tmp_path_factory.mktemp(f"api-{key}") / f"{key}.duckdb"
    build_demo_store(db, 3_000, 3, jurisdiction=key)
    with TestClient(create_app(Settings(env="test", db_path=db))) as c:
        yield signer(c, db)


@pytest.fixture(scope="module")
def chongqing(tmp_path_factory: pytest.TempPathFactory,
              signer: Callable[..., TestClient]) -> Iterator[TestClient]:
    yield from _client(tmp_path_factory, "chongqing", signer)


@pytest.fixture(scope="module")
def xiqing(tmp_path_factory: pytest.TempPathFactory,
           signer: Callable[..., TestClient]) -> Iterator[TestClient]:
    yield from _client(tmp_path_factory, "xiqing", signer)


def test_chongqing_meta(chongqing: TestClient) -> None:
    m = chongqing.get("/api/meta").json()
    j = m["jurisdiction"]
    assert (j["key"], j["code"], j["name"]) == ("chongqing", "500000", "重庆市")
    assert (j["level"], j["area_level"]) == ("city", "district")
    assert j["map_url"] == "/static/geo/chongqing-districts.geojson"
    assert j["plans"] == ["chongqing-2016-2030"]
    assert {g["name"] for g in j["groups"]} >= {"主城区", "渝东北", "渝东南"}
    assert m["synthetic"] is True
    assert m["data_through"] is not None and m["default_as_of"] == m["data_through"]
    assert m["as_of_choices"] == sorted({j["census_date"], m["data_through"]})
    assert j["census_date"] == "2020-11-01"
    assert chongqing.get(j["map_url"]).status_code == 200


def test_chongqing_regions_are_its_38_areas(chongqing: TestClient) -> None:
    rows = chongqing.get("/api/regions").json()
    assert len(rows) == 38
    assert all(r["code"].startswith("50") and r["level"] == "district" for r in rows)
    yuzhong = next(r for r in rows if r["code"] == "500103")
    assert yuzhong["name"] == "渝中区" and yuzhong["group_name"] == "主城区"


def test_chongqing_population_defaults(chongqing: TestClient) -> None:
    m = chongqing.get("/api/meta").json()
    p = chongqing.get("/api/population/pyramid").json()
    assert (p["region"], p["region_name"], p["level"]) == ("500000", "重庆市", "city")
    assert p["as_of"] == m["default_as_of"] and p["caliber"] == "resident"
    a = chongqing.get("/api/population/areas").json()
    assert a["level"] == "district" and len(a["areas"]) == 38
    assert a["as_of"] == m["default_as_of"]
    assert a["total"] == p["total"] > 0
    one = chongqing.get("/api/population/pyramid", params={"region": "500103"}).json()
    assert one["level"] == "district"
    assert one["total"] == next(x["value"] for x in a["areas"] if x["code"] == "500103")
    assert len(chongqing.get("/api/population/separation").json()) == 38
    # An area of another jurisdiction is not in this store's jurisdiction.
    assert chongqing.get("/api/population/pyramid", params={"region": "120111"}).status_code \
        == 404


def test_chongqing_plans_default_to_its_own(chongqing: TestClient) -> None:
    m = chongqing.get("/api/meta").json()
    plans = chongqing.get("/api/plans").json()
    assert plans[0]["code"] == "chongqing-2016-2030" and plans[0]["own"]
    assert [p["code"] for p in plans if p["own"]] == ["chongqing-2016-2030"]
    assert plans[0]["default_year"] == dt.date.fromisoformat(m["default_as_of"]).year


def test_chongqing_map_shapes_join_its_areas() -> None:
    import json
    from importlib import resources

    j = get_jurisdiction("chongqing")
    assert j.map_file is not None
    geo = json.loads(resources.files("renkou").joinpath(f"web/static/geo/{j.map_file}")
                     .read_text(encoding="utf-8"))
    shapes = {str(f["id"]): f["properties"]["name"] for f in geo["features"]}
    assert shapes == {a.code: a.name for a in j.areas}


def test_xiqing_meta_and_regions(xiqing: TestClient) -> None:
    m = xiqing.get("/api/meta").json()
    j = m["jurisdiction"]
    assert (j["key"], j["code"], j["name"]) == ("xiqing", "120111", "天津市西青区")
    assert (j["level"], j["area_level"], j["map_url"]) == ("district", "street", None)
    rows = xiqing.get("/api/regions").json()
    assert len(rows) == 10 and all(r["level"] == "street" for r in rows)
    assert {r["group_name"] for r in rows} == {"街道", "镇"}


def test_xiqing_population_by_street(xiqing: TestClient) -> None:
    p = xiqing.get("/api/population/pyramid").json()
    assert (p["region"], p["level"]) == ("120111", "city")
    a = xiqing.get("/api/population/areas").json()
    assert a["level"] == "street" and len(a["areas"]) == 10
    assert a["total"] == p["total"] > 0
    code = a["areas"][3]["code"]
    one = xiqing.get("/api/population/pyramid", params={"region": code}).json()
    assert one["level"] == "street" and one["total"] == a["areas"][3]["value"]
    assert len(xiqing.get("/api/population/separation").json()) == 10
    # Xiqing's areas are 街镇: there is no district level below it.
    assert xiqing.get("/api/population/areas", params={"level": "district"}).status_code == 422
    plans = xiqing.get("/api/plans").json()
    assert plans[0]["code"] == "xiqing-14th"


@pytest.mark.slow
def test_chongqing_plan_assessed_by_default(chongqing: TestClient) -> None:
    m = chongqing.get("/api/meta").json()
    a = chongqing.get("/api/plans/assessment").json()
    assert a["plan"] == "chongqing-2016-2030" and a["uncovered"] is None
    assert a["year"] == dt.date.fromisoformat(m["default_as_of"]).year
    resident = next(r for r in a["rows"] if r["name"] == "常住人口")
    assert resident["value"] is not None and resident["value"] > 0
    # The synthetic store is scaled to the census total, and says so.
    assert any("常住人口类" in n for n in a["scale_notes"])
