"""Indicator engine (指标计算引擎): every computable plan indicator for an area and a year.

Counts come from the registry (:class:`IndicatorData`, implemented over
``renkou.registry.Registry`` by :class:`RegistryData`); rates and life tables come from the
demography core. Formulas follow the NBS conventions:

* rates per year use the **average population** of the year = mean of the populations at
  the end of the previous year and at the end of the year (31 Dec);
* structure indicators (shares, dependency ratios, mean years of schooling) use the
  population at the end of the year;
* the resident (常住) caliber unless the formula name says otherwise (``*_hukou``).

Each value carries its source and reference date (:class:`IndicatorValue`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from renkou.errors import InputError, RenkouError
from renkou.plans.formulas.measures import (
    age_band_share,
    age_share,
    birth_rate,
    childcare_per_1000,
    death_rate,
    dependency,
    group_share,
    growth,
    imr,
    life_expectancy,
    natural_increase_rate,
    natural_increase_rate_hukou,
    schooling,
    separation_share,
    srb,
    tertiary_share,
    tfr,
    total_population,
    urbanisation,
    urbanisation_hukou,
    working_age_population,
)
from renkou.plans.formulas.migration import (
    floating_population,
    hukou_in_migration,
    net_migration,
)
from renkou.plans.formulas.protocol import Compute, FormulaContext, IndicatorData, year_end
from renkou.plans.formulas.records import (
    jobs_housing_balance,
    jobs_housing_balance_residents,
    permit_holding_rate,
)


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
    compute: Compute
    # Context the formula cannot do without (FormulaContext fields), e.g. facility counts.
    needs: tuple[str, ...] = field(default_factory=tuple)


FORMULAS: dict[str, Formula] = {
    "resident_population": Formula("常住人口", "万人", "年末常住人口",
                                   total_population("resident")),
    "hukou_population": Formula("户籍人口", "万人", "年末户籍人口", total_population("hukou")),
    "hukou_net_growth": Formula("户籍人口净增长", "万人", "年末户籍人口减基期年末户籍人口",
                                growth("hukou", pct=False)),
    "resident_net_growth": Formula("常住人口净增长", "万人", "年末常住人口减基期年末常住人口",
                                   growth("resident", pct=False)),
    "hukou_growth_pct": Formula("户籍人口增长率", "%", "户籍人口较基期年末的增长百分比",
                                growth("hukou", pct=True)),
    "resident_growth_pct": Formula("常住人口增长率", "%", "常住人口较基期年末的增长百分比",
                                   growth("resident", pct=True)),
    "child_share": Formula("0—14岁人口比重", "%", "0–14岁÷常住人口×100", age_band_share(0, 14)),
    "working_age_share": Formula("15—64岁人口比重", "%", "15–64岁÷常住人口×100",
                                 age_band_share(15, 64)),
    "working_age_population": Formula("15—64岁劳动年龄人口", "万人", "年末15–64岁常住人口",
                                      working_age_population),
    "tertiary_share_15plus": Formula("15岁及以上人口中大专及以上学历比重", "%",
                                     "大专及以上人数÷15岁及以上人数×100", tertiary_share(15, None)),
    "tertiary_share_16_59": Formula("16—59岁人口中大专及以上学历比重", "%",
                                    "大专及以上人数÷16–59岁人数×100", tertiary_share(16, 59)),
    "life_expectancy": Formula("人均预期寿命", "岁",
                               "常住人口时期生命表 e0，mx=死亡数/年平均人口",
                               life_expectancy("resident")),
    "life_expectancy_hukou": Formula("户籍人口人均预期寿命", "岁",
                                     "户籍人口时期生命表 e0，mx=户籍人口死亡数/户籍年平均人口",
                                     life_expectancy("hukou")),
    "tfr": Formula("总和生育率", "", "15–49岁分年龄生育率之和（年平均妇女人数）", tfr),
    "srb": Formula("出生人口性别比", "女=100", "男婴数÷女婴数×100", srb),
    "imr": Formula("婴儿死亡率", "‰", "不满1岁死亡数÷活产数×1000", imr),
    "birth_rate": Formula("出生率", "‰", "出生数÷年平均人口×1000", birth_rate),
    "death_rate": Formula("死亡率", "‰", "死亡数÷年平均人口×1000", death_rate),
    "natural_increase_rate": Formula("人口自然增长率", "‰", "出生率−死亡率",
                                     natural_increase_rate),
    "natural_increase_rate_hukou": Formula(
        "户籍人口自然增长率", "‰",
        "（户籍母亲所生出生数−户籍人口死亡数）÷户籍年平均人口×1000",
        natural_increase_rate_hukou),
    "ageing_60_share": Formula("60岁及以上人口比重", "%", "60岁及以上÷常住人口×100",
                               age_share(60)),
    "ageing_65_share": Formula("65岁及以上人口比重", "%", "65岁及以上÷常住人口×100",
                               age_share(65)),
    "child_dependency": Formula("少儿抚养比", "%", "0–14岁÷15–64岁×100", dependency("child")),
    "old_dependency": Formula("老年抚养比", "%", "65岁及以上÷15–64岁×100", dependency("old")),
    "total_dependency": Formula("总抚养比", "%", "(0–14岁+65岁及以上)÷15–64岁×100",
                                dependency("total")),
    "mean_schooling_15plus": Formula("15岁及以上人口平均受教育年限", "年",
                                     "Σ人数×受教育年限÷人数（15岁及以上）", schooling(15, None)),
    "mean_schooling_16_59": Formula("劳动年龄人口平均受教育年限", "年",
                                    "Σ人数×受教育年限÷人数（16–59岁）", schooling(16, 59)),
    "urbanisation_rate": Formula("常住人口城镇化率", "%", "城镇常住人口÷常住人口×100",
                                 urbanisation),
    "urbanisation_rate_hukou": Formula("户籍人口城镇化率", "%",
                                       "户籍地为城镇街镇的户籍人口÷户籍人口×100",
                                       urbanisation_hukou),
    "central_city_share": Formula("中心城区常住人口比重", "%", "中心城区六区常住人口÷全市×100",
                                  group_share("central")),
    "ring_districts_share": Formula("环城四区常住人口比重", "%", "环城四区常住人口÷全市×100",
                                    group_share("ring")),
    "outer_districts_share": Formula("远郊五区常住人口比重", "%", "远郊五区常住人口÷全市×100",
                                     group_share("outer")),
    "binhai_share": Formula("滨海新区常住人口比重", "%", "滨海新区常住人口÷全市×100",
                            group_share("binhai")),
    "main_urban_share": Formula("主城区常住人口比重", "%", "主城区常住人口÷全市×100",
                                group_share("main")),
    "separation_share": Formula("人户分离人口比重", "%", "人户分离人口（街镇口径）÷常住人口×100",
                                separation_share(("same_district", "other_district",
                                             "outside_city"))),
    "cross_district_separation_share": Formula(
        "户籍地与常住地不在同一区的人口比重", "%",
        "户籍在其他区或市外的人户分离人口÷常住人口×100",
        separation_share(("other_district", "outside_city"))),
    "other_district_hukou_share": Formula("户籍在本市其他区的常住人口比重", "%",
                                          "户籍在本市其他区的人户分离人口÷常住人口×100",
                                          separation_share(("other_district",))),
    "mean_schooling_20_59": Formula("20—59岁主要劳动年龄人口平均受教育年限", "年",
                                    "Σ人数×受教育年限÷人数（20–59岁）", schooling(20, 59)),
    "floating_population_share": Formula("流动人口比重", "%",
                                         "户籍在市外的人户分离人口÷常住人口×100",
                                         separation_share(("outside_city",))),
    "floating_population": Formula("流动人口", "万人",
                                   "户籍在市外、离开户籍地半年以上的常住人口（人户分离减市辖区内人户分离）",
                                   floating_population),
    "hukou_in_migration": Formula("户籍迁入人口", "万人",
                                  "当年户籍迁入本地区的人数（区内迁移不计）", hukou_in_migration),
    "net_migration": Formula("净迁移人口（机械增长）", "万人",
                             "年末常住人口−上年末常住人口−(出生数−死亡数)", net_migration),
    "childcare_places_per_1000": Formula("每千人口拥有3岁以下婴幼儿托位数", "个",
                                         "托位数÷常住人口×1000", childcare_per_1000,
                                         needs=("childcare_places",)),
    "permit_holding_rate": Formula("外来人口居住证持有率", "%",
                                   "持有效居住证的外来人口÷外来人口（户籍不在本辖区的常住人口）×100",
                                   permit_holding_rate),
    "jobs_housing_balance": Formula("职住平衡率（就业地口径）", "%",
                                    "在本地区就业且常住本地区的人数÷在本地区就业的人数×100",
                                    jobs_housing_balance),
    "jobs_housing_balance_residents": Formula(
        "职住平衡率（居住地口径）", "%",
        "常住本地区且在本地区就业的人数÷本地区常住就业人口（就业地可确定者）×100",
        jobs_housing_balance_residents),
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
            context: FormulaContext | None = None, *, source: str = "registry"
            ) -> IndicatorValue:
    """Compute one indicator for an area (a division code or an area group) and year."""
    name = resolve(formula)
    f = FORMULAS[name]
    value = f.compute(data, area, year, context or FormulaContext())
    return IndicatorValue(formula=name, area=area, year=year, value=float(value), unit=f.unit,
                          source=source, as_of=year_end(year), method=f.method)


# What "this indicator has no value here" looks like: a domain error (no data, an unknown
# group) or a degenerate life table (ValueError from the demography core). Anything else is
# a programming error and propagates.
NO_DATA_ERRORS: tuple[type[Exception], ...] = (RenkouError, ValueError)


def no_data_reason(exc: Exception) -> str:
    """The Chinese reason of a no-data error."""
    return exc.message if isinstance(exc, RenkouError) else str(exc)


def compute_many(data: IndicatorData, formulas: list[str], area: str, year: int,
                 context: FormulaContext | None = None, *, source: str = "registry"
                 ) -> tuple[dict[str, IndicatorValue], dict[str, str]]:
    """Compute several formulas; returns (values by formula, error message by formula) so
    that one indicator without data does not stop the others."""
    values: dict[str, IndicatorValue] = {}
    errors: dict[str, str] = {}
    for formula in formulas:
        try:
            values[formula] = compute(data, formula, area, year, context, source=source)
        except NO_DATA_ERRORS as exc:
            errors[formula] = no_data_reason(exc)
    return values, errors
