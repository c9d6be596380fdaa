"""Formulas of the computable plan indicators (指标计算公式), one function per indicator.

Each function takes the data source (:class:`IndicatorData`), an area, a year and the
:class:`FormulaContext` (the plan's base year, facility counts) and returns the value in the
plan's unit. An area is a division code or an area group of the store's jurisdiction
(:func:`renkou.plans.model.areas.group_area`). Counts are read as the data source gives
them: a sampled store is scaled to census totals by wrapping its data source, never here.
Counts come from the registry, rates and life tables from the demography core. Conventions
(NBS): rates per year over the average population (mean of the populations at
the end of the previous year and at the end of the year); structure indicators on the
population at the end of the year (31 Dec); the resident (常住) caliber unless the name says
``hukou``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from renkou.demography import rates
from renkou.demography.lifetable import life_table
from renkou.errors import InputError
from renkou.plans.formulas.protocol import (
    Compute,
    FormulaContext,
    IndicatorData,
    avg_population,
    defined,
    present,
    safe_div,
    year_end,
)
from renkou.plans.model.areas import group_area
from renkou.types import FloatArray


def total_population(caliber: str) -> Compute:
    def population_total(data: IndicatorData, area: str, year: int, ctx: FormulaContext
                         ) -> float:
        count = present(float(data.population(year_end(year), caliber, area).sum()), area,
                         year)
        return count / 1e4
    return population_total


def growth(caliber: str, pct: bool
            ) -> Compute:
    """Change since the end of the base year (``ctx.base_year``): 万人, or per cent of the
    base-year population."""
    def change_since_base(data: IndicatorData, area: str, year: int, ctx: FormulaContext
                          ) -> float:
        if ctx.base_year is None:
            raise InputError("计算较基期的增长需要基期年份（规划期起始年的上一年）")
        base = ctx.base_year
        now = present(float(data.population(year_end(year), caliber, area).sum()), area, year)
        then = present(float(data.population(year_end(base), caliber, area).sum()), area,
                        base)
        if pct:
            return safe_div(now - then, then, "人口增长率") * 100.0
        return (now - then) / 1e4
    return change_since_base


def life_expectancy(caliber: str
                     ) -> Compute:
    """e0 of the area: deaths in the area over the average resident population, or for
    the hukou caliber deaths of the area's hukou registrants over the average hukou
    population (户籍人口人均预期寿命, the caliber plans state their e0 targets in)."""
    def e0_of_area(data: IndicatorData, area: str, year: int, ctx: FormulaContext) -> float:
        if caliber == "resident":
            deaths = data.deaths(year, area)
            return e0_from_counts(deaths.sum(axis=0),
                                  avg_population(data, area, year, "resident").sum(axis=0))
        deaths = data.deaths(year, area, caliber)
        return e0_from_counts(deaths.sum(axis=0),
                              avg_population(data, area, year, caliber).sum(axis=0))
    return e0_of_area


def e0_from_counts(deaths: FloatArray, exposure: FloatArray) -> float:
    """Life expectancy at birth from deaths and exposures by single age (both sexes).

    Ages without exposure are dropped into the next populated age; the open interval needs
    at least one death (otherwise the last observed rate is carried)."""
    d = np.asarray(deaths, dtype=np.float64)
    p = np.asarray(exposure, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        mx = np.where(p > 0, d / np.where(p > 0, p, 1.0), 0.0)
    if p.sum() <= 0 or d.sum() <= 0:
        raise InputError("无法计算人均预期寿命：缺少死亡或人口数据")
    # Small areas: close the table at the oldest age with deaths if the open age has none.
    last = int(np.nonzero(mx > 0)[0].max())
    mx = mx[: last + 1]
    return float(life_table(mx, sex="total").e0)


# Formulas whose value is already a running total since the base year: cumulative targets
# compare the value itself, never a sum of yearly values.
RUNNING_TOTALS = frozenset({"hukou_net_growth", "resident_net_growth"})


def tfr(data: IndicatorData, area: str, year: int, ctx: FormulaContext) -> float:
    births = data.births_by_mother_age(year, area)[15:50]
    women = avg_population(data, area, year)[1][15:50]
    if women.sum() <= 0:
        raise InputError("无法计算总和生育率：15–49岁妇女人数为零")
    # An age without women (tiny areas) contributes no rate rather than NaN.
    asfr = np.nan_to_num(rates.age_specific_fertility_rates(births, women))
    return defined(rates.total_fertility_rate(asfr), "总和生育率")


def srb(data: IndicatorData, area: str, year: int, ctx: FormulaContext) -> float:
    b = data.births_by_sex(year, area)
    return defined(rates.sex_ratio_at_birth(b[0], b[1]), "出生人口性别比")


def imr(data: IndicatorData, area: str, year: int, ctx: FormulaContext) -> float:
    infant = data.deaths(year, area)[:, 0].sum()
    births = data.births_by_sex(year, area).sum()
    return defined(rates.infant_mortality_rate(infant, births), "婴儿死亡率")


def _pop_ends(data: IndicatorData, area: str, year: int) -> tuple[FloatArray, FloatArray]:
    start = np.asarray(data.population(year_end(year - 1), "resident", area).sum())
    end = np.asarray(data.population(year_end(year), "resident", area).sum())
    return start, end


def birth_rate(data: IndicatorData, area: str, year: int, ctx: FormulaContext) -> float:
    b = data.births_by_sex(year, area).sum()
    return defined(rates.crude_birth_rate(b, *_pop_ends(data, area, year)), "出生率")


def death_rate(data: IndicatorData, area: str, year: int, ctx: FormulaContext) -> float:
    d = data.deaths(year, area).sum()
    return defined(rates.crude_death_rate(d, *_pop_ends(data, area, year)), "死亡率")


def natural_increase_rate(data: IndicatorData, area: str, year: int,
                          ctx: FormulaContext) -> float:
    b = data.births_by_sex(year, area).sum()
    d = data.deaths(year, area).sum()
    return defined(rates.natural_growth_rate(b, d, *_pop_ends(data, area, year)),
                    "人口自然增长率")


def natural_increase_rate_hukou(data: IndicatorData, area: str, year: int,
                                ctx: FormulaContext) -> float:
    """户籍人口自然增长率: births to mothers whose hukou is in the area on the birth date and
    deaths of the area's hukou registrants (at the hukou street held when dying), over the
    average hukou population."""
    b = float(data.births_by_sex(year, area, "hukou").sum())
    d = float(data.deaths(year, area, "hukou").sum())
    start = np.asarray(data.population(year_end(year - 1), "hukou", area).sum())
    end = np.asarray(data.population(year_end(year), "hukou", area).sum())
    return defined(rates.natural_growth_rate(np.asarray(b), np.asarray(d), start, end),
                    "户籍人口自然增长率")


def age_share(lo: int) -> Compute:
    key = {60: "share_60_plus", 65: "share_65_plus", 80: "share_80_plus"}[lo]

    def share_aged(data: IndicatorData, area: str, year: int, ctx: FormulaContext) -> float:
        p = data.population(year_end(year), "resident", area).sum(axis=0)
        return defined(rates.age_shares(p)[key], "老龄化比重")
    return share_aged


def age_band_share(lo: int, hi: int
                    ) -> Compute:
    def share_of_band(data: IndicatorData, area: str, year: int, ctx: FormulaContext
                      ) -> float:
        p = data.population(year_end(year), "resident", area).sum(axis=0)
        return safe_div(float(p[lo:hi + 1].sum()), float(p.sum()), "年龄组比重") * 100.0
    return share_of_band


def working_age_population(data: IndicatorData, area: str, year: int,
                           ctx: FormulaContext) -> float:
    """15—64岁劳动年龄人口 (万人); an area without residents has no value, not 0."""
    p = data.population(year_end(year), "resident", area).sum(axis=0)
    present(float(p.sum()), area, year)
    return float(p[15:65].sum()) / 1e4


def tertiary_share(lo: int, hi: int | None
              ) -> Compute:
    def share_tertiary(data: IndicatorData, area: str, year: int, ctx: FormulaContext
                       ) -> float:
        counts = data.attainment(year_end(year), area)
        num = den = 0.0
        for (age, level), n in counts.items():
            if age < lo or (hi is not None and age > hi):
                continue
            den += n
            if level in ("大学专科", "大学本科", "研究生"):
                num += n
        return safe_div(num, den, "大专及以上学历比重") * 100.0
    return share_tertiary


def dependency(kind: str) -> Compute:
    def dependency_ratio(data: IndicatorData, area: str, year: int, ctx: FormulaContext
                         ) -> float:
        p = data.population(year_end(year), "resident", area).sum(axis=0)
        dep = rates.dependency_ratios(p, "15-64")
        return defined({"child": dep.young, "old": dep.old, "total": dep.total}[kind], "抚养比")
    return dependency_ratio


def schooling(lo: int, hi: int | None
               ) -> Compute:
    def years_of_schooling(data: IndicatorData, area: str, year: int, ctx: FormulaContext
                           ) -> float:
        return mean_years_of_schooling(data.attainment(year_end(year), area), lo, hi)
    return years_of_schooling


def mean_years_of_schooling(counts: Mapping[tuple[int, str], float], lo: int, hi: int | None
                            ) -> float:
    """Σ people × years for their level ÷ people, over ages lo…hi (hi None = open); the
    years per level are the demography core's (NBS)."""
    by_level: dict[str, float] = {}
    for (age, level), n in counts.items():
        if age < lo or (hi is not None and age > hi):
            continue
        by_level[level] = by_level.get(level, 0.0) + n
    if not by_level:
        raise InputError("无法计算平均受教育年限：该年龄组没有受教育程度数据")
    try:
        return defined(rates.mean_years_of_schooling(dict(by_level)), "平均受教育年限")
    except KeyError as exc:
        raise InputError(f"未知的受教育程度：{exc}") from None


