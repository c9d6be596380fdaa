"""The plan assessment, the early-warning list and the indicator drill-down are kept per data
version: asked again, they are not computed again; after an ingest moves the version on,
the previous answer is given at once while the new one is made beside it (once), and the new
one afterwards. A cached answer never reaches an account that may not see it."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from renkou.app import indicator_views
from renkou.app.dashboard import Dashboard, PlanView
from renkou.app.stores import hosted
from renkou.plans import get_plan

pytestmark = pytest.mark.slow

Served = tuple[TestClient, dict[str, str], Path]
PLAN = "tianjin-14th"
DISTRICT_PLAN_AREA = "120111"  # the demo district account's district (西青区 has a plan)


def _get(city: Served, role: str, path: str, status: int = 200, **params: Any) -> Any:
    client, tokens, _ = city
    r = client.get(path, params=params, headers={"Authorization": f"Bearer {tokens[role]}"})
    assert r.status_code == status, r.text
    return r.json()


def _until(city: Served, role: str, path: str, done: Callable[[Any], bool],
           **params: Any) -> Any:
    got = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        got = _get(city, role, path, **params)
        if done(got):
            break
        time.sleep(0.05)
    return got


class Held:
    """A computation that, once armed, waits until released and then returns a changed
    result — what the new data of an ingest would give."""

    def __init__(self, compute: Callable[..., Any], change: Callable[[Any], Any]) -> None:
        self.compute, self.change = compute, change
        self.armed = False
        self.calls = 0
        self.started, self.release = threading.Event(), threading.Event()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        if not self.armed:
            return self.compute(*args, **kwargs)
        self.started.set()
        assert self.release.wait(30)
        return self.change(self.compute(*args, **kwargs))


def _ingest_committed(db: Path) -> None:
    host = hosted(db)
    assert host is not None
    host.bump()  # what a committed ingest of the server does


def test_assessment_and_warnings_previous_answer_while_the_new_one_is_made(
        city: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    client, _, db = city
    dashboard: Dashboard = client.app.state.dashboard  # type: ignore[attr-defined]

    def next_year(view: PlanView) -> PlanView:
        return dataclasses.replace(view, year=view.year + 1)

    held = Held(dashboard.assessment, next_year)
    monkeypatch.setattr(dashboard, "assessment", held)
    before = _get(city, "planner", "/api/warnings", plan=PLAN)
    assessed = _get(city, "planner", f"/api/plans/{PLAN}/assessment")
    assert before["rows"] and before["year"] == assessed["year"]
    calls = held.calls
    # Asked again (by another role with the same view), nothing is computed again.
    assert _get(city, "admin", "/api/warnings", plan=PLAN) == before
    assert _get(city, "admin", "/api/plans/assessment") == assessed
    assert held.calls == calls

    held.armed = True
    _ingest_committed(db)
    assert _get(city, "planner", "/api/warnings", plan=PLAN) == before  # at once
    assert held.started.wait(30)
    assert _get(city, "planner", "/api/warnings", plan=PLAN) == before
    assert _get(city, "planner", f"/api/plans/{PLAN}/assessment") == assessed
    assert held.calls == calls + 1  # the warnings' refresh; the assessment's waits its turn
    held.release.set()

    after = _until(city, "planner", "/api/warnings",
                   lambda w: w["year"] != before["year"], plan=PLAN)
    assert after["year"] == before["year"] + 1 and after["rows"] == before["rows"]
    now = _until(city, "planner", f"/api/plans/{PLAN}/assessment",
                 lambda a: a["year"] != assessed["year"])
    assert now["year"] == assessed["year"] + 1
    # Both answers came from one refresh each.
    assert held.calls == calls + 2


def test_drill_down_kept_per_version_and_refreshed_beside_the_previous_one(
        city: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    _, _, db = city

    def first_area_only(d: indicator_views.AreaValues) -> indicator_views.AreaValues:
        return dataclasses.replace(d, rows=d.rows[:1])

    held = Held(indicator_views.drill, first_area_only)
    monkeypatch.setattr(indicator_views, "drill", held)
    path = "/api/indicators/TJ14-STR-05/areas"
    # Roles that see the same cells (no suppression) share one kept answer.
    before = _get(city, "statistician", path, plan=PLAN, year=2022)
    assert len(before["rows"]) == 16 and held.calls == 1
    assert _get(city, "admin", path, plan=PLAN, year=2022) == before
    assert held.calls == 1

    held.armed = True
    _ingest_committed(db)
    assert _get(city, "statistician", path, plan=PLAN, year=2022) == before
    assert held.started.wait(30)
    assert _get(city, "statistician", path, plan=PLAN, year=2022) == before
    assert held.calls == 2
    held.release.set()
    after = _until(city, "statistician", path, lambda d: len(d["rows"]) == 1, plan=PLAN,
                   year=2022)
    assert after["rows"] == before["rows"][:1] and held.calls == 2


def test_a_kept_answer_reaches_only_who_may_see_it(city: Served) -> None:
    path = "/api/indicators/TJ14-STR-05/areas"
    # Kept by the planner's requests: the city plan, its warnings, another district's 街镇.
    _get(city, "planner", "/api/warnings", plan=PLAN)
    _get(city, "planner", f"/api/plans/{PLAN}/assessment")
    _get(city, "planner", path, plan=PLAN, year=2023, parent="120101")
    _get(city, "planner", path, plan=PLAN, year=2023)
    _get(city, "district", "/api/warnings", 403, plan=PLAN)
    _get(city, "district", f"/api/plans/{PLAN}/assessment", 403)
    _get(city, "district", "/api/plans/assessment", 403)
    _get(city, "district", path, 403, plan=PLAN, year=2023, parent="120101")
    _get(city, "district", path, 403, plan=PLAN, year=2023)
    # Its own district: its 街镇 only, and the warnings of its own district's plan.
    streets = _get(city, "district", path, plan=PLAN, year=2023, parent=DISTRICT_PLAN_AREA)
    assert streets["level"] == "street" and streets["rows"]
    assert all(r["area"].startswith(DISTRICT_PLAN_AREA) for r in streets["rows"])
    own = _get(city, "district", "/api/warnings")
    assert get_plan(own["plan"]).area_code == DISTRICT_PLAN_AREA
    # A department account gets its department's warnings, not the planner's kept list.
    every = _get(city, "planner", "/api/warnings", plan=PLAN)
    mine = _get(city, "department", "/api/warnings", plan=PLAN)
    assert 0 < len(mine["rows"]) < len(every["rows"])
    assert all("市卫生健康委" in w["departments"] for w in mine["rows"])


def test_paged_warnings_keep_their_count(city: Served) -> None:
    client, tokens, _ = city
    h = {"Authorization": f"Bearer {tokens['planner']}"}
    whole = client.get("/api/warnings", params={"plan": PLAN}, headers=h)
    total = len(whole.json()["rows"])
    assert total >= 2 and whole.headers["X-Total-Count"] == str(total)
    for _ in range(2):  # made, then kept
        page = client.get("/api/warnings", params={"plan": PLAN, "limit": 1, "offset": 1},
                          headers=h)
        assert page.headers["X-Total-Count"] == str(total)
        assert page.json()["rows"] == whole.json()["rows"][1:2]
