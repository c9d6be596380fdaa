"""Demographic rates and measures (人口学指标) from counts and exposures.

All functions take NumPy arrays with age on the last axis (single years unless stated) and
any leading axes (years, regions, trajectories); they return arrays of the leading shape.
Definitions follow the NBS conventions in docs/methods.md and the domain primer:
crude rates are per 1000 of the average of the start and end populations, dependency
ratios and shares are percentages, IMR per 1000 live births, MMR per 100,000 live births.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from renkou.types import FloatArray

FERTILE_AGES = (15, 49)


def _arr(x: FloatArray | float | list[float]) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def safe_ratio(num: FloatArray, den: FloatArray, scale: float = 1.0) -> FloatArray:
    """num/den·scale with NaN where the denominator is zero (undefined, not zero)."""
    n, d = np.broadcast_arrays(_arr(num), _arr(den))
    out = np.full(n.shape, np.nan)
    np.divide(n * scale, d, out=out, where=d != 0)
    return out


def age_specific_fertility_rates(births: FloatArray, women: FloatArray) -> FloatArray:
    """ASFR 分年龄生育率: births to women of each age ÷ women of that age (mid-year or
    person-years). NaN where there are no women."""
    return safe_ratio(births, women)


def total_fertility_rate(asfr: FloatArray, width: float = 1.0) -> FloatArray:
    """TFR 总和生育率 = width · Σ ASFR (width 5 for rates in 5-year groups)."""
    return _arr(width * np.sum(_arr(asfr), axis=-1))


def gross_reproduction_rate(asfr: FloatArray, srb: FloatArray | float,
                            width: float = 1.0) -> FloatArray:
    """GRR 粗再生育率 = TFR · female share of births; ``srb`` is males per female (e.g. 1.05)."""
    return _arr(total_fertility_rate(asfr, width) / (1.0 + _arr(srb)))


def net_reproduction_rate(asfr: FloatArray, srb: FloatArray | float, female_Lx: FloatArray,
                          radix: float = 1.0) -> FloatArray:
    """NRR 净再生育率 = Σ ASFR(x) · f/(1+srb) · L(x)/l0 over the fertile ages.

    ``female_Lx`` are the female person-years of the life table at the same ages as ``asfr``
    (e.g. ``LifeTable.Lx[15:50]`` for single years)."""
    ffab = 1.0 / (1.0 + _arr(srb))
    return _arr(np.sum(_arr(asfr) * _arr(female_Lx), axis=-1) * ffab / radix)


def mean_age_at_childbearing(asfr: FloatArray, ages: FloatArray | None = None,
                             width: float = 1.0) -> FloatArray:
    """Mean age at childbearing 平均生育年龄: Σ (x + width/2)·f(x) / Σ f(x).

    ``ages`` default to 15, 16, … (single years)."""
    f = _arr(asfr)
    x = (np.arange(FERTILE_AGES[0], FERTILE_AGES[0] + f.shape[-1] * width, width)
         if ages is None else _arr(ages))
    return safe_ratio(np.sum(f * (x + width / 2.0), axis=-1), np.sum(f, axis=-1))


def sex_ratio_at_birth(male_births: FloatArray, female_births: FloatArray,
                       per: float = 100.0) -> FloatArray:
    """出生人口性别比: male births per ``per`` female births (100 as NBS publishes it)."""
    return safe_ratio(male_births, female_births, per)


def average_population(start: FloatArray, end: FloatArray) -> FloatArray:
    """年平均人口: the mean of the start and end populations."""
    return _arr(0.5 * (_arr(start) + _arr(end)))


def crude_rate(events: FloatArray, pop_start: FloatArray, pop_end: FloatArray) -> FloatArray:
    """A crude rate in ‰: events ÷ average of start and end populations × 1000."""
    return safe_ratio(events, average_population(pop_start, pop_end), 1000.0)


def crude_birth_rate(births: FloatArray, pop_start: FloatArray,
                     pop_end: FloatArray) -> FloatArray:
    """出生率 (‰)."""
    return crude_rate(births, pop_start, pop_end)


def crude_death_rate(deaths: FloatArray, pop_start: FloatArray,
                     pop_end: FloatArray) -> FloatArray:
    """死亡率 (‰)."""
    return crude_rate(deaths, pop_start, pop_end)


def natural_growth_rate(births: FloatArray, deaths: FloatArray, pop_start: FloatArray,
                        pop_end: FloatArray) -> FloatArray:
    """人口自然增长率 (‰) = 出生率 − 死亡率."""
    return crude_rate(_arr(births) - _arr(deaths), pop_start, pop_end)


def age_specific_death_rates(deaths: FloatArray, exposure: FloatArray) -> FloatArray:
    """ASDR (nMx) 分年龄死亡率: deaths ÷ person-years (or mid-year population)."""
    return safe_ratio(deaths, exposure)


def infant_mortality_rate(infant_deaths: FloatArray, live_births: FloatArray) -> FloatArray:
    """婴儿死亡率 (‰): deaths under age one ÷ live births × 1000."""
    return safe_ratio(infant_deaths, live_births, 1000.0)


def maternal_mortality_ratio(maternal_deaths: FloatArray,
                             live_births: FloatArray) -> FloatArray:
    """孕产妇死亡率 (1/10万): maternal deaths ÷ live births × 100,000."""
    return safe_ratio(maternal_deaths, live_births, 100_000.0)


def _sum_ages(pop: FloatArray, lo: int, hi: int | None = None) -> FloatArray:
    """Σ population at single ages lo..hi inclusive (hi None: to the open group)."""
    p = _arr(pop)
    stop = None if hi is None else hi + 1
    return _arr(np.sum(p[..., lo:stop], axis=-1))


DependencyBase = Literal["15-64", "15-59"]


@dataclass(frozen=True)
class DependencyRatios:
    """抚养比 (%): young 少儿, old 老年, total 总 on the stated working-age base."""

    base: DependencyBase
    young: FloatArray
    old: FloatArray
    total: FloatArray


def dependency_ratios(pop: FloatArray, base: DependencyBase = "15-64") -> DependencyRatios:
    """Dependency ratios from single-year population (age last axis, open group last).

    Base 15–64 (NBS, UN): 0–14 and 65+ over 15–64. Base 15–59 (used in some Chinese plans):
    0–14 and 60+ over 15–59. Percent."""
    top = 64 if base == "15-64" else 59
    if base not in ("15-64", "15-59"):
        raise ValueError("base must be '15-64' or '15-59'")
    young = _sum_ages(pop, 0, 14)
    work = _sum_ages(pop, 15, top)
    old = _sum_ages(pop, top + 1)
    return DependencyRatios(base=base, young=safe_ratio(young, work, 100.0),
                            old=safe_ratio(old, work, 100.0),
                            total=safe_ratio(young + old, work, 100.0))


AGE_SHARE_GROUPS: dict[str, tuple[int, int | None]] = {
    "share_0_14": (0, 14),
    "share_15_59": (15, 59),
    "share_15_64": (15, 64),
    "share_60_plus": (60, None),
    "share_65_plus": (65, None),
    "share_80_plus": (80, None),
}


def age_shares(pop: FloatArray) -> dict[str, FloatArray]:
    """Shares (%) of the groups in :data:`AGE_SHARE_GROUPS` in the total population."""
    total = np.sum(_arr(pop), axis=-1)
    return {name: safe_ratio(_sum_ages(pop, lo, hi), total, 100.0)
            for name, (lo, hi) in AGE_SHARE_GROUPS.items()}


def median_age(pop: FloatArray) -> FloatArray:
    """年龄中位数, single-year ages with people spread evenly within each year of age:
    x + (N/2 − people younger than x) / P(x) for the age x holding the middle person.
    NaN for an empty population; the open group is treated as one year wide."""
    p = _arr(pop)
    cum = np.cumsum(p, axis=-1)
    half = cum[..., -1:] / 2.0
    idx = np.argmax(cum >= half, axis=-1)[..., None]
    below = np.take_along_axis(cum - p, idx, axis=-1)
    at = np.take_along_axis(p, idx, axis=-1)
    med = (idx + np.divide(half - below, at, out=np.zeros(at.shape), where=at > 0))[..., 0]
    return np.where(cum[..., -1] > 0, med, np.nan)


# Years of schooling per attainment level as NBS uses them (受教育程度折算受教育年限).
SCHOOLING_YEARS: dict[str, float] = {
    "未上过学": 0.0,
    "小学": 6.0,
    "初中": 9.0,
    "高中": 12.0,  # 含中专
    "大学专科": 15.0,
    "大学本科": 16.0,
    "研究生": 19.0,
}
SCHOOLING_ALIASES: dict[str, str] = {
    "none": "未上过学", "primary": "小学", "junior_secondary": "初中",
    "senior_secondary": "高中", "中专": "高中", "高中（含中专）": "高中", "专科": "大学专科",
    "associate": "大学专科", "本科": "大学本科", "bachelor": "大学本科", "postgraduate": "研究生",
    "硕士": "研究生", "博士": "研究生",
}


def schooling_years(level: str) -> float:
    """Years of schooling for an attainment level name (Chinese or English alias)."""
    key = SCHOOLING_ALIASES.get(level.strip(), level.strip())
    if key not in SCHOOLING_YEARS:
        raise KeyError(f"unknown attainment level {level!r}")
    return SCHOOLING_YEARS[key]


def mean_years_of_schooling(counts: dict[str, FloatArray | float]) -> FloatArray:
    """平均受教育年限 = Σ people at each level × years ÷ people (the age group is the
    caller's choice: 15+ for the whole population, 16–59 for the working ages)."""
    if not counts:
        raise ValueError("no attainment levels given")
    num = sum(_arr(v) * schooling_years(k) for k, v in counts.items())
    den = sum(_arr(v) for v in counts.values())
    return safe_ratio(_arr(num), _arr(den))
