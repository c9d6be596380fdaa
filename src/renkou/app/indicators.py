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

from renkou.app.assessment import Scale, last_full_year, scale_arg, scale_notes
from renkou.app.sample import sampled
from renkou.app.stores import StoreRef, store_registry
from renkou.plans import (
    FORMULAS,
    FormulaContext,
    IndicatorData,
    IndicatorValue,
    RegistryData,
    UncoveredArea,
    compute_many,
    facility_counts,
    get_plan,
    indicator_area,
    uncovered_reason,
)


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
        how = scale_arg(scale, synthetic)
        data: IndicatorData = cast("IndicatorData", UncoveredArea(reason)) if reason else \
            RegistryData(reg)
        notes: tuple[str, ...] = ()
        if reason is None and how is not None:
            sample = sampled(reg, where, hukou_year or when, None if how == "auto" else how)
            data, notes = sample, scale_notes(how, sample)
        if childcare_places is None:
            childcare_places = facility_counts(reg, where).get("childcare_places", {}).get(when)
        context = FormulaContext(childcare_places=childcare_places)
        out: list[ComputedIndicator] = []
        for at in dict.fromkeys(w for _f, w in wanted):
            names = [f for f, w in wanted if w == at]
            values, errors = compute_many(data, names, at, when, context)
            for name in names:
                f = FORMULAS.get(name)
                out.append(ComputedIndicator(
                    formula=name, area=at, name=f.name_zh if f else name,
                    value=values.get(name),
                    error=None if name in values else errors.get(name, "")))
    return IndicatorResults(area=where, year=when, indicators=tuple(out),
                            scale_notes=notes,
                            uncovered=reason, synthetic=synthetic)
