"""Locust users of the web load benchmark (run by ``benchmarks/web_load.py``, which serves a
store copy, signs the accounts in and passes their sessions here in a JSON file named by
RENKOU_LOAD_SESSIONS).

Each simulated user holds one signed-in session (of a planner, statistician, district or
department account, as in an office) and does what the dashboard pages do: the overview
(pyramid of its area, plan assessment, warnings), pyramids by caliber and area, a plan's
assessment, and the drill-down from an indicator to its districts and 街镇 and from a district
to its 街镇."""

from __future__ import annotations

import itertools
import json
import os
import random
from typing import Any

from locust import FastHttpUser, between, task

_SESSIONS: list[dict[str, Any]] = json.loads(
    open(os.environ["RENKOU_LOAD_SESSIONS"], encoding="utf-8").read())
_NEXT = itertools.cycle(range(len(_SESSIONS)))
CALIBERS = ("resident", "hukou", "employed")


class Planner(FastHttpUser):
    # A person reading a page: a second or two between clicks.
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        s = _SESSIONS[next(_NEXT)]
        self.role: str = s["role"]
        self.headers = {"Authorization": f"Bearer {s['token']}"}
        self.area: str = s["area"]  # the jurisdiction, or the district of a district account
        self.streets_of: list[str] = s["districts"]  # districts this account may open
        self.plan: str = s["plan"]
        self.year: int = s["year"]
        self.indicators: list[str] = s["indicators"]
        self.whole: bool = s["whole"]  # may open the whole jurisdiction's areas
        self.rng = random.Random()

    def _get(self, path: str, name: str, **params: Any) -> None:
        with self.client.get(path, params=params, headers=self.headers, name=name,
                             catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}: {r.text[:200]}")

    @task(3)
    def overview(self) -> None:
        self._get("/api/population/pyramid", "overview: pyramid", caliber="resident",
                  region=self.area)
        self._get(f"/api/plans/{self.plan}/assessment", "overview: assessment")
        self._get("/api/warnings", "overview: warnings", plan=self.plan)

    @task(3)
    def pyramid(self) -> None:
        region = self.rng.choice([self.area, *self.streets_of])
        self._get("/api/population/pyramid", "pyramid (caliber, area)",
                  caliber=self.rng.choice(CALIBERS), region=region)

    @task(2)
    def assessment(self) -> None:
        self._get(f"/api/plans/{self.plan}/assessment", "assessment (year)", year=self.year)

    @task(3)
    def drill_down(self) -> None:
        district = self.rng.choice(self.streets_of)
        if self.indicators:
            code = self.rng.choice(self.indicators)
            if self.whole:  # a district account sees its own district only
                self._get(f"/api/indicators/{code}/areas",
                          "drill-down: indicator by district", plan=self.plan, year=self.year)
            self._get(f"/api/indicators/{code}/areas", "drill-down: indicator by 街镇",
                      plan=self.plan, year=self.year, parent=district)
        self._get("/api/population/areas", "drill-down: 街镇 of a district",
                  parent=district, level="street", caliber="resident")
