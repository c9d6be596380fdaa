"""Formulas of the computable plan indicators (指标计算公式), one function per indicator.

Each function takes the data source (:class:`IndicatorData`), an area, a year and the
:class:`FormulaContext` (the plan's base year, facility counts) and returns the value in the
plan's unit. An area is a division code or an area group of the store's jurisdiction
(:func:`renkou.plans.model.areas.group_area`). Counts are read as the data source gives them: a
sampled store is scaled to census totals by wrapping its data source, never here. Counts
come from the registry, rates and life tables from the demography core. Conventions
(domain primer, NBS): rates per year over the average population (mean of the populations at
the end of the previous year and at the end of the year); structure indicators on the
population at the end of the year (31 Dec); the resident (常住) caliber unless the name says
``hukou``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from renkou.demography import rates
from renkou.demography.lifetable import life_table
from renkou.errors import InputError
from renkou.plans.model.areas import group_area
from renkou.types import OPEN_AGE, FloatArray

NAGES = OPEN_AGE + 1


@dataclass(frozen=True)
class FormulaContext:
    """What a formula needs besides the data source: the end of ``base_year`` is the base of
    changes "since the plan began"; ``childcare_places`` the real count of 托位 in the area
    and year (a facility count departments report)."""

    base_year: int | None = None
    childcare_places: float | None = None


class IndicatorData(Protocol):
    """What the engine needs from the data layer, as arrays for one area.

    Populations are (2, 101) arrays (male, female) by single age 0…100+ at a date."""

    def population(self, as_of: dt.date, caliber: str, area: str) -> FloatArray: ...

    def births_by_mother_age(self, year: int, area: str, caliber: str = "all"
                             ) -> FloatArray:
        """Births by mother's age 0…100: all births in the area, or (``hukou``) births to
        mothers whose hukou is in the area on the birth date."""
        ...

    def births_by_sex(self, year: int, area: str, caliber: str = "all") -> FloatArray:
        """Births (male, female), caliber as :meth:`births_by_mother_age`."""
        ...

    def deaths(self, year: int, area: str, caliber: str = "all") -> FloatArray:
        """Deaths by sex and age: all deaths in the area, or (``hukou``) deaths of its
        hukou registrants."""
        ...

    def attainment(self, as_of: dt.date, area: str) -> Mapping[tuple[int, str], float]:
        """People by (age, education level) at a date, both sexes."""
        ...

    def urban(self, as_of: dt.date, area: str, caliber: str = "resident"
              ) -> tuple[float, float]:
        """(urban, all) people of the caliber (resident or hukou) at a date."""
        ...

    def separation(self, as_of: dt.date, area: str) -> Mapping[str, float]:
        """人户分离 residents by kind (same_district / other_district / outside_city)."""
        ...

    def flows(self, year: int, area: str) -> Mapping[str, float]:
        """Moves across the area's boundary in the year by kind (hukou_in, hukou_out,
        residence_arrival, residence_departure); moves within the area are not counted."""
        ...


def year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def _avg_population(data: IndicatorData, area: str, year: int, caliber: str = "resident"
                    ) -> FloatArray:
    start = data.population(year_end(year - 1), caliber, area)
    end = data.population(year_end(year), caliber, area)
    return np.asarray((start + end) / 2.0, dtype=np.float64)


def _safe_div(num: float, den: float, what: str) -> float:
    if den <= 0:
        raise InputError(f"无法计算{what}：分母为零（该地区该年没有相应数据）")
    return num / den


def _defined(x: FloatArray | float, what: str) -> float:
    """A scalar from the demography core; NaN (zero denominator) becomes an InputError."""
    v = float(np.asarray(x))
    if not np.isfinite(v):
        raise InputError(f"无法计算{what}：分母为零（该地区该年没有相应数据）")
    return v


# -- formulas -------------------------------------------------------------------------


Compute = Callable[[IndicatorData, str, int, FormulaContext], float]


def _present(count: float, area: str, year: int) -> float:
    """A total of zero people means the registry holds no data for the area."""
    if count <= 0:
        raise InputError(f"人口基础信息库中没有地区 {area} 在 {year} 年末的人口数据")
    return count


def total_population(caliber: str) -> Compute:
    def population_total(data: IndicatorData, area: str, year: int, ctx: FormulaContext
                         ) -> float:
        count = _present(float(data.population(year_end(year), caliber, area).sum()), area,
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
        now = _present(float(data.population(year_end(year), caliber, area).sum()), area, year)
        then = _present(float(data.population(year_end(base), caliber, area).sum()), area,
                        base)
        if pct:
            return _safe_div(now - then, then, "人口增长率") * 100.0
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
                                  _avg_population(data, area, year, "resident").sum(axis=0))
        deaths = data.deaths(year, area, caliber)
        return e0_from_counts(deaths.sum(axis=0),
                              _avg_population(data, area, year, caliber).sum(axis=0))
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
    women = _avg_population(data, area, year)[1][15:50]
    if women.sum() <= 0:
        raise InputError("无法计算总和生育率：15–49岁妇女人数为零")
    # An age without women (tiny areas) contributes no rate rather than NaN.
    asfr = np.nan_to_num(rates.age_specific_fertility_rates(births, women))
    return _defined(rates.total_fertility_rate(asfr), "总和生育率")


def srb(data: IndicatorData, area: str, year: int, ctx: FormulaContext) -> float:
    b = data.births_by_sex(year, area)
    return _defined(rates.sex_ratio_at_birth(b[0], b[1]), "出生人口性别比")


def imr(data: IndicatorData, area: str, year: int, ctx: FormulaContext) -> float:
    infant = data.deaths(year, area)[:, 0].sum()
    births = data.births_by_sex(year, area).sum()
    return _defined(rates.infant_mortality_rate(infant, births), "婴儿死亡率")


def _pop_ends(data: IndicatorData, area: str, year: int) -> tuple[FloatArray, FloatArray]:
    start = np.asarray(data.population(year_end(year - 1), "resident", area).sum())
    end = np.asarray(data.population(year_end(year), "resident", area).sum())
    return start, end


def birth_rate(data: IndicatorData, area: str, year: int, ctx: FormulaContext) -> float:
    b = data.births_by_sex(year, area).sum()
    return _defined(rates.crude_birth_rate(b, *_pop_ends(data, area, year)), "出生率")


def death_rate(data: IndicatorData, area: str, year: int, ctx: FormulaContext) -> float:
    d = data.deaths(year, area).sum()
    return _defined(rates.crude_death_rate(d, *_pop_ends(data, area, year)), "死亡率")


def natural_increase_rate(data: IndicatorData, area: str, year: int,
                          ctx: FormulaContext) -> float:
    b = data.births_by_sex(year, area).sum()
    d = data.deaths(year, area).sum()
    return _defined(rates.natural_growth_rate(b, d, *_pop_ends(data, area, year)),
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
    return _defined(rates.natural_growth_rate(np.asarray(b), np.asarray(d), start, end),
                    "户籍人口自然增长率")


def age_share(lo: int) -> Compute:
    key = {60: "share_60_plus", 65: "share_65_plus", 80: "share_80_plus"}[lo]

    def share_aged(data: IndicatorData, area: str, year: int, ctx: FormulaContext) -> float:
        p = data.population(year_end(year), "resident", area).sum(axis=0)
        return _defined(rates.age_shares(p)[key], "老龄化比重")
    return share_aged


def age_band_share(lo: int, hi: int
                    ) -> Compute:
    def share_of_band(data: IndicatorData, area: str, year: int, ctx: FormulaContext
                      ) -> float:
        p = data.population(year_end(year), "resident", area).sum(axis=0)
        return _safe_div(float(p[lo:hi + 1].sum()), float(p.sum()), "年龄组比重") * 100.0
    return share_of_band


def working_age_population(data: IndicatorData, area: str, year: int,
                           ctx: FormulaContext) -> float:
    """15—64岁劳动年龄人口 (万人); an area without residents has no value, not 0."""
    p = data.population(year_end(year), "resident", area).sum(axis=0)
    _present(float(p.sum()), area, year)
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
        return _safe_div(num, den, "大专及以上学历比重") * 100.0
    return share_tertiary


def dependency(kind: str) -> Compute:
    def dependency_ratio(data: IndicatorData, area: str, year: int, ctx: FormulaContext
                         ) -> float:
        p = data.population(year_end(year), "resident", area).sum(axis=0)
        dep = rates.dependency_ratios(p, "15-64")
        return _defined({"child": dep.young, "old": dep.old, "total": dep.total}[kind], "抚养比")
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
        return _defined(rates.mean_years_of_schooling(dict(by_level)), "平均受教育年限")
    except KeyError as exc:
        raise InputError(f"未知的受教育程度：{exc}") from None


def urbanisation(data: IndicatorData, area: str, year: int, ctx: FormulaContext
                 ) -> float:
    urban, total = data.urban(year_end(year), area)
    return _safe_div(urban, total, "常住人口城镇化率") * 100.0


def urbanisation_hukou(data: IndicatorData, area: str, year: int, ctx: FormulaContext
                       ) -> float:
    """户籍人口城镇化率: hukou registrants whose hukou street is urban ÷ all registrants."""
    urban, total = data.urban(year_end(year), area, "hukou")
    return _safe_div(urban, total, "户籍人口城镇化率") * 100.0


def group_share(group: str
                 ) -> Compute:
    """Residents of the jurisdiction's area group ``group`` ÷ residents of ``area`` (the
    whole jurisdiction) × 100."""
    def share_of_group(data: IndicatorData, area: str, year: int, ctx: FormulaContext
                       ) -> float:
        when = year_end(year)
        part = float(data.population(when, "resident", group_area(group)).sum())
        total = float(data.population(when, "resident", area).sum())
        return _safe_div(part, total, "分区人口比重") * 100.0
    return share_of_group


def separation_share(kinds: tuple[str, ...]
                ) -> Compute:
    def share_separated(data: IndicatorData, area: str, year: int, ctx: FormulaContext
                        ) -> float:
        when = year_end(year)
        sep = data.separation(when, area)
        total = float(data.population(when, "resident", area).sum())
        return _safe_div(sum(float(sep.get(k, 0.0)) for k in kinds), total, "人户分离比重") * 100
    return share_separated


def childcare_per_1000(data: IndicatorData, area: str, year: int, ctx: FormulaContext
                       ) -> float:
    if ctx.childcare_places is None:
        raise InputError("计算每千人口托位数需要提供托位数（childcare_places）")
    total = float(data.population(year_end(year), "resident", area).sum())
    return _safe_div(ctx.childcare_places, total, "每千人口托位数") * 1000.0
