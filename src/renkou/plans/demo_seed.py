"""Demo data for the plans layer (示范填报数据): the Tianjin plan with a year of reported
indicator values and task progress, so that a fresh demo store shows an assessment at once.

Everything written here is **synthetic demonstration data** and says so in its source
fields ("示范数据"); the values are plausible magnitudes chosen to give a mix of statuses,
not statistics. ``renkou demo`` (cli/serve.py) and ``make demo`` call
:func:`seed_demo_plans` after building the demo city.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd

from renkou.plans.catalog import get_plan
from renkou.plans.model import Plan
from renkou.plans.storage import (
    FACILITIES,
    REPORTED,
    TASK_PROGRESS,
    AppTables,
    read_app,
    write_app,
)
from renkou.plans.template import department_names

if TYPE_CHECKING:
    from renkou.registry import Registry

DEMO_PLAN = "tianjin-14th"
DEMO_SOURCE = "示范数据（renkou demo_seed）"

# Reported values of the Tianjin plan by indicator code: {year: value}. The base year
# (2020) is given where the plan states no baseline, so that directional targets
# ("提高"/"降低") can be judged. Chosen to show every status in 2024.
TIANJIN_REPORTED: dict[str, dict[int, float]] = {
    "TJ14-EDU-02": {2024: 67.5},                  # ≥65 → 已达标
    "TJ14-EDU-04": {2020: 28.0, 2024: 31.5},      # 提高 → 已达标
    "TJ14-EDU-05": {2020: 52.0, 2024: 51.2},      # 提高 → 进度滞后
    "TJ14-HLT-02": {2024: 9.6},                   # ≤8.5 from 10 → 进度滞后
    "TJ14-HLT-04": {2024: 33.6},                  # 提高 → 已达标
    "TJ14-HLT-05": {2020: 55.0, 2024: 58.3},
    "TJ14-HLT-06": {2024: 52.7},                  # monitoring only
    "TJ14-HLT-07": {2020: 11.8, 2024: 11.2},      # 降低 → 已达标
    "TJ14-HLT-08": {2020: 5.6, 2024: 5.9},        # 降低 → 进度滞后
    "TJ14-STR-03": {2020: 61.0, 2024: 63.4},
    "TJ14-DST-07": {2020: 58.0, 2024: 60.2},
    "TJ14-SRV-01": {2024: 92.9},                  # 93 from 92.3 → 进度正常
    "TJ14-SRV-02": {2020: 70.0, 2024: 74.0},      # ≥80 → 进度滞后
    "TJ14-SRV-03": {2020: 72.0, 2024: 78.5},      # ≥80 → 进度正常
    "TJ14-SRV-04": {2021: 36.9, 2022: 35.5, 2023: 36.2, 2024: 35.8},  # 累计175 → 进度正常
    "TJ14-SRV-05": {2024: 4.3},
    "TJ14-SRV-07": {2020: 60.0, 2024: 86.0},      # ≥100 → 进度滞后
    "TJ14-SRV-08": {2024: 53.0},                  # 60 from 33.7 → 进度正常
    "TJ14-SRV-09": {2021: 100.0, 2022: 100.0, 2023: 100.0, 2024: 100.0},
    "TJ14-SRV-10": {2020: 38.0, 2024: 44.5},
    "TJ14-SRV-11": {2024: 100.0},
    "TJ14-SRV-12": {2024: 85.0},
}
# Childcare places for under-threes per 1000 residents (the count is scaled to the demo
# city's population, so the computed indicator shows this path).
CHILDCARE_PER_1000 = {2020: 2.1, 2021: 2.6, 2022: 3.0, 2023: 3.4, 2024: 3.7}
QUARTER_ENDS = ((3, 31), (6, 30), (9, 30), (12, 31))


def reported_rows(plan: Plan, values: dict[str, dict[int, float]], stamp: dt.datetime
                  ) -> pd.DataFrame:
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
                "source_note": DEMO_SOURCE, "note": "", "source_file": "demo_seed",
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
        dept = task.departments[0] if task.departments else "fgw"
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


def facility_rows(registry: Registry, area: str, stamp: dt.datetime) -> pd.DataFrame:
    """Childcare places as real-world counts: the per-1000 path × the demo city's residents
    × its census scale (the demo city is down-scaled; see plan_assessment.census_scale)."""
    from renkou.plans.plan_assessment import census_scale

    factor = census_scale(registry, area)
    rows: list[dict[str, object]] = []
    for year, per_1000 in CHILDCARE_PER_1000.items():
        pop = registry.caliber(dt.date(year, 12, 31), "resident", level="city",
                               by=("region",))
        total = float(pop["value"].sum()) if not pop.empty else 0.0
        if total <= 0:
            continue
        rows.append({"area": area, "kind": "childcare_places", "year": year,
                     "value": round(per_1000 * total * factor / 1000.0), "source": DEMO_SOURCE,
                     "recorded_at": stamp})
    return pd.DataFrame(rows)


def _clear(store: AppTables, table: str, column: str, value: str) -> None:
    """Drop earlier demo rows so seeding twice does not duplicate them."""
    df = read_app(store, table)
    if df.empty or column not in df.columns:
        return
    keep = df[df[column] != value]
    store.write_table(table, keep, mode="replace")


def seed_demo_plans(registry: Registry, year: int = 2024) -> None:
    """Load the Tianjin plan's demo reports, task progress and childcare places for
    ``year`` (and the earlier plan years where cumulative targets need them)."""
    plan = get_plan(DEMO_PLAN)
    stamp = dt.datetime(year + 1, 3, 1, 9, 0)
    values = {code: {y: v for y, v in by_year.items() if y <= year}
              for code, by_year in TIANJIN_REPORTED.items()}
    _clear(registry, REPORTED, "source_file", "demo_seed")
    write_app(registry, REPORTED, reported_rows(plan, values, stamp))
    _clear(registry, TASK_PROGRESS, "source", DEMO_SOURCE)
    write_app(registry, TASK_PROGRESS, progress_rows(plan, year, stamp))
    _clear(registry, FACILITIES, "source", DEMO_SOURCE)
    write_app(registry, FACILITIES, facility_rows(registry, plan.area_code, stamp))
