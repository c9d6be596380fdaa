"""Indicator views for the monitoring board (指标监测): the plan's computed indicators of one
area and year, one indicator across the jurisdiction's districts or a district's 街镇
(drill-down), and one indicator year by year (trajectory) with the plan's targets.

Values are :func:`renkou.app.indicators.compute`'s, so they equal ``renkou indicators
compute`` for the same area and year (scaled as the assessment scales a sampled store)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from renkou.app.assessment import last_full_year
from renkou.app.indicators import ComputedIndicator, compute
from renkou.app.population import areas as area_list
from renkou.app.stores import StoreRef, store_registry
from renkou.errors import InputError
from renkou.plans import get_plan, indicator_area
from renkou.plans.assessment.status import TargetSpec
from renkou.plans.model.plan import Indicator, Plan
from renkou.plans.model.targets import target_text

MAX_YEARS = 30  # a trajectory spans at most this many years


@dataclass(frozen=True)
class IndicatorValueRow:
    """One indicator of the plan for one area and year, or why it has no value."""

    indicator: Indicator
    computed: ComputedIndicator


@dataclass(frozen=True)
class PlanValues:
    plan: Plan
    area: str
    year: int
    rows: tuple[IndicatorValueRow, ...]
    scale_notes: tuple[str, ...]
    uncovered: str | None


def computed_indicator(plan: Plan, code: str) -> Indicator:
    """A computed indicator of the plan (reported ones have no formula to drill into)."""
    ind = plan.indicator(code)
    if ind.kind != "computed" or not ind.formula:
        raise InputError(f"指标 {code}（{ind.name_zh}）为填报类指标，不能按地区计算",
                         column="indicator")
    return ind


def plan_values(store: StoreRef, plan_code: str, year: int | None = None,
                area: str | None = None) -> PlanValues:
    """Every computed indicator of the plan for ``area`` (default: the jurisdiction) in
    ``year`` (default: the store's last full year). An indicator over an area group of the
    plan is computed for its group when the area is the plan's own."""
    plan = get_plan(plan_code)
    with store_registry(store) as reg:
        where = area or reg.jurisdiction().code
        result = compute(reg, year, area=where, plan_code=plan.code)
    by_key = {(c.formula, c.area): c for c in result.indicators}
    rows: list[IndicatorValueRow] = []
    for ind in plan.computed_indicators():
        # As compute() chose: an area-group indicator of the plan's own area is computed
        # for its group.
        at = indicator_area(plan, ind) if ind.area_group and where == plan.area_code \
            else where
        hit = by_key.get((str(ind.formula), at))
        if hit is not None:
            rows.append(IndicatorValueRow(ind, hit))
    return PlanValues(plan, where, result.year, tuple(rows), result.scale_notes,
                      result.uncovered)


@dataclass(frozen=True)
class AreaValues:
    indicator: Indicator
    year: int
    level: str
    rows: tuple[tuple[str, str, ComputedIndicator], ...]  # code, name, value


def drill(store: StoreRef, plan_code: str, code: str, year: int | None = None,
          parent: str | None = None) -> AreaValues:
    """One indicator across the jurisdiction's areas, or across the 街镇 of ``parent``."""
    plan = get_plan(plan_code)
    ind = computed_indicator(plan, code)
    assert ind.formula is not None
    with store_registry(store) as reg:
        jurisdiction = reg.jurisdiction()
        when = year if year is not None else last_full_year(
            reg.data_through(), jurisdiction.census_date.year)
        if parent is not None and parent != jurisdiction.code and \
                parent not in jurisdiction.area_codes:
            raise InputError(f"parent 应为{jurisdiction.name}下辖的区县代码，实际为 {parent}",
                             column="parent")
        inside = area_list(jurisdiction, None if parent in (None, jurisdiction.code)
                           else parent)
        out = []
        for a in inside:
            result = compute(reg, when, area=a.code, formulas=[ind.formula])
            out.append((a.code, a.name, result.indicators[0]))
    level = inside[0].level if inside else "street"
    return AreaValues(ind, when, level, tuple(out))


@dataclass(frozen=True)
class Trajectory:
    indicator: Indicator
    area: str
    points: tuple[tuple[int, ComputedIndicator], ...]
    targets: tuple[tuple[int, str], ...]  # year, the target in words


def trajectory(store: StoreRef, plan_code: str, code: str, area: str | None = None,
               years: Sequence[int] | None = None) -> Trajectory:
    """One indicator of ``area`` year by year (default: from the plan's base year to the
    store's last full year), with the plan's targets for it."""
    plan = get_plan(plan_code)
    ind = computed_indicator(plan, code)
    assert ind.formula is not None
    with store_registry(store) as reg:
        jurisdiction = reg.jurisdiction()
        where = area or jurisdiction.code
        last = last_full_year(reg.data_through(), jurisdiction.census_date.year)
        span = list(years) if years else list(range(min(plan.period_start - 1, last),
                                                    last + 1))
        if len(span) > MAX_YEARS:
            raise InputError(f"年份跨度不能超过 {MAX_YEARS} 年", column="start")
        points = []
        for y in span:
            points.append((y, compute(reg, y, area=where, formulas=[ind.formula])
                           .indicators[0]))
    targets = tuple((t.year, target_text(TargetSpec.from_model(t), ind.unit))
                    for t in ind.targets)
    return Trajectory(ind, where, tuple(points), targets)


def department_indicators(plan: Plan, department: str) -> set[str]:
    """Codes of the plan's indicators ``department`` answers for."""
    return {i.code for i in plan.indicators if department in i.departments}
