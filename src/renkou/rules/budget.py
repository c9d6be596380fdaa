"""Budgets forward (经费预算测算): caseload and annual cost by year, district and payer.

Method (a base-population-plus-survival path, see docs/methods.md “Rules as code”):
the registry's hukou population at the base date (31 December before the first year) is aged
year by year; each person carries the probability of still being alive at 1 July of each
year (Gompertz hazard by sex, parameters in ``caseload_assumptions.yaml``); the scheme's rules
are evaluated at 1 July with that person's imputed attributes and the parameters in force on
that date; caseloads and costs are survival-weighted sums. Everyone who can reach 60 by the
last year is already in the base population, so no births are needed; migration of the
elderly is ignored (hukou in-migration at those ages is small)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from renkou.errors import InputError
from renkou.jurisdictions import Jurisdiction
from renkou.rules.caseload import (
    budget_districts,
    floor_age,
    load_assumptions,
    registry_base,
    scheme_costs,
    split_overrides,
)
from renkou.rules.imputation import Latent, PersonBase, gompertz_survival
from renkou.rules.inputs import completed_years
from renkou.rules.parameters import ParameterSet
from renkou.rules.schemes import get_scheme
from renkou.tables import write_workbook

if TYPE_CHECKING:
    from renkou.registry import Registry


@dataclass(frozen=True)
class BudgetResult:
    """Budget tables: by year × district × component, by year, caseload by group."""

    scheme: str
    base_date: dt.date
    by_district: pd.DataFrame
    by_year: pd.DataFrame
    groups: pd.DataFrame
    parameters: pd.DataFrame
    assumptions: pd.DataFrame
    comparison: pd.DataFrame | None = None


def evaluation_date(year: int) -> dt.date:
    """Caseloads are taken at mid-year as the year's average."""
    return dt.date(year, 7, 1)


