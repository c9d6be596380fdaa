"""Demo reported data (示范填报数据): for each plan of a demo store's jurisdiction, years of
reported indicator values, task progress and (where a computed indicator needs it) childcare
places, so that a fresh demo store shows an assessment of its plans at once.

Everything written here is **synthetic demonstration data** and says so: reported rows carry
:data:`renkou.plans.DEMO_MARK` (示范数据) as their source file and source note, task progress
and facility counts as their source, and the reporter is 示范填报员 — so every page and report
marks a value from them as 示范数据 (``Assessment.demo``). The values are plausible
magnitudes chosen to give a mix of statuses, not statistics; they live as data in the plans
package (``data/demo/<plan>.yaml``). :func:`seed_demo_reports` seeds the plans of the
store's jurisdiction up to the store's last full year of data.

**Every year has a value** (so that assessing 2021, 2022 or 2023 does not show 数据不足 for
reported indicators): a demo file names the years to fill (``fill_years: [first, last]``)
and :func:`fill_years` gives each reported indicator a value in every such year that lies
between two known values — the file's own values and the plan's stated baseline (基期值) —
by linear interpolation plus a small deterministic disturbance (at most
:data:`NOISE_SHARE` of the annual change, so the trend line's residuals are not zero and its
t probability is not a spurious 0 or 1), clipped to the unit's natural range and rounded
like the neighbouring values (rates to at least one decimal). Values the file states are
never changed; years outside the known values are written in the file instead.
Filled rows are still 示范数据 and say in their note that they are interpolated.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

import pandas as pd
import yaml

from renkou.app.sample import resident_scale
from renkou.errors import ConfigError
from renkou.jurisdictions import Jurisdiction, jurisdictions
from renkou.plans import (
    DEMO_MARK,
    FACILITIES,
    REPORTED,
    TASK_PROGRESS,
    AppTables,
    Indicator,
    Plan,
    RegistryData,
    get_plan,
    read_app,
    write_app,
)
from renkou.plans.assessment.reported_trend import clip, unit_bounds
from renkou.plans.model.reporting_units import department_names
from renkou.plans.storage import LEGACY_DEMO_FILE

if TYPE_CHECKING:
    from renkou.registry import Registry

DEMO_SOURCE = f"{DEMO_MARK}（renkou 示范库）"
# Shown where a report cites the file a value came from ("…，示范数据第3行）"), so that a
# reader of the evaluation report sees at each value that it is demonstration data.
DEMO_FILE = DEMO_MARK
# Task progress and facility rows of earlier seeds (replaced when seeding again).
LEGACY_DEMO_SOURCE = "示范数据（renkou demo_seed）"
QUARTER_ENDS = ((3, 31), (6, 30), (9, 30), (12, 31))
# Largest disturbance of an interpolated value, as a share of the annual change between the
# two known values around it: visible year-to-year wobble, never a reversal of a clear trend.
NOISE_SHARE = 0.4
COUNT_UNITS = frozenset({"人", "个", "家"})
INTERPOLATED_NOTE = "示范数据：相邻两个已知值（示范值或规划基期值）之间线性插值，加小幅扰动"


@dataclass(frozen=True)
class DemoValues:
    """The demonstration values of one plan (示范数据): reported values by indicator code
    and year, and childcare places per 1000 residents by year."""

    plan: str
    reported: Mapping[str, Mapping[int, float]]
    childcare_per_1000: Mapping[int, float]
    # Earlier years that also get a year of quarterly task progress (a plan assessed at an
    # earlier target year as well as in the seed year).
    progress_years: tuple[int, ...] = ()
    # (indicator code, year) of the values :func:`fill_years` interpolated (in ``reported``).
    interpolated: frozenset[tuple[str, int]] = frozenset()


def _years(raw: object, where: str) -> dict[int, float]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(f"示范数据 {where} 应为 {{年份: 数值}}")
    try:
        return {int(y): float(v) for y, v in raw.items()}
    except (TypeError, ValueError):
        raise ConfigError(f"示范数据 {where} 的年份或数值无效：{raw}") from None


@cache
def demo_values(plan_code: str) -> DemoValues:
    """The demo values shipped for ``plan_code`` (data/demo/<plan>.yaml of the plans)."""
    path = resources.files("renkou.plans").joinpath("data", "demo", f"{plan_code}.yaml")
    if not path.is_file():
        raise ConfigError(f"没有规划 {plan_code} 的示范数据")
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if doc.get("plan") != plan_code:
        raise ConfigError(f"示范数据文件 {plan_code}.yaml 的 plan 字段为 {doc.get('plan')}")
    reported = {str(code): _years(by_year, f"{plan_code}:{code}")
                for code, by_year in (doc.get("reported") or {}).items()}
    interpolated: frozenset[tuple[str, int]] = frozenset()
    span = doc.get("fill_years")
    if span is not None:
        if not (isinstance(span, list) and len(span) == 2
                and all(isinstance(y, int) for y in span) and span[0] <= span[1]):
            raise ConfigError(f"示范数据 {plan_code}:fill_years 应为 [起始年, 结束年]")
        reported, interpolated = fill_years(get_plan(plan_code), reported, span[0], span[1])
    return DemoValues(plan=plan_code, reported=reported,
                      childcare_per_1000=_years(doc.get("childcare_per_1000"),
                                                f"{plan_code}:childcare_per_1000"),
                      progress_years=tuple(int(y) for y in doc.get("progress_years") or ()),
                      interpolated=interpolated)


def _decimals(*values: float) -> int:
    """Decimals the known values are written with (0–3), for rounding filled ones alike."""
    for d in range(4):
        if all(math.isclose(v, round(v, d), abs_tol=1e-9) for v in values):
            return d
    return 3


def anchors(ind: Indicator, values: Mapping[int, float]) -> dict[int, float]:
    """Known values of one indicator: the demo values and the plan's stated baselines of a
    single year (a period total such as a 十三五 sum is not a level of that year; "超过" or
    "以下" baselines are bounds, not values). Demo values win on the same year."""
    known = {b.year: b.value for b in ind.baselines
             if b.period_start is None and b.comparator in ("eq", "approx")}
    known.update(values)
    return known


def fill_years(plan: Plan, reported: Mapping[str, Mapping[int, float]], first: int,
               last: int) -> tuple[dict[str, dict[int, float]], frozenset[tuple[str, int]]]:
    """Every reported indicator of ``reported`` gets a value in each year ``first``…``last``
    lying strictly between two known values (:func:`anchors`): the straight line between
    them plus a disturbance of at most :data:`NOISE_SHARE` × the annual change, drawn from a
    generator seeded by plan, indicator and year (the same values on every run), clipped to
    the unit's range and rounded to the known values' decimals (at least one for anything but
a count). Returns the values and the
    (code, year) pairs filled."""
    inds = {i.code: i for i in plan.indicators}
    out: dict[str, dict[int, float]] = {}
    filled: set[tuple[str, int]] = set()
    for code, by_year in reported.items():
        values = dict(by_year)
        ind = inds.get(code)
        if ind is None:  # reported_rows skips it too
            out[code] = values
            continue
        known = anchors(ind, by_year)
        years = sorted(known)
        bounds = unit_bounds(ind.unit, ind.name_zh)
        for lo, hi in itertools.pairwise(years):
            slope = (known[hi] - known[lo]) / (hi - lo)
            # Whole numbers are kept for counts; a rate written as 38 and 42 still gets one
            # decimal, or rounding would erase the wobble and leave a perfect line.
            digits = _decimals(known[lo], known[hi])
            if ind.unit not in COUNT_UNITS:
                digits = max(digits, 1)
            for y in range(max(lo + 1, first), min(hi - 1, last) + 1):
                rng = random.Random(f"{plan.code}:{code}:{y}")
                line = known[lo] + slope * (y - lo)
                wobble = NOISE_SHARE * abs(slope) * rng.uniform(-1.0, 1.0)
                values[y] = round(clip(line + wobble, bounds), digits)
                filled.add((code, y))
        out[code] = dict(sorted(values.items()))
    return out, frozenset(filled)


def reported_rows(plan: Plan, values: Mapping[str, Mapping[int, float]], stamp: dt.datetime,
                  interpolated: frozenset[tuple[str, int]] = frozenset()) -> pd.DataFrame:
    known = {i.code: i for i in plan.reported_indicators()}
    rows: list[dict[str, object]] = []
    for code, by_year in values.items():
        ind = known.get(code)
        if ind is None:  # the plan data changed; skip rather than invent
            continue
        dept = ind.departments[0]
        for year, value in sorted(by_year.items()):
            rows.append({
                "plan": plan.code, "indicator_code": code, "area": plan.area_code,
                "year": year, "value": float(value), "unit": ind.unit,
                "nature": "统计快报数" if year == max(by_year) else "年报正式数",
                "department": dept, "department_name": department_names([dept])[0],
                "reporter": "示范填报员", "reported_on": dt.date(year + 1, 2, 15),
                "source_note": DEMO_SOURCE,
                "note": INTERPOLATED_NOTE if (code, year) in interpolated else "",
                "source_file": DEMO_FILE,
                "source_row": len(rows) + 2, "imported_at": stamp,
            })
    return pd.DataFrame(rows)


def progress_rows(plan: Plan, year: int, stamp: dt.datetime) -> pd.DataFrame:
    """Quarterly progress of every task in ``year``: most advance steadily, every ninth
    lags, every eleventh stopped reporting after mid-year, every seventeenth never reports,
    every fifth is finished by the end of the year."""
    rows: list[dict[str, object]] = []
    for i, task in enumerate(plan.tasks, start=1):
        if i % 17 == 0:
            continue
        quarters = QUARTER_ENDS[:2] if i % 11 == 0 else QUARTER_ENDS
        dept = (task.departments[0] if task.departments
                else plan.lead_department or "fgw")
        for q, (m, d) in enumerate(quarters, start=1):
            if i % 5 == 0:
                pct, status = min(100.0, 40.0 + 20.0 * q), "推进中"
                if pct >= 100:
                    status = "已完成"
            elif i % 9 == 0:
                pct, status = 10.0 + 5.0 * q, "滞后" if q >= 2 else "推进中"
            else:
                pct, status = 30.0 + 12.0 * q, "推进中"
            measure = task.measures[0].rstrip("。")
            narrative = (f"{measure[:40]}{'…' if len(measure) > 40 else ''}；"
                         f"第{q}季度完成年度计划的{pct:.0f}%")
            if status == "滞后":
                narrative += "，受项目审批和资金安排影响进度慢于计划"
            rows.append({
                "plan": plan.code, "task_code": task.code,
                "report_date": dt.date(year, m, d), "status": status, "percent": pct,
                "narrative": narrative, "evidence": f"示范数据：工作台账 {task.code}-{q}",
                "department": dept, "reporter": "示范填报员", "source": DEMO_SOURCE,
                "recorded_at": stamp,
            })
    return pd.DataFrame(rows)


def facility_rows(registry: Registry, area: str, per_1000: Mapping[int, float],
                  stamp: dt.datetime) -> pd.DataFrame:
    """Childcare places as real-world counts: the per-1000 path × the store's residents of
    ``area`` × its census factor (a demo store is a sample; see
    :func:`renkou.app.sample.resident_scale`). Years in which the store has no residents of
    the area (a plan of another jurisdiction) get no row."""
    if not per_1000:
        return pd.DataFrame()
    data = RegistryData(registry)
    factor = resident_scale(registry, area).value
    rows: list[dict[str, object]] = []
    for year, rate in sorted(per_1000.items()):
        total = float(data.population(dt.date(year, 12, 31), "resident", area).sum())
        if total <= 0:
            continue
        rows.append({"area": area, "kind": "childcare_places", "year": year,
                     "value": round(rate * total * factor / 1000.0), "source": DEMO_SOURCE,
                     "recorded_at": stamp})
    return pd.DataFrame(rows)


def _clear(store: AppTables, table: str, column: str, values: tuple[str, ...],
           scope: tuple[str, frozenset[str]]) -> None:
    """Drop earlier demo rows of the plans being seeded (``scope``: a column and its values,
    the plan codes or their areas) so that seeding twice does not duplicate them."""
    df = read_app(store, table)
    if df.empty or column not in df.columns:
        return
    key, mine = scope
    ours = df[column].isin(values)
    if key in df.columns:
        ours &= df[key].astype(str).isin(mine)
    store.write_table(table, df[~ours], mode="replace")


@cache
def demo_plans() -> tuple[str, ...]:
    """Every plan with shipped demo values."""
    folder = resources.files("renkou.plans").joinpath("data", "demo")
    return tuple(sorted(p.name.removesuffix(".yaml") for p in folder.iterdir()
                        if p.name.endswith(".yaml")))


def store_plans(jurisdiction: Jurisdiction) -> tuple[str, ...]:
    """The plans a store of ``jurisdiction`` serves: its own, then those of the
    jurisdictions inside it (a district's plan in its city's store)."""
    inside = [j for j in jurisdictions().values()
              if j.key != jurisdiction.key and jurisdiction.contains(j.code)]
    return tuple(dict.fromkeys([*jurisdiction.plans, *(p for j in inside for p in j.plans)]))


def seed_demo_reports(registry: Registry) -> int:
    """Seed the demo reported data of the plans the store serves (:func:`store_plans`) up to
    the store's last full year of data (its census year when it holds none); returns that
    year."""
    jurisdiction = registry.jurisdiction()
    through = registry.data_through()
    year = jurisdiction.census_date.year if through is None else (
        through.year - (through < dt.date(through.year, 12, 31)))
    plans = tuple(p for p in store_plans(jurisdiction) if p in demo_plans())
    seed_demo_plans(registry, year, plans)
    return year


def seed_demo_plans(registry: Registry, year: int, plans: tuple[str, ...] | None = None
                    ) -> None:
    """Load each plan's demo reports, task progress (quarterly, in ``year`` and in the
    earlier ``progress_years`` of its demo file) and childcare places, keeping the reported
    values of ``year`` and earlier years (cumulative and directional targets need them).
    Seeding again replaces the earlier demo rows. ``plans`` None: every plan with demo
    values."""
    stamp = dt.datetime(year + 1, 3, 1, 9, 0)
    reported: list[pd.DataFrame] = []
    progress: list[pd.DataFrame] = []
    places: list[pd.DataFrame] = []
    codes = demo_plans() if plans is None else plans
    for code in codes:
        plan = get_plan(code)
        demo = demo_values(code)
        values = {c: {y: v for y, v in by_year.items() if y <= year}
                  for c, by_year in demo.reported.items()}
        reported.append(reported_rows(plan, values, stamp, demo.interpolated))
        for y in sorted({year, *(y for y in demo.progress_years if y < year)}):
            progress.append(progress_rows(plan, y, stamp))
        places.append(facility_rows(
            registry, plan.area_code,
            {y: v for y, v in demo.childcare_per_1000.items() if y <= year}, stamp))
    by_plan = ("plan", frozenset(codes))
    by_area = ("area", frozenset(get_plan(c).area_code for c in codes))
    for table, column, value, scope, frames in (
            (REPORTED, "source_file", (DEMO_FILE, LEGACY_DEMO_FILE), by_plan, reported),
            (TASK_PROGRESS, "source", (DEMO_SOURCE, LEGACY_DEMO_SOURCE), by_plan, progress),
            (FACILITIES, "source", (DEMO_SOURCE, LEGACY_DEMO_SOURCE), by_area, places)):
        _clear(registry, table, column, value, scope)
        rows = [f for f in frames if not f.empty]
        if rows:
            write_app(registry, table, pd.concat(rows, ignore_index=True))
