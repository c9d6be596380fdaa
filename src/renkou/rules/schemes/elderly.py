"""Home-care (居家养老服务（护理）补贴) and meal (助餐补贴) subsidies for older people.

A rule file (engine ``elderly-care`` or ``elderly-meal``, e.g. Tianjin's 规划专栏3) holds the
groups, the conditions with the wording they encode, every amount and share as dated
parameters, and the jurisdiction it applies to; this module turns the evaluated groups into
amounts, payer shares and explanations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from renkou.errors import ConfigError, InputError
from renkou.jurisdictions import Jurisdiction
from renkou.rules.conditions import Columns
from renkou.rules.engine import (
    Evaluation,
    Trail,
    condition_parts,
    evaluate,
    group_trail,
    join_trails,
    money,
    ratio_text,
    render_trail,
    split_shares,
    used_conditions,
)
from renkou.rules.inputs import ColumnSpec, ParsedTable, completed_years, drop_rows
from renkou.rules.parameters import ParameterSet, load_parameters
from renkou.types import FloatArray

CARE_LEVELS = ("none", "light", "moderate", "severe")
CARE_LEVEL_NAMES = {"none": "无", "light": "轻度", "moderate": "中度", "severe": "重度"}
ASSISTANCE = ("none", "dibao", "low_income")
RESIDENCE = ("urban", "rural")

#: Columns of PEOPLE.csv for ``--scheme tianjin-home-care`` (both subsidies of 专栏3).
ELDERLY_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("person_id", "id", "人员编号"),
    ColumnSpec("birth_date", "date", "出生日期 YYYY-MM-DD"),
    ColumnSpec("hukou_tianjin", "bool", "是否本市户籍"),
    ColumnSpec("hukou_district", "district", "户籍所在区代码（6位；可空）", required=False),
    ColumnSpec("residence", "enum", "城乡：urban 城镇 / rural 农村", values=RESIDENCE),
    ColumnSpec("social_assistance", "enum", "社会救助：none / dibao 低保 / low_income 低收入",
               values=ASSISTANCE),
    ColumnSpec("key_entitled", "bool", "是否部分重点优抚对象"),
    ColumnSpec("care_level", "enum", "照料等级：none / light 轻度 / moderate 中度 / severe 重度",
               values=CARE_LEVELS),
    ColumnSpec("household_income_per_capita", "number", "家庭人均月收入（元；可空=不详）",
               required=False),
    ColumnSpec("only_child_parent", "bool", "是否独生子女父母"),
    ColumnSpec("only_child_age", "number", "独生子女年龄（周岁；可空）", required=False),
    ColumnSpec("living_children", "count", "存活子女数（可空=不详）", required=False),
    ColumnSpec("model_worker_city", "bool", "是否市级劳动模范"),
    ColumnSpec("in_institution", "bool", "是否入住养老机构"),
    ColumnSpec("meal_applied", "bool", "是否已自愿申请助餐"),
)

#: Columns for ``--scheme tianjin-meal`` (the meal subsidy alone).
MEAL_COLUMNS: tuple[ColumnSpec, ...] = tuple(
    c for c in ELDERLY_COLUMNS
    if c.name in ("person_id", "birth_date", "hukou_tianjin", "hukou_district",
                  "social_assistance", "care_level", "in_institution", "meal_applied"))


def check_districts(table: ParsedTable, jurisdiction: Jurisdiction | None) -> ParsedTable:
    """A local hukou (column ``hukou_tianjin``: 本市户籍) with a code outside the jurisdiction
    contradicts itself: drop the row. Any code inside (its prefix, also the city's own code)
    is accepted; budgets by district use only its area codes. Without a jurisdiction (a
    national scheme evaluated for no particular one) codes are not checked."""
    if "hukou_district" not in table.columns or jurisdiction is None:
        return table
    d = table.columns["hukou_district"]
    outside = ~np.char.startswith(d.astype(str), jurisdiction.prefix)
    bad = table.columns["hukou_tianjin"] & (d != "") & outside
    return drop_rows(table, bad, "hukou_district",
                     f"本市户籍人员的户籍区代码不在{jurisdiction.name}")


def prepare(table: ParsedTable, as_of: dt.date) -> dict[str, np.ndarray]:
    """Input columns plus ``age`` in completed years on ``as_of``."""
    cols = dict(table.columns)
    cols["age"] = completed_years(cols["birth_date"], as_of)
    return cols


def load_care_parameters(scheme: str, overrides: Mapping[str, Any] | None = None
                         ) -> tuple[ParameterSet, ParameterSet]:
    """Parameter sets (home-care, meal) of the care scheme ``scheme`` (its file names the meal
    rules it pays beside, ``meal_rules``) with ``overrides`` applied wherever the name occurs."""
    care = load_parameters(scheme)
    meal_rules = care.extra.get("meal_rules")
    if not meal_rules:
        raise ConfigError(f"规则文件 {care.files[-1]} 缺少 meal_rules（同时计算的助餐规则）")
    care, meal = apply_overrides((care, load_parameters(str(meal_rules))), overrides or {})
    return care, meal


def load_meal_parameters(scheme: str, overrides: Mapping[str, Any] | None = None
                         ) -> ParameterSet:
    return apply_overrides((load_parameters(scheme),), overrides or {})[0]


def apply_overrides(sets: tuple[ParameterSet, ...], overrides: Mapping[str, Any]
                    ) -> tuple[ParameterSet, ...]:
    known = {k for s in sets for k in s}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise InputError(f"未知参数：{', '.join(unknown)}；可用参数：{', '.join(sorted(known))}")
    return tuple(s.with_overrides({k: v for k, v in overrides.items() if k in s}) for s in sets)


@dataclass(frozen=True)
class CareResult:
    """Home-care subsidy per person (居家养老服务（护理）补贴), 元 per month."""

    evaluation: Evaluation
    eligible: npt.NDArray[np.bool_]
    monthly: FloatArray
    city: FloatArray
    district: FloatArray
    trail: Trail

    def groups(self) -> pd.Categorical:
        return self.evaluation.group_list()


@dataclass(frozen=True)
class MealResult:
    """Meal subsidy per person (助餐补贴), 元 per meal; ``qualifies`` ignores the application."""

    evaluation: Evaluation
    eligible: npt.NDArray[np.bool_]
    qualifies: npt.NDArray[np.bool_]
    per_meal: FloatArray
    city: FloatArray
    district: FloatArray
    trail: Trail


def _level_codes(cols: Columns) -> npt.NDArray[np.int64]:
    lv = cols["care_level"]
    out = np.zeros(len(lv), dtype=np.int64)
    for i, name in enumerate(CARE_LEVELS):
        out[lv == name] = i
    return out


def evaluate_care(cols: Columns, n: int, as_of: dt.date, params: ParameterSet) -> CareResult:
    ev = evaluate(params, cols, n, as_of)
    p = ev.params
    keys = list(ev.groups)
    eligible = ev.any_group(keys)
    level = _level_codes(cols)
    by_level = np.array([0.0, p["care_amount_light"], p["care_amount_moderate"],
                         p["care_amount_severe"]], dtype=float)
    # Paid once whatever the number of groups: the amount depends on the care level only.
    monthly = np.where(eligible, by_level[level], 0.0)
    city, district = split_shares(monthly, p["care_city_ratio"], p["care_district_ratio"])
    used = used_conditions(ev, keys)
    ratio = ratio_text(p["care_city_ratio"], p["care_district_ratio"])

    def render(pattern: tuple[int, ...]) -> str:
        held = {c: bool(v) for c, v in zip(used, pattern, strict=False)}
        lv = CARE_LEVELS[pattern[-1]]
        in_groups = [k for k in keys if all(held[c] for c in ev.rules.groups[k].conditions)]
        if in_groups and lv != "none":
            amt = float(by_level[pattern[-1]])
            c, d = split_shares(np.array([amt]), p["care_city_ratio"], p["care_district_ratio"])
            head = (f"护理补贴：符合{'、'.join(ev.rules.groups[k].label for k in in_groups)}"
                    f"，照料等级{CARE_LEVEL_NAMES[lv]}，每人每月{money(amt)}元"
                    f"（市、区财政{ratio}负担：市{money(c[0])}元、区{money(d[0])}元"
                    f"{'；多类只发一份' if len(in_groups) > 1 else ''}）")
        else:
            head = "护理补贴：不符合任何一类，0元"
        return f"{head}。{'；'.join(group_trail(ev, k, held) for k in keys)}。"

    trail = Trail([*condition_parts(ev, used), (level, len(CARE_LEVELS))], render)
    return CareResult(ev, eligible, monthly, city, district, trail)


def evaluate_meal(cols: Columns, n: int, as_of: dt.date, params: ParameterSet) -> MealResult:
    ev = evaluate(params, cols, n, as_of)
    p = ev.params
    keys = list(ev.groups)
    eligible = ev.any_group(keys)
    # Who would qualify if they applied (for caseloads and the trail).
    qualifies = np.zeros(n, dtype=bool)
    for k in keys:
        m = np.ones(n, dtype=bool)
        for c in ev.rules.groups[k].conditions:
            if c != "meal_applied":
                m &= ev.conditions[c]
        qualifies |= m
    per_meal = np.where(eligible, float(p["meal_subsidy_per_meal"]), 0.0)
    city, district = split_shares(per_meal, p["meal_city_ratio"], p["meal_district_ratio"])
    used = used_conditions(ev, keys)
    ratio = ratio_text(p["meal_city_ratio"], p["meal_district_ratio"])

    def render(pattern: tuple[int, ...]) -> str:
        held = {c: bool(v) for c, v in zip(used, pattern, strict=True)}
        in_groups = [k for k in keys if all(held[c] for c in ev.rules.groups[k].conditions)]
        if in_groups:
            amt = float(p["meal_subsidy_per_meal"])
            c, d = split_shares(np.array([amt]), p["meal_city_ratio"], p["meal_district_ratio"])
            head = (f"助餐补贴：符合{'、'.join(ev.rules.groups[k].label for k in in_groups)}"
                    f"，每餐{money(amt)}元（每天午餐{money(p['meal_lunches_per_day'])}次、"
                    f"每周{money(p['meal_days_per_week'])}天，以助餐价格优惠体现；"
                    f"市、区财政{ratio}负担：市{money(c[0])}元、区{money(d[0])}元）；"
                    f"另给予老人家食堂每餐{money(p['meal_operating_subsidy_per_meal'])}元运营补贴")
        else:
            head = "助餐补贴：不符合，0元"
        return f"{head}。{'；'.join(group_trail(ev, k, held) for k in keys)}。"

    trail = Trail(condition_parts(ev, used), render)
    return MealResult(ev, eligible, qualifies, per_meal, city, district, trail)


def age_trail(cols: Columns, as_of: dt.date) -> Trail:
    """The evaluation date. The person's own age is left out on purpose: with it every
    age would be its own pattern (×40 texts to write); the trail states the age limits met."""
    n = len(cols["age"])
    return Trail([(np.zeros(n, dtype=np.int64), 1)],
                 lambda pat: f"评估日{as_of.isoformat()}（年龄按实足周岁）。")


def home_care_frame(table: ParsedTable, as_of: dt.date, care_params: ParameterSet,
                    meal_params: ParameterSet, explain: bool = True) -> pd.DataFrame:
    """OUT.csv of ``--scheme tianjin-home-care``: care and meal columns, one row a person."""
    cols = prepare(table, as_of)
    care = evaluate_care(cols, table.n, as_of, care_params)
    meal = evaluate_meal(cols, table.n, as_of, meal_params)
    out = pd.DataFrame({
        "person_id": pd.Series(cols["person_id"], dtype=object),
        "care_groups": care.groups(),
        "care_subsidy_monthly": care.monthly,
        "care_city_share": care.city,
        "care_district_share": care.district,
        "meal_eligible": meal.eligible,
        "meal_subsidy_per_meal": meal.per_meal,
        "meal_city_share": meal.city,
        "meal_district_share": meal.district,
    })
    out["explanation"] = (render_trail(join_trails(age_trail(cols, as_of), care.trail,
                                                   meal.trail)) if explain else "")
    return out


def meal_frame(table: ParsedTable, as_of: dt.date, meal_params: ParameterSet,
               explain: bool = True) -> pd.DataFrame:
    """OUT.csv of ``--scheme tianjin-meal``."""
    cols = prepare(table, as_of)
    meal = evaluate_meal(cols, table.n, as_of, meal_params)
    out = pd.DataFrame({
        "person_id": pd.Series(cols["person_id"], dtype=object),
        "meal_groups": meal.evaluation.group_list(),
        "meal_eligible": meal.eligible,
        "meal_subsidy_per_meal": meal.per_meal,
        "meal_city_share": meal.city,
        "meal_district_share": meal.district,
    })
    out["explanation"] = (render_trail(join_trails(age_trail(cols, as_of), meal.trail))
                          if explain else "")
    return out
