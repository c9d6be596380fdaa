"""What the dashboard's plan panel needs from the API: every plan with its period and the year
to show first, an assessment of any plan and year in the period (with the scale notes, or
the notice that the store does not cover the plan's area), and a clear refusal outside it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from renkou.api.app import create_app
from renkou.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(seeded_store: Path, tmp_path_factory: pytest.TempPathFactory,
           signer: Callable[..., TestClient],
           store_copier: Callable[[Path, Path], Path]) -> Iterator[TestClient]:
    db = store_copier(seeded_store, tmp_path_factory.mktemp("plans-api") / "seeded.duckdb")
    with TestClient(create_app(Settings(env="test", db_path=db))) as c:
        yield signer(c, db)


def test_plans_give_their_period_and_a_default_year(client: TestClient) -> None:
    plans = {p["code"]: p for p in client.get("/api/plans").json()}
    assert (plans["xiqing-14th"]["start_year"], plans["xiqing-14th"]["end_year"]) == (2021, 2025)
    cq = plans["chongqing-2016-2030"]
    assert (cq["start_year"], cq["end_year"]) == (2016, 2030)
    for p in plans.values():
        assert p["start_year"] <= p["default_year"] <= p["end_year"]
        assert p["default_year"] == 2024  # the demo data's year, inside every period


def test_assessment_of_another_plan_and_year(client: TestClient) -> None:
    a = client.get("/api/plans/xiqing-14th/assessment", params={"year": 2022}).json()
    assert a["plan"] == "xiqing-14th" and a["year"] == 2022
    assert a["uncovered"] is None
    notes = "；".join(a["scale_notes"])
    assert "常住人口类" in notes and "户籍人口类" in notes and "46.59万" in notes
    # With a value for every demo year, no reported indicator is short of data in 2022.
    reported = [r for r in a["rows"] if r["kind"] == "reported" and r["status"] != "仅监测"]
    assert reported and all(r["status"] != "数据不足" for r in reported)


def test_uncovered_plan_says_why_and_states_no_factor(client: TestClient) -> None:
    a = client.get("/api/plans/chongqing-2016-2030/assessment", params={"year": 2020}).json()
    assert a["year"] == 2020
    assert a["uncovered"] and "重庆市（500000）" in a["uncovered"]
    assert a["scale_notes"] == []


@pytest.mark.parametrize(("code", "year", "ok"), [
    ("xiqing-14th", 2020, True),  # the base year
    ("xiqing-14th", 2019, False),
    ("xiqing-14th", 2026, False),
    ("chongqing-2016-2030", 2031, False),
])
def test_years_outside_the_plan_period_are_refused(client: TestClient, code: str, year: int,
                                                   ok: bool) -> None:
    r = client.get(f"/api/plans/{code}/assessment", params={"year": year})
    if ok:
        assert r.status_code == 200
    else:
        assert r.status_code == 422
        assert "评估年份应在" in r.json()["message"]


def _static(name: str) -> str:
    return (Path(str(resources.files("renkou").joinpath("web/static"))) / name).read_text(
        encoding="utf-8")


def _scripts() -> dict[str, str]:
    root = Path(str(resources.files("renkou").joinpath("web/static")))
    return {str(f.relative_to(root)): f.read_text(encoding="utf-8")
            for f in sorted(root.glob("**/*.js"))
            if "vendor" not in f.parts and f.name != "swagger-init.js"}  # the API docs page's


def test_every_element_the_script_looks_up_is_on_the_page() -> None:
    # The shell's elements are in index.html; a page module looks up only the shell's
    # elements or those its own template writes.
    shell = set(re.findall(r'id="([^"]+)"', _static("index.html")))
    looked_up_anywhere = set()
    for name, script in _scripts().items():
        wanted = set(re.findall(r'getElementById\("([^"]+)"\)', script))
        looked_up_anywhere |= wanted
        own = set(re.findall(r'id="([^"$]+)"', script))
        assert wanted <= shell | own, (name, wanted - shell - own)
    assert {"login-user", "login-pass", "view", "nav"} <= looked_up_anywhere


def test_the_plan_is_not_hard_coded_any_more() -> None:
    script = "\n".join(_scripts().values())
    assert "/api/plans/tianjin-14th/assessment" not in script
    assert "ASSESS_YEAR" not in script
