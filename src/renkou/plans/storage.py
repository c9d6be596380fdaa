"""Where the plans layer keeps what departments report (填报数据存储): tables prefixed
``app_`` in the registry store, written and read only through the registry's generic
``write_table`` / ``read_table`` (this package never touches DuckDB).

Tables:

* ``app_reported_values`` — accepted reported indicator values (one row per import of a
  value; the latest ``imported_at`` for a plan, indicator, year and area wins);
* ``app_reported_quarantine`` — rejected rows with file, row, column and reason;
* ``app_task_progress`` — task progress records (任务进展);
* ``app_task_quarantine`` — rejected progress rows;
* ``app_facility_counts`` — facility counts some indicators need (e.g. childcare places):
  area, kind, year, value, source.
"""

from __future__ import annotations

from typing import Protocol

import pandas as pd

from renkou.errors import NotFoundError, StoreError

REPORTED = "app_reported_values"
REPORTED_QUARANTINE = "app_reported_quarantine"
TASK_PROGRESS = "app_task_progress"
TASK_QUARANTINE = "app_task_quarantine"
FACILITIES = "app_facility_counts"
# Reported rows written as demonstration data carry this as their source file (and their
# source note starts with it), so that every value from them is shown as 示范数据.
DEMO_MARK = "示范数据"
LEGACY_DEMO_FILE = "demo_seed"  # stores seeded before DEMO_MARK was the source file


class AppTables(Protocol):
    """The part of ``renkou.registry.Registry`` the plans layer stores through."""

    def write_table(self, name: str, df: pd.DataFrame, *, mode: str = "append") -> None: ...

    def read_table(self, name: str, where: dict[str, object] | None = None
                   ) -> pd.DataFrame: ...


def read_app(store: AppTables, name: str) -> pd.DataFrame:
    """The whole table, or an empty frame when it has never been written."""
    try:
        df = store.read_table(name)
    except (NotFoundError, StoreError, KeyError):
        return pd.DataFrame()
    return df if df is not None else pd.DataFrame()


def write_app(store: AppTables, name: str, df: pd.DataFrame, mode: str = "append") -> None:
    if df.empty and mode == "append":
        return
    store.write_table(name, df, mode=mode)


class MemoryTables:
    """An in-memory stand-in with the same two methods (tests, dry runs)."""

    def __init__(self) -> None:
        self.tables: dict[str, pd.DataFrame] = {}

    def write_table(self, name: str, df: pd.DataFrame, *, mode: str = "append") -> None:
        if mode == "replace" or name not in self.tables:
            self.tables[name] = df.reset_index(drop=True).copy()
        else:
            self.tables[name] = pd.concat([self.tables[name], df], ignore_index=True)

    def read_table(self, name: str, where: dict[str, object] | None = None
                   ) -> pd.DataFrame:
        if name not in self.tables:
            raise NotFoundError(f"表 {name} 不存在")
        df = self.tables[name]
        for col, value in (where or {}).items():
            df = df[df[col] == value]
        return df.copy()


def facility_counts(store: AppTables, area: str) -> dict[str, dict[int, float]]:
    """Facility counts of an area by kind and year (latest row wins)."""
    df = read_app(store, FACILITIES)
    out: dict[str, dict[int, float]] = {}
    if df.empty:
        return out
    mine = df[df["area"] == area].sort_values("recorded_at")
    for kind, year, value in zip(mine["kind"], mine["year"], mine["value"], strict=True):
        out.setdefault(str(kind), {})[int(year)] = float(value)
    return out


def is_demo_report(source_file: object) -> bool:
    """Whether a reported row with this ``source_file`` is demonstration data."""
    return str(source_file) in (DEMO_MARK, LEGACY_DEMO_FILE)


def reported_values(store: AppTables, plan_code: str) -> pd.DataFrame:
    """Latest accepted value per (indicator, area, year) of a plan, with its source."""
    df = read_app(store, REPORTED)
    if df.empty:
        return df
    df = df[df["plan"] == plan_code]
    if df.empty:
        return df
    df = df.sort_values(["imported_at", "source_row"])
    return df.drop_duplicates(["indicator_code", "area", "year"], keep="last").reset_index(
        drop=True)


def quarantine(store: AppTables, plan_code: str | None = None) -> pd.DataFrame:
    df = read_app(store, REPORTED_QUARANTINE)
    if df.empty or plan_code is None:
        return df
    return df[df["plan"] == plan_code].reset_index(drop=True)