def project_base(scheme: str, base: PersonBase, lat: Latent, base_date: dt.date,
                 from_year: int, to_year: int, scheme_overrides: Mapping[str, Any],
                 assumptions: ParameterSet) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the survival path over an already built base population."""
    last = evaluation_date(to_year)
    # Only those who reach the scheme's floor age by the end can ever count.
    can = completed_years(base.birth_date, last) >= floor_age(scheme)
    base, lat = base.subset(can), lat.subset(can)
    cost_frames, group_frames = [], []
    for year in range(from_year, to_year + 1):
        when = evaluation_date(year)
        weights = gompertz_survival(base, base_date, when, assumptions.at(when))
        costs, groups = scheme_costs(scheme, base, lat, when, weights, scheme_overrides,
                                     assumptions)
        costs.insert(0, "year", year)
        groups.insert(0, "year", year)
        cost_frames.append(costs)
        group_frames.append(groups)
    return pd.concat(cost_frames, ignore_index=True), pd.concat(group_frames, ignore_index=True)


def summarise(by_district: pd.DataFrame) -> pd.DataFrame:
    money = ["annual_cost_total", "annual_cost_city", "annual_cost_district",
             "annual_cost_unallocated"]
    by_year = by_district.groupby("year")[money].sum().reset_index()
    # Caseload per component (a person appears once per component).
    case = by_district.pivot_table(index="year", columns="component", values="caseload",
                                   aggfunc="sum")
    case.columns = [f"caseload {c}" for c in case.columns]
    return by_year.merge(case.reset_index(), on="year")


def _params_table(scheme: str, overrides: Mapping[str, Any], years: list[int]) -> pd.DataFrame:
    rows = []
    seen: set[tuple[str, str]] = set()
    for ps in get_scheme(scheme).parameters(overrides):
        for y in years:
            for row in ps.table(evaluation_date(y)):
                key = (row["参数 parameter"], row["生效日期 effective_from"])
                if key not in seen:
                    seen.add(key)
                    rows.append({"适用年份起 from year": y, **row})
    return pd.DataFrame(rows)


def compare_paths(baseline: pd.DataFrame, scenario: pd.DataFrame) -> pd.DataFrame:
    """Scenario minus baseline by year, district and component (same people, same draws, so
    the difference is the effect of the changed parameters alone)."""
    keys = ["year", "district", "district_name", "component"]
    vals = ["caseload", "annual_cost_total", "annual_cost_city", "annual_cost_district"]
    m = baseline[keys + vals].merge(scenario[keys + vals], on=keys, how="outer",
                                    suffixes=("_baseline", "_scenario")).fillna(0.0)
    for v in vals:
        m[f"{v}_change"] = m[f"{v}_scenario"] - m[f"{v}_baseline"]
    return m


def project_budget(scheme: str, registry: Registry, from_year: int, to_year: int,
                   overrides: Mapping[str, Any] | None = None, *, seed: int = 2025,
                   base_date: dt.date | None = None, compare: bool = False) -> BudgetResult:
    """Caseload and annual cost by year, district and payer from the registry forward.

    With ``compare`` the path is also run without any override (the shipped parameters and
    assumptions) and the difference is returned in :attr:`BudgetResult.comparison`."""
    if to_year < from_year:
        raise InputError("终止年不能早于起始年")
    get_scheme(scheme).require(registry.jurisdiction())
    s_over, a_over = split_overrides(scheme, overrides or {})
    assumptions = load_assumptions(a_over)
    base_date = base_date or dt.date(from_year - 1, 12, 31)
    base, lat = registry_base(registry, base_date, seed, assumptions)
    by_district, groups = project_base(scheme, base, lat, base_date, from_year, to_year,
                                       s_over, assumptions)
    years = list(range(from_year, to_year + 1))
    comparison = None
    if compare:
        default = load_assumptions()
        baseline, _ = project_base(scheme, base, lat, base_date, from_year, to_year, {},
                                   default)
        comparison = compare_paths(baseline, by_district)
    return BudgetResult(scheme, base_date, by_district, summarise(by_district), groups,
                        _params_table(scheme, s_over, years),
                        pd.DataFrame(assumptions.table(evaluation_date(from_year))),
                        comparison)


NOTES = [
    "口径：本市户籍人口（登记库 hukou 口径），基准日为起始年前一年12月31日；"
    "各年按7月1日测算，视为全年平均。",
    "方法：基准人口逐年增龄，按性别 Gompertz 死亡率计算存活概率作为权重；不计迁移；"
    "60岁以下者到期末可满60岁的均已在基准人口中，故无需出生数据。",
    "登记库不含的属性（照料等级、低保/低收入、独生子女父母、收入、劳模、入住机构、助餐申请）"
    "按“测算假设”表中的比例逐人随机推算（固定随机种子），不是行政数据。",
    "金额：护理补贴、扶助金按月标准×12；助餐按每餐标准×每天午餐次数×每周天数×每年周数；"
    "标准取各年7月1日有效的参数（含命令行覆盖）。",
    "付款方：市、区按规则文件中的分担比例；annual_cost_unallocated 为未规定分担方式的部分。",
]


def budget_workbook(result: BudgetResult, path: Path | str) -> Path:
    """Write the budget as an Excel workbook: 说明、按年汇总、按年按区、分类人数、参数、测算假设."""
    p = Path(path)
    if p.suffix.lower() != ".xlsx":
        raise InputError("预算输出应为 .xlsx 文件", file=str(p))
    p.parent.mkdir(parents=True, exist_ok=True)
    notes = pd.DataFrame({"说明": [f"项目：{result.scheme}（{get_scheme(result.scheme).title}）",
                                   f"基准日：{result.base_date.isoformat()}", *NOTES]})
    sheets = {"说明": notes, "按年汇总": result.by_year.round(2),
              "按年按区": result.by_district.round(2), "分类人数": result.groups.round(2),
              "参数": result.parameters, "测算假设": result.assumptions}
    if result.comparison is not None:
        sheets["与基准比较"] = result.comparison.round(2)
    write_workbook(sheets, p)
    return p


def demo_base(n: int, seed: int, assumptions: ParameterSet, as_of: dt.date, *,
              jurisdiction: Jurisdiction) -> tuple[PersonBase, Latent]:
    """A synthetic hukou population (ages 40–100, all districts of ``jurisdiction``) for
    tests and benchmarks."""
    rng = np.random.default_rng(seed)
    codes = np.array(list(budget_districts(jurisdiction)), dtype=object)
    days = rng.integers(40 * 365, 100 * 365, n)
    birth = np.datetime64(as_of, "D") - days.astype("timedelta64[D]")
    base = PersonBase(district=rng.choice(codes, n), sex=rng.choice(
        np.array(["male", "female"], dtype=object), n), birth_date=birth,
        urban=rng.random(n) < float(assumptions["urban_share_default"].at(as_of)))
    return base, Latent.draw(n, seed + 1)
