"""The words of a plan as data (规划数据词汇): comparators, categories and other closed
vocabularies of :mod:`renkou.plans.model.plan`, the "左右" tolerance, and the names of the
indicator formulas a computed indicator may cite."""

from __future__ import annotations

from typing import Literal

Comparator = Literal[
    "ge", "le", "approx", "range", "eq",
    "cumulative_ge", "cumulative_le", "cumulative_approx",
    "increase", "decrease", "below", "above",
]
BaselineComparator = Literal["eq", "approx", "gt", "lt", "ge", "le"]
Category = Literal["总量", "素质", "结构", "分布", "公共服务"]
IndicatorKind = Literal["computed", "reported"]
# "target": the plan commits to it (目标). "projection": the text's own forecast or trend
# (预测/趋势, e.g. "预测到2025年…将分别达到24.66%") — shown for reference, never assessed.
TargetNature = Literal["target", "projection"]
# Where the responsible departments come from: the official task division list
# (任务分工清单), the plan text itself, or — when the text names no one — the department
# whose statutory remit (职能) covers the indicator. The last is our assignment, flagged.
DepartmentBasis = Literal["task-division", "plan-text", "mandate"]
PopulationBasis = Literal["resident", "hukou"]
FigureKind = Literal["achievement", "standard", "amount", "planning", "projection", "context"]
DepartmentLevel = Literal["city", "district", "generic"]

CUMULATIVE: frozenset[str] = frozenset({"cumulative_ge", "cumulative_le", "cumulative_approx"})
DIRECTIONAL: frozenset[str] = frozenset({"increase", "decrease"})
# "低于/高于全市平均水平": compared with another plan's indicator in the same year.
RELATIVE: frozenset[str] = frozenset({"below", "above"})

COMPARATOR_ZH: dict[str, str] = {
    "ge": "≥", "le": "≤", "approx": "≈（左右）", "range": "区间", "eq": "=",
    "cumulative_ge": "累计≥", "cumulative_le": "累计≤", "cumulative_approx": "累计≈",
    "increase": "提高", "decrease": "降低", "below": "低于", "above": "高于",
}

# "左右" default: ±1 % of the target value. A target may set its own (``tolerance``), an
# assessment another (``AssessmentConfig.approx_rel_tolerance``, the CLI's --tolerance);
# documented in docs/methods.md.
DEFAULT_APPROX_TOLERANCE = 0.01


# The engine functions a computed indicator may name. Keys follow the indicator engine's
# registry (renkou.plans.formulas.engine.FORMULAS); values say what is computed, in the plan's
# unit. Names marked (*) were not yet in the engine when the plan data were written.
FORMULAS: dict[str, str] = {
    "resident_population": "常住人口 resident population at year end (万人)",
    "hukou_population": "户籍人口 hukou population at year end (万人)",
    "hukou_net_growth": "户籍人口净增长 hukou population change over the period (万人)",
    "resident_net_growth": "常住人口净增 resident population change over the period (万人)",
    "hukou_growth_pct": "户籍人口增长率 hukou population change over the period (%)",
    "resident_growth_pct": "常住人口增长率 resident population change over the period (%)",
    "natural_increase_rate": "人口自然增长率 births minus deaths per 1000 mean population (‰)",
    "natural_increase_rate_hukou": "户籍人口自然增长率 hukou births minus hukou deaths (‰)",
    "life_expectancy": "人均预期寿命 resident period life expectancy at birth (岁)",
    "life_expectancy_hukou": "户籍人口人均预期寿命 hukou period life expectancy at birth (岁)",
    "imr": "婴儿死亡率 deaths under one per 1000 live births (‰)",
    "tfr": "总和生育率 total fertility rate (children per woman)",
    "srb": "出生人口性别比 male per 100 female births (女=100)",
    "child_share": "0—14岁人口比重 (%)",
    "working_age_share": "15—64岁人口比重 (%)",
    "ageing_60_share": "60岁及以上人口比重 (%)",
    "ageing_65_share": "65岁及以上人口比重 (%)",
    "old_dependency": "老年抚养比 65+ / 15–64 × 100 (%)",
    "total_dependency": "总抚养比 (0–14 + 65+) / 15–64 × 100 (%)",
    "working_age_population": "15—64岁劳动年龄人口 (万人)",
    "urbanisation_rate": "常住人口城镇化率 urban share of resident population (%)",
    "urbanisation_rate_hukou": "户籍人口城镇化率 urban share of hukou population (%)",
    "mean_schooling_15plus": "15岁及以上人口平均受教育年限 (年)",
    "mean_schooling_16_59": "16—59岁劳动年龄人口平均受教育年限 (年)",
    "mean_schooling_20_59": "(*) 20—59岁主要劳动年龄人口平均受教育年限 (年)",
    "tertiary_share_15plus": "15岁及以上人口中大专及以上学历比重 (%)",
    "tertiary_share_16_59": "16—59岁人口中大专及以上学历比重 (%)",
    "separation_share": "人户分离人口占常住人口比重, township/street level (%)",
    "cross_district_separation_share": "户籍地与常住地不在同一区的人口比重 (%)",
    "floating_population_share": "流动人口（户籍在市外）比重 (%)",
    "floating_population": "流动人口（户籍在市外、离开户籍地半年以上的常住人口）(万人)",
    "hukou_in_migration": "户籍迁入人口 hukou registrations moved into the area in the year (万人)",
    "net_migration": "净迁移（机械增长）resident change minus natural increase in the year (万人)",
    "other_district_hukou_share": "(*) 户籍在本市其他区的常住人口比重 (%)",
    "central_city_share": "中心城区常住人口占全市比重 (%)",
    "ring_districts_share": "环城四区常住人口占全市比重 (%)",
    "outer_districts_share": "外围五区常住人口占全市比重 (%)",
    "binhai_share": "滨海新区常住人口占全市比重 (%)",
    "main_urban_share": "主城区常住人口占全市比重 (%)",
    "childcare_places_per_1000": "每千人口3岁以下婴幼儿托位数 (needs a facility count, 个)",
    "permit_holding_rate": "外来人口居住证持有率 valid permit holders ÷ residents without hukou "
                           "in the jurisdiction (%)",
    "jobs_housing_balance": "职住平衡率 of the people working in the area, the share living in "
                            "it (%)",
    "jobs_housing_balance_residents": "职住平衡率 of the area's employed residents, the share "
                                      "working in it (%)",
}
# Formulas an indicator of function zones (功能区) may use: they count department records of
# an area given as 街镇 codes, which is what a zone is.
ZONE_FORMULAS: frozenset[str] = frozenset({"jobs_housing_balance",
                                           "jobs_housing_balance_residents"})
