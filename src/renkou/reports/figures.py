"""The figures of the evaluation report as data (图表数据): indicator trajectories against
their target paths, the projection fan of the resident population and the population
pyramid, built from a plan assessment; :mod:`renkou.reports.charts` draws them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from renkou.plans import Assessment, Indicator, Plan, PlanAssessment, is_computable, resolve

# Formulas drawn first as "trajectory vs target path" when the plan has them, in this
# order; the plan's other computed indicators follow in the plan's own order.
CHART_FORMULAS = ("resident_population", "life_expectancy_hukou", "life_expectancy", "imr",
                  "urbanisation_rate", "mean_schooling_16_59", "ageing_65_share", "tfr", "srb",
                  "childcare_places_per_1000")
RESIDENT_TOTAL = "resident_population"


@dataclass(frozen=True)
class TrajectoryChart:
    """Observed values against the straight path from baseline to target (进度对比图)."""

    code: str
    title: str
    unit: str
    years: tuple[int, ...]
    values: tuple[float, ...]
    baseline_year: int | None
    baseline_value: float | None
    target_year: int
    target_value: float | None
    target_low: float | None = None
    target_high: float | None = None


@dataclass(frozen=True)
class FanChart:
    """Projection fan of one indicator with the target line (预测扇形图)."""

    title: str
    unit: str
    observed_years: tuple[int, ...]
    observed: tuple[float, ...]
    years: tuple[int, ...]
    median: tuple[float, ...]
    bands: tuple[tuple[float, tuple[float, ...], tuple[float, ...]], ...]  # (level, lo, hi)
    target_year: int | None
    target_value: float | None
    method: str


@dataclass(frozen=True)
class Pyramid:
    """Population by sex and single age (人口金字塔), optionally with a projected outline."""

    title: str
    year: int
    male: tuple[float, ...]
    female: tuple[float, ...]
    projected_year: int | None = None
    projected_male: tuple[float, ...] = ()
    projected_female: tuple[float, ...] = ()


def formula_of(ind: Indicator) -> str | None:
    return resolve(ind.formula or "") if is_computable(ind.formula) else None


def total_assessment(pa: PlanAssessment, formula: str) -> Assessment | None:
    """The assessment of the plan area's total population of one caliber (the indicator
    computed by ``formula`` for the whole plan area, not for a group of areas)."""
    by_code = pa.by_code()
    for ind in pa.plan.indicators:
        if not ind.area_group and formula_of(ind) == formula and ind.code in by_code:
            return by_code[ind.code]
    return None


def _trajectory(pa: PlanAssessment, code: str) -> TrajectoryChart | None:
    a = pa.by_code().get(code)
    ind = next((i for i in pa.plan.indicators if i.code == code), None)
    if a is None or ind is None:
        return None
    series = pa.series.get(code, {})
    years = tuple(sorted(series))
    if len(years) < 2:
        return None
    target = next((t for t in ind.assessed_targets() if t.year == a.target_year), None)
    if target is None or target.comparator in ("increase", "decrease") or target.cumulative:
        return None
    return TrajectoryChart(code=code, title=ind.name_zh, unit=ind.unit, years=years,
                           values=tuple(series[y] for y in years),
                           baseline_year=a.baseline_year, baseline_value=a.baseline_value,
                           target_year=a.target_year, target_value=target.value,
                           target_low=target.low, target_high=target.high)


def trajectory_charts(pa: PlanAssessment) -> list[TrajectoryChart]:
    order = {f: i for i, f in enumerate(CHART_FORMULAS)}
    computed = [i for i in pa.plan.computed_indicators()
                if formula_of(i) is not None and not i.area_group]
    inds = sorted(computed, key=lambda i: (order.get(formula_of(i) or "", len(order)),
                                           computed.index(i)))
    out: list[TrajectoryChart] = []
    for ind in inds:
        chart = _trajectory(pa, ind.code)
        if chart is not None:
            out.append(chart)
    return out[:6]


def fan_chart(pa: PlanAssessment) -> FanChart | None:
    proj = pa.projection
    if proj is None:
        return None
    pop = total_assessment(pa, RESIDENT_TOTAL)
    fan = proj.fan("resident_population", (0.05, 0.25, 0.5, 0.75, 0.95))
    if fan is None:
        return None
    years = tuple(int(y) for y in proj.years)
    # Stock values at the reference date only; drop the extra step run for flow indicators.
    keep = slice(0, len(years) - 1) if len(years) > 2 else slice(None)
    obs_series = pa.series.get(pop.indicator_code, {}) if pop else {}
    return FanChart(
        title="常住人口预测", unit="万人", observed_years=tuple(sorted(obs_series)),
        observed=tuple(obs_series[y] for y in sorted(obs_series)), years=years[keep],
        median=tuple(float(x) for x in fan[0.5][keep]),
        bands=tuple((level, tuple(float(x) for x in fan[lo][keep]),
                     tuple(float(x) for x in fan[hi][keep]))
                    for level, lo, hi in ((0.9, 0.05, 0.95), (0.5, 0.25, 0.75))),
        target_year=pop.target_year if pop else None,
        target_value=_target_value(pa.plan, pop.indicator_code, pop.target_year) if pop
        else None,
        method=proj.method)


def _target_value(plan: Plan, code: str, year: int) -> float | None:
    ind = next((i for i in plan.indicators if i.code == code), None)
    target = ind.target_for(year) if ind else None
    return target.value if target else None


def population_pyramid(pa: PlanAssessment, male: Sequence[float], female: Sequence[float]
                       ) -> Pyramid | None:
    """The pyramid of the plan area in the assessment year (residents by sex and single age,
    the last age open) with the projected outline of the plan's last year; None when the
    population is empty."""
    if sum(male) + sum(female) <= 0:
        return None
    proj = pa.projection
    p_year = None
    pm: tuple[float, ...] = ()
    pf: tuple[float, ...] = ()
    if proj is not None:
        end = pa.plan.period_end if pa.plan.period_end in set(int(y) for y in proj.years) \
            else int(proj.years[-2])
        idx = int(np.nonzero(proj.years == end)[0][0])
        p_year = end
        pm = tuple(float(x) for x in proj.population[idx, 0])
        pf = tuple(float(x) for x in proj.population[idx, 1])
    return Pyramid(title=f"{pa.plan.area_name}常住人口年龄结构", year=pa.year,
                   male=tuple(float(x) for x in male),
                   female=tuple(float(x) for x in female), projected_year=p_year,
                   projected_male=pm, projected_female=pf)