def urbanisation(data: IndicatorData, area: str, year: int, ctx: FormulaContext
                 ) -> float:
    urban, total = data.urban(year_end(year), area)
    return safe_div(urban, total, "常住人口城镇化率") * 100.0


def urbanisation_hukou(data: IndicatorData, area: str, year: int, ctx: FormulaContext
                       ) -> float:
    """户籍人口城镇化率: hukou registrants whose hukou street is urban ÷ all registrants."""
    urban, total = data.urban(year_end(year), area, "hukou")
    return safe_div(urban, total, "户籍人口城镇化率") * 100.0


def group_share(group: str
                 ) -> Compute:
    """Residents of the jurisdiction's area group ``group`` ÷ residents of ``area`` (the
    whole jurisdiction) × 100."""
    def share_of_group(data: IndicatorData, area: str, year: int, ctx: FormulaContext
                       ) -> float:
        when = year_end(year)
        part = float(data.population(when, "resident", group_area(group)).sum())
        total = float(data.population(when, "resident", area).sum())
        return safe_div(part, total, "分区人口比重") * 100.0
    return share_of_group


def separation_share(kinds: tuple[str, ...]
                ) -> Compute:
    def share_separated(data: IndicatorData, area: str, year: int, ctx: FormulaContext
                        ) -> float:
        when = year_end(year)
        sep = data.separation(when, area)
        total = float(data.population(when, "resident", area).sum())
        return safe_div(sum(float(sep.get(k, 0.0)) for k in kinds), total, "人户分离比重") * 100
    return share_separated


def childcare_per_1000(data: IndicatorData, area: str, year: int, ctx: FormulaContext
                       ) -> float:
    if ctx.childcare_places is None:
        raise InputError("计算每千人口托位数需要提供托位数（childcare_places）")
    total = float(data.population(year_end(year), "resident", area).sum())
    return safe_div(ctx.childcare_places, total, "每千人口托位数") * 1000.0
