"""The dashboard keeps a store's summary and assessments per store version: asked twice, it
assesses once; after the store file changes, it reads the store again."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from renkou.app import dashboard as dash
from renkou.app.stores import StoreSummary
from renkou.errors import InputError
from renkou.jurisdictions import get_jurisdiction


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    seen: dict[str, list[Any]] = {"describe": [], "assess": []}

    @contextmanager
    def registry_at(db: Path, *, read_only: bool = True) -> Iterator[Path]:
        yield db

    def describe(registry: Path) -> StoreSummary:
        seen["describe"].append(registry)
        return StoreSummary(jurisdiction=get_jurisdiction("xiqing"), synthetic=True,
                            data_through=dt.date(2024, 12, 31))

    def assess(db: Path, plan: str, year: int, *, trajectories: int) -> tuple[str, int]:
        seen["assess"].append((plan, year, trajectories))
        return plan, year

    monkeypatch.setattr(dash, "registry_at", registry_at)
    monkeypatch.setattr(dash, "describe", describe)
    monkeypatch.setattr(dash, "assess", assess)
    monkeypatch.setattr(dash, "plan_view", lambda result: result)
    return seen


def test_assessed_once_per_store_version(tmp_path: Path, calls: dict[str, list[Any]]) -> None:
    db = tmp_path / "s.duckdb"
    db.write_bytes(b"x")
    d = dash.Dashboard(trajectories=7)
    first = d.assessment(db)
    assert first == ("xiqing-14th", 2024)  # the jurisdiction's plan, the store's last year
    assert d.assessment(db, "xiqing-14th", 2024) is first
    assert calls["assess"] == [("xiqing-14th", 2024, 7)]
    assert len(calls["describe"]) == 1
    stat = db.stat()
    os.utime(db, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    d.assessment(db)
    assert len(calls["assess"]) == 2 and len(calls["describe"]) == 2


def test_year_outside_the_plan_is_refused(tmp_path: Path, calls: dict[str, list[Any]]) -> None:
    db = tmp_path / "s.duckdb"
    db.write_bytes(b"x")
    with pytest.raises(InputError, match="评估年份应在 2020—2025"):
        dash.Dashboard().assessment(db, "xiqing-14th", 2026)
    assert calls["assess"] == []


def test_the_jurisdictions_plans_come_first(calls: dict[str, list[Any]]) -> None:
    summary = StoreSummary(jurisdiction=get_jurisdiction("chongqing"), synthetic=False,
                           data_through=dt.date(2023, 6, 30))
    choices = dash.plan_choices(summary)
    assert choices[0].plan.code == "chongqing-2016-2030" and choices[0].own
    assert [c.own for c in choices[1:]] == [False] * (len(choices) - 1)
    # Data through mid-2023: the last full year is 2022.
    assert choices[0].default_year == 2022
