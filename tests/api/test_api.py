"""API over a small demo store built by the real pipeline (synth → feeds → ingest)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from renkou.api.app import create_app
from renkou.settings import Settings


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory,
           signer: Callable[..., TestClient]) -> Iterator[TestClient]:
    from renkou.registry.synth import build_demo_store

    db = tmp_path_factory.mktemp("api") / "demo.duckdb"
    build_demo_store(db, 5_000, 11)
    settings = Settings(env="test", db_path=db)
    with TestClient(create_app(settings)) as c:
        yield signer(c, db)


def test_home_page_is_chinese_and_local(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert "人口发展监测" in r.text and "/static/vendor/echarts.min.js" in r.text
    assert "http://" not in r.text and "https://" not in r.text
    structure = client.get("/static/js/pages/structure.js")
    assert structure.status_code == 200 and "人口金字塔" in structure.text
    assert client.get("/static/vendor/echarts.min.js").status_code == 200
    assert client.get("/static/fonts/renkou-sans.woff2").status_code == 200
    geo = client.get("/static/geo/tianjin-districts.geojson").json()
    assert len(geo["features"]) == 16


def test_pyramid_both_calibers(client: TestClient) -> None:
    totals = {}
    for caliber in ("hukou", "resident"):
        p = client.get("/api/population/pyramid", params={"caliber": caliber}).json()
        assert len(p["male"]) == len(p["female"]) == 101
        assert p["total"] == sum(p["male"]) + sum(p["female"]) > 0
        totals[caliber] = p["total"]
    assert totals["hukou"] != totals["resident"]


def test_areas_sum_to_city_pyramid(client: TestClient) -> None:
    a = client.get("/api/population/areas", params={"caliber": "resident"}).json()
    assert len(a["areas"]) == 16
    p = client.get("/api/population/pyramid", params={"caliber": "resident"}).json()
    assert a["total"] == p["total"]
    one = client.get("/api/population/pyramid",
                     params={"caliber": "resident", "region": "120111"}).json()
    xiqing = next(x for x in a["areas"] if x["code"] == "120111")
    assert one["total"] == xiqing["value"] and one["region_name"] == "西青区"


def test_separation_rows(client: TestClient) -> None:
    rows = client.get("/api/population/separation").json()
    assert len(rows) == 16
    assert sum(r["same_district"] + r["other_district"] + r["outside_city"] for r in rows) > 0


def test_bad_parameters_are_422(client: TestClient) -> None:
    assert client.get("/api/population/pyramid", params={"caliber": "x"}).status_code == 422
    assert client.get("/api/population/pyramid", params={"region": "12"}).status_code == 422
    assert client.get("/api/population/areas", params={"level": "street"}).status_code == 422


def test_id_check_never_returns_full_number(client: TestClient) -> None:
    r = client.post("/api/ids/check", json={"number": "11010519491231002X"}).json()
    assert r["valid"] and r["masked"] == "110105********002X"
    assert "11010519491231002X" not in str(r)
    bad = client.post("/api/ids/check", json={"number": "110105194912310021"}).json()
    assert not bad["valid"] and bad["reason"] == "check_character"


def test_regions(client: TestClient) -> None:
    rows = client.get("/api/regions", params={"parent": "120000"}).json()
    assert len(rows) == 16 and rows[0]["name"] == "和平区"
    assert client.get("/api/regions/999999").status_code == 404


def test_missing_store_is_503(tmp_path: Path) -> None:
    app = create_app(Settings(env="test", db_path=tmp_path / "none.duckdb"))
    with TestClient(app) as c:
        r = c.get("/api/population/pyramid")
    assert r.status_code == 503 and "数据库不存在" in r.json()["message"]


def test_plans_list_and_assessment(client: TestClient) -> None:
    plans = client.get("/api/plans").json()
    assert {p["code"] for p in plans} >= {"tianjin-14th", "xiqing-14th", "chongqing-2016-2030"}
    a = client.get("/api/plans/tianjin-14th/assessment", params={"year": 2024}).json()
    assert a["plan_name"].startswith("天津市")
    statuses = {"已达标", "进度正常", "进度滞后（预警）", "未达标", "数据不足", "仅监测"}
    assert a["rows"] and all(r["status"] in statuses for r in a["rows"])
    assert sum(a["counts"].values()) == len(a["rows"])
    resident = next(r for r in a["rows"] if r["code"] == "TJ14-POP-01")
    assert resident["value"] is not None and resident["value"] > 0
    # Every forward look says whether it is a projection or a trend line of reported values.
    kinds = {r["projection_kind"] for r in a["rows"] if r["projected"] is not None}
    assert kinds <= {"projection", "trend"}
    assert all(r["projection_method"] for r in a["rows"] if r["projected"] is not None)
    assert client.get("/api/plans/no-such-plan/assessment").status_code == 404


def test_plan_of_an_area_the_store_does_not_hold_says_why(client: TestClient) -> None:
    """The dashboard gets the coverage check too: Chongqing on the Tianjin-like demo city is
    数据不足 with one plain reason — no 0.0, no "分母为零"."""
    a = client.get("/api/plans/chongqing-2016-2030/assessment", params={"year": 2024}).json()
    assert a["uncovered"] and "重庆市（500000）" in a["uncovered"]
    assert a["scale_notes"] == []  # nothing is scaled when nothing is computed
    computed = [r for r in a["rows"] if r["kind"] == "computed"]
    assert computed
    for r in computed:
        assert r["value"] is None, r
        assert "分母为零" not in r["note"], r
    assessed = [r for r in computed if r["status"] != "仅监测"]
    assert assessed and all(r["status"] == "数据不足" and a["uncovered"] in r["note"]
                            for r in assessed)
    tianjin = client.get("/api/plans/tianjin-14th/assessment", params={"year": 2024}).json()
    assert tianjin["uncovered"] is None


def test_assessment_states_both_scale_factors(client: TestClient) -> None:
    """The demo store is down-scaled: hukou totals get their own factor (published hukou ÷
    registry hukou), stated beside the resident one."""
    a = client.get("/api/plans/tianjin-14th/assessment", params={"year": 2024}).json()
    notes = "；".join(a["scale_notes"])
    assert "常住人口类" in notes and "户籍人口类" in notes and "1108.18万" in notes
    factors = [float(f) for f in re.findall(r"折算系数([\d.]+)", notes)]
    assert len(factors) == 2 and min(factors) > 1 and factors[0] != factors[1]
