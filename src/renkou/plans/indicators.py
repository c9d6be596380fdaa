"""Indicator engine (指标计算引擎): every computable plan indicator for an area and a year.

Counts come from the registry (:class:`IndicatorData`, implemented over
``renkou.registry.Registry`` by :class:`RegistryData`); rates and life tables come from the
demography core. Formulas follow shared/domain-primer.md (NBS conventions):

* rates per year use the **average population** of the year = mean of the populations at
  the end of the previous year and at the end of the year (31 Dec);
* structure indicators (shares, dependency ratios, mean years of schooling) use the
  population at the end of the year;
* the resident (常住) caliber unless the formula name says otherwise (``*_hukou``).

Each value carries its source and reference date (:class:`IndicatorValue`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from renkou.demography.lifetable import life_table
from renkou.errors import InputError
from renkou.regions import TIANJIN, gazetteer
from renkou.types import FloatArray

OPEN_AGE = 100
NAGES = OPEN_AGE + 1

# Years of schooling per attainment level (domain primer, NBS 平均受教育年限).
SCHOOL_YEARS: dict[str, float] = {
    "未上过学": 0.0, "学前教育": 0.0, "小学": 6.0, "初中": 9.0, "高中": 12.0, "中专": 12.0,
    "高中（含中专）": 12.0, "大学专科": 15.0, "大学本科": 16.0, "研究生": 19.0,
}


class IndicatorData(Protocol):
    """What the engine needs from the data layer, as arrays for one area.

    Populations are (2, 101) arrays (male, female) by single age 0…100+ at a date."""

    def population(self, as_of: dt.date, caliber: str, area: str) -> FloatArray: ...

    def births_by_mother_age(self, year: int, area: str) -> FloatArray: ...

    def births_by_sex(self, year: int, area: str) -> FloatArray: ...

    def deaths(self, year: int, area: str) -> FloatArray: ...

    def attainment(self, as_of: dt.date, area: str) -> Mapping[tuple[int, str], float]:
        """People by (age, education level) at a date, both sexes."""
        ...

    def urban(self, as_of: dt.date, area: str) -> tuple[float, float]:
        """(urban residents, all residents) at a date."""
        ...

    def separation(self, as_of: dt.date, area: str) -> Mapping[str, float]:
        """人户分离 residents by kind (same_district / other_district / outside_city)."""
        ...


@dataclass(frozen=True)
class IndicatorValue:
    """A computed indicator value (指标计算值) with its provenance."""

    formula: str
    area: str
    year: int
    value: float
    unit: str
    source: str
    as_of: dt.date
    method: str = ""


@dataclass(frozen=True)
class Formula:
    """One computable indicator: Chinese name, unit, and the function computing it."""

    name_zh: str
    unit: str
    method: str
    compute: Callable[[IndicatorData, str, int, Mapping[str, float]], float]
    needs: tuple[str, ...] = field(default_factory=tuple)  # extra inputs, e.g. facility counts


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


# -- formulas -------------------------------------------------------------------------


def _total(caliber: str) -> Callable[[IndicatorData, str, int, Mapping[str, float]], float]:
    def f(data: IndicatorData, area: str, year: int, extra: Mapping[str, float]) -> float:
        return float(data.population(year_end(year), caliber, area).sum()) / 1e4
    return f


def _growth(caliber: str, pct: bool
            ) -> Callable[[IndicatorData, str, int, Mapping[str, float]], float]:
    """Change since the end of the base year (``extra["base_year"]``, default 2020): 万人,
    or per cent of the base-year population."""
    def f(data: IndicatorData, area: str, year: int, extra: Mapping[str, float]) -> float:
        base = int(extra.get("base_year", 2020))
        now = float(data.population(year_end(year), caliber, area).sum())
        then = float(data.population(year_end(base), caliber, area).sum())
        if pct:
            return _safe_div(now - then, then, "人口增长率") * 100.0
        return (now - then) / 1e4
    return f


def _life_expectancy(caliber: str
                     ) -> Callable[[IndicatorData, str, int, Mapping[str, float]], float]:
    def f(data: IndicatorData, area: str, year: int, extra: Mapping[str, float]) -> float:
        deaths = data.deaths(year, area).sum(axis=0)
        exposure = _avg_population(data, area, year, caliber).sum(axis=0)
        return e0_from_counts(deaths, exposure)
    return f


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


def tfr(data: IndicatorData, area: str, year: int, extra: Mapping[str, float]) -> float:
    births = data.births_by_mother_age(year, area)
    women = _avg_population(data, area, year)[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        asfr = np.where(women > 0, births / np.where(women > 0, women, 1.0), 0.0)
    if women[15:50].sum() <= 0:
        raise InputError("无法计算总和生育率：15–49岁妇女人数为零")
    return float(asfr[15:50].sum())


def srb(data: IndicatorData, area: str, year: int, extra: Mapping[str, float]) -> float:
    b = data.births_by_sex(year, area)
    return _safe_div(float(b[0]), float(b[1]), "出生人口性别比") * 100.0


def imr(data: IndicatorData, area: str, year: int, extra: Mapping[str, float]) -> float:
    infant = float(data.deaths(year, area)[:, 0].sum())
    births = float(data.births_by_sex(year, area).sum())
    return _safe_div(infant, births, "婴儿死亡率") * 1000.0


def birth_rate(data: IndicatorData, area: str, year: int, extra: Mapping[str, float]) -> float:
    b = float(data.births_by_sex(year, area).sum())
    return _safe_div(b, float(_avg_population(data, area, year).sum()), "出生率") * 1000.0


def death_rate(data: IndicatorData, area: str, year: int, extra: Mapping[str, float]) -> float:
    d = float(data.deaths(year, area).sum())
    return _safe_div(d, float(_avg_population(data, area, year).sum()), "死亡率") * 1000.0


def natural_increase_rate(data: IndicatorData, area: str, year: int,
                          extra: Mapping[str, float]) -> float:
    return birth_rate(data, area, year, extra) - death_rate(data, area, year, extra)


def _age_share(lo: int) -> Callable[[IndicatorData, str, int, Mapping[str, float]], float]:
    def f(data: IndicatorData, area: str, year: int, extra: Mapping[str, float]) -> float:
        p = data.population(year_end(year), "resident", area).sum(axis=0)
        return _safe_div(float(p[lo:].sum()), float(p.sum()), "老龄化比重") * 100.0
    return f


def _age_band_share(lo: int, hi: int
                    ) -> Callable[[IndicatorData, str, int, Mapping[str, float]], float]:
    def f(data: IndicatorData, area: str, year: int, extra: Mapping[str, float]) -> float:
        p = data.population(year_end(year), "resident", area).sum(axis=0)
        return _safe_div(float(p[lo:hi + 1].sum()), float(p.sum()), "年龄组比重") * 100.0
    return f


def working_age_population(data: IndicatorData, area: str, year: int,
                           extra: Mapping[str, float]) -> float:
    p = data.population(year_end(year), "resident", area).sum(axis=0)
    return float(p[15:65].sum()) / 1e4


def _tertiary(lo: int, hi: int | None
              ) -> Callable[[IndicatorData, str, int, Mapping[str, float]], float]:
    def f(data: IndicatorData, area: str, year: int, extra: Mapping[str, float]) -> float:
        counts = data.attainment(year_end(year), area)
        num = den = 0.0
        for (age, level), n in counts.items():
            if age < lo or (hi is not None and age > hi):
                continue
            den += n
            if level in ("大学专科", "大学本科", "研究生"):
                num += n
        return _safe_div(num, den, "大专及以上学历比重") * 100.0
    return f


def _dependency(kind: str) -> Callable[[IndicatorData, str, int, Mapping[str, float]], float]:
    def f(data: IndicatorData, area: str, year: int, extra: Mapping[str, float]) -> float:
        p = data.population(year_end(year), "resident", area).sum(axis=0)
        child, work, old = float(p[:15].sum()), float(p[15:65].sum()), float(p[65:].sum())
        num = {"child": child, "old": old, "total": child + old}[kind]
        return _safe_div(num, work, "抚养比") * 100.0
    return f


def _schooling(lo: int, hi: int | None
               ) -> Callable[[IndicatorData, str, int, Mapping[str, float]], float]:
    def f(data: IndicatorData, area: str, year: int, extra: Mapping[str, float]) -> float:
        return mean_years_of_schooling(data.attainment(year_end(year), area), lo, hi)
    return f


def mean_years_of_schooling(counts: Mapping[tuple[int, str], float], lo: int, hi: int | None
                            ) -> float:
    """Σ people × years for their level ÷ people, over ages lo…hi (hi None = open)."""
    num = den = 0.0
    for (age, level), n in counts.items():
        if age < lo or (hi is not None and age > hi):
            continue
        years = SCHOOL_YEARS.get(level)
        if years is None:
            raise InputError(f"未知的受教育程度“{level}”")
        num += years * n
        den += n
    return _safe_div(num, den, "平均受教育年限")


def urbanisation(data: IndicatorData, area: str, year: int, extra: Mapping[str, float]
                 ) -> float:
    urban, total = data.urban(year_end(year), area)
    return _safe_div(urban, total, "常住人口城镇化率") * 100.0


def _group_share(group: str
                 ) -> Callable[[IndicatorData, str, int, Mapping[str, float]], float]:
    def f(data: IndicatorData, area: str, year: int, extra: Mapping[str, float]) -> float:
        city = area if gazetteer().get(area).level == "city" else TIANJIN
        members = gazetteer().group_members(city, group)
        if not members:
            raise InputError(f"{city} 没有定义分区组 {group}")
        when = year_end(year)
        part = sum(float(data.population(when, "resident", r.code).sum()) for r in members)
        total = float(data.population(when, "resident", city).sum())
        return _safe_div(part, total, "分区人口比重") * 100.0
    return f


def _separation(kinds: tuple[str, ...]
                ) -> Callable[[IndicatorData, str, int, Mapping[str, float]], float]:
    def f(data: IndicatorData, area: str, year: int, extra: Mapping[str, float]) -> float:
        when = year_end(year)
        sep = data.separation(when, area)
        total = float(data.population(when, "resident", area).sum())
        return _safe_div(sum(float(sep.get(k, 0.0)) for k in kinds), total, "人户分离比重") * 100
    return f


def childcare_per_1000(data: IndicatorData, area: str, year: int, extra: Mapping[str, float]
                       ) -> float:
    if "childcare_places" not in extra:
        raise InputError("计算每千人口托位数需要提供托位数（childcare_places）")
    total = float(data.population(year_end(year), "resident", area).sum())
    return _safe_div(float(extra["childcare_places"]), total, "每千人口托位数") * 1000.0


FORMULAS: dict[str, Formula] = {
    "resident_population": Formula("常住人口", "万人", "年末常住人口", _total("resident")),
    "hukou_population": Formula("户籍人口", "万人", "年末户籍人口", _total("hukou")),
    "hukou_net_growth": Formula("户籍人口净增长", "万人", "年末户籍人口减基期年末户籍人口",
                                _growth("hukou", pct=False)),
    "resident_net_growth": Formula("常住人口净增长", "万人", "年末常住人口减基期年末常住人口",
                                   _growth("resident", pct=False)),
    "hukou_growth_pct": Formula("户籍人口增长率", "%", "户籍人口较基期年末的增长百分比",
                                _growth("hukou", pct=True)),
    "resident_growth_pct": Formula("常住人口增长率", "%", "常住人口较基期年末的增长百分比",
                                   _growth("resident", pct=True)),
    "child_share": Formula("0—14岁人口比重", "%", "0–14岁÷常住人口×100", _age_band_share(0, 14)),
    "working_age_share": Formula("15—64岁人口比重", "%", "15–64岁÷常住人口×100",
                                 _age_band_share(15, 64)),
    "working_age_population": Formula("15—64岁劳动年龄人口", "万人", "年末15–64岁常住人口",
                                      working_age_population),
    "tertiary_share_15plus": Formula("15岁及以上人口中大专及以上学历比重", "%",
                                     "大专及以上人数÷15岁及以上人数×100", _tertiary(15, None)),
    "tertiary_share_16_59": Formula("16—59岁人口中大专及以上学历比重", "%",
                                    "大专及以上人数÷16–59岁人数×100", _tertiary(16, 59)),
    "life_expectancy": Formula("人均预期寿命", "岁",
                               "常住人口时期生命表 e0，mx=死亡数/年平均人口",
                               _life_expectancy("resident")),
    "life_expectancy_hukou": Formula("户籍人口人均预期寿命", "岁",
                                     "户籍人口时期生命表 e0，mx=死亡数/年平均户籍人口",
                                     _life_expectancy("hukou")),
    "tfr": Formula("总和生育率", "", "15–49岁分年龄生育率之和（年平均妇女人数）", tfr),
    "srb": Formula("出生人口性别比", "女=100", "男婴数÷女婴数×100", srb),
    "imr": Formula("婴儿死亡率", "‰", "不满1岁死亡数÷活产数×1000", imr),
    "birth_rate": Formula("出生率", "‰", "出生数÷年平均人口×1000", birth_rate),
    "death_rate": Formula("死亡率", "‰", "死亡数÷年平均人口×1000", death_rate),
    "natural_increase_rate": Formula("人口自然增长率", "‰", "出生率−死亡率",
                                     natural_increase_rate),
    "ageing_60_share": Formula("60岁及以上人口比重", "%", "60岁及以上÷常住人口×100",
                               _age_share(60)),
    "ageing_65_share": Formula("65岁及以上人口比重", "%", "65岁及以上÷常住人口×100",
                               _age_share(65)),
    "child_dependency": Formula("少儿抚养比", "%", "0–14岁÷15–64岁×100", _dependency("child")),
    "old_dependency": Formula("老年抚养比", "%", "65岁及以上÷15–64岁×100", _dependency("old")),
    "total_dependency": Formula("总抚养比", "%", "(0–14岁+65岁及以上)÷15–64岁×100",
                                _dependency("total")),
    "mean_schooling_15plus": Formula("15岁及以上人口平均受教育年限", "年",
                                     "Σ人数×受教育年限÷人数（15岁及以上）", _schooling(15, None)),
    "mean_schooling_16_59": Formula("劳动年龄人口平均受教育年限", "年",
                                    "Σ人数×受教育年限÷人数（16–59岁）", _schooling(16, 59)),
    "urbanisation_rate": Formula("常住人口城镇化率", "%", "城镇常住人口÷常住人口×100",
                                 urbanisation),
    "central_city_share": Formula("中心城区常住人口比重", "%", "中心城区六区常住人口÷全市×100",
                                  _group_share("central")),
    "ring_districts_share": Formula("环城四区常住人口比重", "%", "环城四区常住人口÷全市×100",
                                    _group_share("ring")),
    "outer_districts_share": Formula("远郊五区常住人口比重", "%", "远郊五区常住人口÷全市×100",
                                     _group_share("outer")),
    "binhai_share": Formula("滨海新区常住人口比重", "%", "滨海新区常住人口÷全市×100",
                            _group_share("binhai")),
    "separation_share": Formula("人户分离人口比重", "%", "人户分离人口（街镇口径）÷常住人口×100",
                                _separation(("same_district", "other_district",
                                             "outside_city"))),
    "cross_district_separation_share": Formula(
        "户籍地与常住地不在同一区的人口比重", "%",
        "户籍在其他区或市外的人户分离人口÷常住人口×100",
        _separation(("other_district", "outside_city"))),
    "floating_population_share": Formula("流动人口比重", "%",
                                         "户籍在市外的人户分离人口÷常住人口×100",
                                         _separation(("outside_city",))),
    "childcare_places_per_1000": Formula("每千人口拥有3岁以下婴幼儿托位数", "个",
                                         "托位数÷常住人口×1000", childcare_per_1000,
                                         needs=("childcare_places",)),
}

# Names other engineers' plan files may use for the same formulas.
ALIASES: dict[str, str] = {
    "e0": "life_expectancy", "e0_hukou": "life_expectancy_hukou",
    "resident": "resident_population", "hukou": "hukou_population",
    "infant_mortality": "imr", "infant_mortality_rate": "imr",
    "sex_ratio_at_birth": "srb", "total_fertility_rate": "tfr",
    "urbanization_rate": "urbanisation_rate", "urbanisation": "urbanisation_rate",
    "share_60plus": "ageing_60_share", "share_65plus": "ageing_65_share",
    "old_age_dependency": "old_dependency", "old_age_dependency_ratio": "old_dependency",
    "mean_years_schooling_15plus": "mean_schooling_15plus",
    "mean_years_schooling_16_59": "mean_schooling_16_59",
    "central_share": "central_city_share", "binhai_new_area_share": "binhai_share",
    "household_separation_share": "separation_share",
    "childcare_per_1000": "childcare_places_per_1000",
}


def resolve(formula: str) -> str:
    """Canonical formula name; raises InputError for unknown names."""
    name = ALIASES.get(formula, formula)
    if name not in FORMULAS:
        raise InputError(f"未知的指标公式 {formula}（可用：{', '.join(sorted(FORMULAS))}）")
    return name


def is_computable(formula: str | None) -> bool:
    return formula is not None and ALIASES.get(formula, formula) in FORMULAS


def compute(data: IndicatorData, formula: str, area: str, year: int,
            extra: Mapping[str, float] | None = None, *, source: str = "registry"
            ) -> IndicatorValue:
    """Compute one indicator for an area (city / district / 街镇 code) and year."""
    name = resolve(formula)
    f = FORMULAS[name]
    value = f.compute(data, area, year, extra or {})
    return IndicatorValue(formula=name, area=area, year=year, value=float(value), unit=f.unit,
                          source=source, as_of=year_end(year), method=f.method)


def compute_many(data: IndicatorData, formulas: list[str], area: str, year: int,
                 extra: Mapping[str, float] | None = None, *, source: str = "registry"
                 ) -> tuple[dict[str, IndicatorValue], dict[str, str]]:
    """Compute several formulas; returns (values by formula, error message by formula) so
    that one indicator without data does not stop the others."""
    values: dict[str, IndicatorValue] = {}
    errors: dict[str, str] = {}
    for formula in formulas:
        try:
            values[formula] = compute(data, formula, area, year, extra, source=source)
        except InputError as exc:
            errors[formula] = exc.message
        except ValueError as exc:  # life table on degenerate input
            errors[formula] = str(exc)
    return values, errors
