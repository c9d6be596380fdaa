"""Compute indicators from a store (按地区和年份计算指标): the use case behind ``renkou
indicators compute``.

An indicator is computed for an area and a year: the store's jurisdiction and its last full
year of data unless named. A plan's indicators of a group of areas (e.g. the share of one
zone) are computed for their group. Totals of a sampled (synthetic) store are scaled to
census totals as in the assessment; an area the store does not hold gets one plain reason
per indicator instead of zeros."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from renkou.app.assessment import (
    Scale,
    StoreRef,
    last_full_year,
    scale_arg,
    store_registry,
)
from renkou.plans import get_plan
from renkou.plans.coverage import UncoveredArea, uncovered_reason
from renkou.plans.formulas import IndicatorData
from renkou.plans.indicator_data import RegistryData
from renkou.plans.indicators import FORMULAS, IndicatorValue, compute_many
from renkou.plans.plan_assessment import indicator_area
from renkou.plans.population_scale import hukou_scale, resident_scale
from renkou.plans.storage import facility_counts
from renkou.registry import Registry


@dataclass(frozen=True)
class ComputedIndicator:
    """One formula for one area: its value, or why it has none."""

    formula: str
    area: str
    name: str  # the formula's Chinese name
    value: IndicatorValue | None
    error: str | None


@dataclass(frozen=True)
class IndicatorResults:
    area: str
    year: int
    indicators: tuple[ComputedIndicator, ...]
    scale_notes: tuple[str, ...]  # how totals were scaled (sampled store or a given factor)
    uncovered: str | None  # why the store cannot compute anything for ``area``
    synthetic: bool


def _wanted(area: str, formulas: Sequence[str], plan_code: str | None
            ) -> tuple[list[tuple[str, str]], int | None]:
    """(formula, area) pairs to compute, and the year whose published hukou figure scales
    hukou totals (the plan's base year, as the assessment uses)."""
    wanted: list[tuple[str, str]] = [(f, area) for f in dict.fromkeys(formulas)]
    hukou_year = None
    if plan_code:
        plan = get_plan(plan_code)
        hukou_year = plan.period_start - 1
        for ind in plan.computed_indicators():
            if not ind.formula:
                continue
            where = indicator_area(plan, ind) if ind.area_group and area == plan.area_code \
                else area
            if (ind.formula, where) not in wanted:
                wanted.append((ind.formula, where))
    if not wanted:
        wanted = [(f, area) for f in FORMULAS]
    return wanted, hukou_year


def _factors(registry: Registry, area: str, hukou_year: int, factor: float | None,
             covered: bool) -> tuple[dict[str, float], tuple[str, ...]]:
    """Scale factors of totals (``population_scale``, ``hukou_scale``) and their notes: the
    factor given, else (a sampled store) the census and published-hukou factors of a
    covered area, else none."""
    if factor is not None:
        notes = () if factor == 1.0 else (
            f"总量指标按指定的折算系数{factor:g}换算（常住、户籍口径相同）",)
        return {"population_scale": factor, "hukou_scale": factor}, notes
    if not covered:
        return {}, ()
    resident = resident_scale(registry, area)
    hukou = hukou_scale(registry, area, hukou_year, resident)
    return ({"population_scale": resident.value, "hukou_scale": hukou.value},
            tuple(f.describe() for f in (resident, hukou) if f.value != 1.0))


def compute(registry: StoreRef, year: int | None = None, *, area: str | None = None,
            formulas: Sequence[str] = (), plan_code: str | None = None,
            childcare_places: float | None = None, scale: Scale = None
            ) -> IndicatorResults:
    """Compute ``formulas`` (and, with ``plan_code``, every computed indicator of the plan;
    with neither, every formula) for ``area`` in ``year``. ``scale`` as in
    :func:`renkou.app.assessment.assess`."""
    with store_registry(registry) as reg:
        jurisdiction = reg.jurisdiction()
        synthetic = reg.provenance().synthetic
        where = area or jurisdiction.code
        when = year if year is not None else last_full_year(
            reg.data_through(), jurisdiction.census_date.year)
        wanted, hukou_year = _wanted(where, formulas, plan_code)
        reason = uncovered_reason(reg, where, when)
        extra, notes = _factors(reg, where, hukou_year or when, scale_arg(scale, synthetic),
                                reason is None)
        if childcare_places is not None:
            extra["childcare_places"] = childcare_places
        else:
            stored = facility_counts(reg, where).get("childcare_places", {})
            if when in stored:
                extra["childcare_places"] = stored[when]
        data = RegistryData(reg) if reason is None else cast(
            "IndicatorData", UncoveredArea(reason))
        out: list[ComputedIndicator] = []
        for at in dict.fromkeys(w for _f, w in wanted):
            names = [f for f, w in wanted if w == at]
            values, errors = compute_many(data, names, at, when, extra)
            for name in names:
                f = FORMULAS.get(name)
                out.append(ComputedIndicator(
                    formula=name, area=at, name=f.name_zh if f else name,
                    value=values.get(name),
                    error=None if name in values else errors.get(name, "")))
    return IndicatorResults(area=where, year=when, indicators=tuple(out),
                            scale_notes=notes,
                            uncovered=reason, synthetic=synthetic)
