"""Family-planning special assistance (计划生育家庭特别扶助): 独生子女伤残/死亡家庭扶助金.

Rules, amounts and the conditions encoded (with their sources) are in
``rules/data/family_planning_assistance.yaml``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from renkou.rules.conditions import Columns
from renkou.rules.engine import (
    Evaluation,
    Trail,
    condition_parts,
    evaluate,
    group_trail,
    money,
    ratio_text,
    render_trail,
    split_shares,
    used_conditions,
)
from renkou.rules.inputs import ColumnSpec, ParsedTable, completed_years, drop_rows
from renkou.rules.parameters import Parameter, ParameterSet, load_parameters
from renkou.types import FloatArray

FP_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("person_id", "id", "人员编号"),
    ColumnSpec("birth_date", "date", "出生日期 YYYY-MM-DD"),
    ColumnSpec("sex", "enum", "性别：male 男 / female 女", values=("male", "female")),
    ColumnSpec("hukou_tianjin", "bool", "是否本市户籍"),
    ColumnSpec("hukou_district", "district", "户籍所在区代码（6位；可空）", required=False),
    ColumnSpec("woman_birth_date", "date", "女方出生日期（本人为女方时可空）", required=False),
    ColumnSpec("children_born_or_adopted", "count", "生育及合法收养子女总数"),
    ColumnSpec("living_children", "count", "现存活子女数"),
    ColumnSpec("child_disability_grade", "count", "独生子女伤病残等级 1—4（一级最重；无则空）",
               required=False),
)

CATEGORY_NAMES = {"death": "独生子女死亡家庭", "disabled": "独生子女伤残家庭"}


FP_SCHEME = "family-planning-assistance"


def load_fp_parameters(overrides: Mapping[str, Any] | None = None, scheme: str = FP_SCHEME
                       ) -> ParameterSet:
    return load_parameters(scheme).with_overrides(overrides or {})


def with_dynamic_adjustment(params: ParameterSet, to_year: int) -> ParameterSet:
    """Turn ``fp_annual_adjustment_rate`` into dated entries (1 January of each year from
    ``fp_adjustment_from_year`` to ``to_year``), the plan's “扶助标准动态调整” as data."""
    today = dt.date(to_year, 1, 1)
    rate = float(params["fp_annual_adjustment_rate"].at(today))
    start = int(params["fp_adjustment_from_year"].at(today))
    if rate == 0 or start > to_year:
        return params
    out = params
    for name in ("fp_disabled_monthly", "fp_death_monthly"):
        p: Parameter = out[name]
        base = float(p.at(dt.date(start - 1, 12, 31)))
        for year in range(start, to_year + 1):
            value = round(base * (1 + rate) ** (year - start + 1), 2)
            p = p.with_value_from(dt.date(year, 1, 1), value,
                                  f"情景：按年调整率{rate:.2%}动态调整（规划“扶助标准动态调整”）")
        out = out.replaced(p)
    return out


def check_grades(table: ParsedTable) -> ParsedTable:
    """Cross-column checks: grade 1–4, and no more living children than born or adopted."""
    g = table.columns["child_disability_grade"]
    bad = ~np.isnan(g) & ((g < 1) | (g > 4))
    table = drop_rows(table, bad, "child_disability_grade", "伤病残等级应为1—4级（或空）")
    more = table.columns["living_children"] > table.columns["children_born_or_adopted"]
    return drop_rows(table, more, "living_children", "存活子女数多于生育及收养子女总数")


def prepare_fp(table: ParsedTable, as_of: dt.date, params: ParameterSet) -> dict[str, np.ndarray]:
    cols = dict(table.columns)
    cols["age"] = completed_years(cols["birth_date"], as_of)
    woman_birth = cols["woman_birth_date"].copy()
    own = np.isnat(woman_birth) & (cols["sex"] == "female")
    woman_birth[own] = cols["birth_date"][own]
    woman_age = np.full(table.n, np.nan)
    known = ~np.isnat(woman_birth)
    woman_age[known] = completed_years(woman_birth[known], as_of)
    cols["woman_age"] = woman_age
    limit = params["fp_born_on_or_after"].at(as_of)
    cols["born_on_or_after_limit"] = cols["birth_date"] >= np.datetime64(limit, "D")
    return cols


@dataclass(frozen=True)
class FamilyPlanningResult:
    evaluation: Evaluation
    category: npt.NDArray[np.object_]
    monthly: FloatArray
    city: FloatArray
    district: FloatArray
    trail: Trail


def evaluate_fp(cols: Columns, n: int, as_of: dt.date, params: ParameterSet
                ) -> FamilyPlanningResult:
    ev = evaluate(params, cols, n, as_of)
    p = ev.params
    death, disabled = ev.groups["death"], ev.groups["disabled"] & ~ev.groups["death"]
    monthly = np.where(death, float(p["fp_death_monthly"]),
                       np.where(disabled, float(p["fp_disabled_monthly"]), 0.0))
    category = np.where(death, "death", np.where(disabled, "disabled", "")).astype(object)
    city, district = split_shares(monthly, p["fp_city_ratio"], p["fp_district_ratio"])
    keys = list(ev.groups)
    used = used_conditions(ev, keys)
    ratio = ratio_text(p["fp_city_ratio"], p["fp_district_ratio"])

    def render(pattern: tuple[int, ...]) -> str:
        held = {c: bool(v) for c, v in zip(used, pattern, strict=True)}
        hit = [k for k in keys if all(held[c] for c in ev.rules.groups[k].conditions)]
        if hit:
            k = hit[0]
            amt = float(p["fp_death_monthly"] if k == "death" else p["fp_disabled_monthly"])
            c, d = split_shares(np.array([amt]), p["fp_city_ratio"], p["fp_district_ratio"])
            head = (f"特别扶助：属{CATEGORY_NAMES[k]}，每人每月{money(amt)}元"
                    f"（市、区{ratio}负担〔比例为假设〕：市{money(c[0])}元、区{money(d[0])}元）")
        else:
            head = "特别扶助：不符合，0元"
        return f"{head}。{'；'.join(group_trail(ev, k, held) for k in keys)}。"

    trail = Trail(condition_parts(ev, used), render)
    return FamilyPlanningResult(ev, category, monthly, city, district, trail)


def fp_frame(table: ParsedTable, as_of: dt.date, params: ParameterSet,
             explain: bool = True) -> pd.DataFrame:
    """OUT.csv of ``--scheme family-planning-assistance``."""
    cols = prepare_fp(table, as_of, params)
    r = evaluate_fp(cols, table.n, as_of, params)
    out = pd.DataFrame({
        "person_id": pd.Series(cols["person_id"], dtype=object),
        "fp_category": r.category,
        "fp_assistance_monthly": r.monthly,
        "fp_city_share": r.city,
        "fp_district_share": r.district,
    })
    out["explanation"] = render_trail(r.trail) if explain else ""
    return out
