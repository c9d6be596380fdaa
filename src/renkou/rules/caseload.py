"""Caseloads (受益人数) and costs by district: the same rules as ``rules evaluate``, run over
the registry's hukou population with the attributes it lacks imputed (:mod:`.imputation`).

Amounts: care and family-planning assistance are monthly per person, so annual cost = caseload
× monthly × 12; meals are per meal, so annual cost = caseload × lunches a day × days a week ×
weeks a year × (subsidy + canteen operating subsidy). Caseloads may be weighted (survival
probabilities in projections), hence floats."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from renkou.errors import InputError
from renkou.jurisdictions import Jurisdiction
from renkou.regions import gazetteer
from renkou.rules.conditions import Columns
from renkou.rules.engine import split_shares
from renkou.rules.imputation import (
    Latent,
    PersonBase,
    elderly_columns,
    family_planning_columns,
    resolve_urban,
)
from renkou.rules.inputs import completed_years
from renkou.rules.parameters import ParameterSet, load_parameters
from renkou.rules.schemes import get_scheme
from renkou.rules.schemes.elderly import (
    evaluate_care,
    evaluate_meal,
    load_care_parameters,
    load_meal_parameters,
)
from renkou.rules.schemes.family_planning import (
    evaluate_fp,
    load_fp_parameters,
    with_dynamic_adjustment,
)
from renkou.types import FloatArray

if TYPE_CHECKING:
    from renkou.registry import Registry

ASSUMPTIONS = "caseload-assumptions"
MONTHS = 12
#: People younger than this on the evaluation date cannot qualify for the elderly schemes.
ELDERLY_FLOOR = 60
#: For family-planning assistance the woman must be 49; men's wives are younger, so 45 is safe.
FP_FLOOR = 45

COST_COLUMNS = ["district", "district_name", "component", "caseload", "annual_cost_total",
                "annual_cost_city", "annual_cost_district", "annual_cost_unallocated"]


def load_assumptions(overrides: Mapping[str, Any] | None = None) -> ParameterSet:
    return load_parameters(ASSUMPTIONS).with_overrides(overrides or {})


def split_overrides(scheme: str, overrides: Mapping[str, Any]
                    ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Overrides of the scheme's parameters and of the assumptions; unknown names fail."""
    sets = get_scheme(scheme).parameters({})
    scheme_names = {k for s in sets for k in s}
    assumption_names = set(load_parameters(ASSUMPTIONS))
    unknown = sorted(set(overrides) - scheme_names - assumption_names)
    if unknown:
        raise InputError(f"未知参数：{', '.join(unknown)}")
    return ({k: v for k, v in overrides.items() if k in scheme_names},
            {k: v for k, v in overrides.items() if k in assumption_names})


def budget_districts(jurisdiction: Jurisdiction) -> dict[str, str]:
    """The districts (code → name) caseloads are counted by: a city's districts, or the
    district itself for a district deployment (whose areas are its 街镇)."""
    if jurisdiction.area_level == "district":
        return {a.code: a.name for a in jurisdiction.areas}
    return {jurisdiction.code: jurisdiction.name}


def registry_base(registry: Registry, as_of: dt.date, seed: int,
                  assumptions: ParameterSet) -> tuple[PersonBase, Latent]:
    """Hukou population (户籍人口) of the registry on ``as_of`` with each person's latent draws."""
    df = registry.persons(as_of, caliber="hukou")
    return base_from_frame(df, as_of, seed, assumptions, registry.jurisdiction())


def base_from_frame(df: pd.DataFrame, as_of: dt.date, seed: int, assumptions: ParameterSet,
                    jurisdiction: Jurisdiction) -> tuple[PersonBase, Latent]:
    """Build the base from ``Registry.persons`` columns (sex, birth_date, hukou_district, urban);
    rows without a hukou district of ``jurisdiction`` are left out."""
    codes = set(budget_districts(jurisdiction))
    district = df["hukou_district"].astype(object).where(df["hukou_district"].notna(), "")
    keep = district.isin(codes).to_numpy(dtype=bool)
    df = df.loc[keep]
    lat = Latent.draw(len(df), seed)
    urban = resolve_urban(df["urban"].to_numpy(dtype=object) if "urban" in df else
                          np.full(len(df), None, dtype=object), lat.u["urban"],
                          float(assumptions["urban_share_default"].at(as_of)))
    base = PersonBase(district=df["hukou_district"].to_numpy(dtype=object),
                      sex=df["sex"].to_numpy(dtype=object),
                      birth_date=pd.to_datetime(df["birth_date"]).to_numpy()
                      .astype("datetime64[D]"),
                      urban=urban)
    return base, lat


def _names(codes: npt.NDArray[np.object_]) -> dict[str, str]:
    gaz = gazetteer()
    return {str(c): gaz.regions[c].name for c in set(codes.tolist()) if c in gaz.regions}


def _aggregate(district: npt.NDArray[np.object_], weights: FloatArray,
               components: list[tuple[str, npt.NDArray[np.bool_], FloatArray, FloatArray,
                                      FloatArray]]) -> pd.DataFrame:
    """Sum caseload and annual costs by district for each (name, mask, city, district,
    unallocated) component; costs are annual per person."""
    names = _names(district)
    frames = []
    for name, mask, city, dist, unalloc in components:
        w = np.where(mask, weights, 0.0)
        df = pd.DataFrame({"district": district, "caseload": w, "annual_cost_city": w * city,
                           "annual_cost_district": w * dist,
                           "annual_cost_unallocated": w * unalloc})
        g = df.groupby("district", sort=True).sum().reset_index()
        g["component"] = name
        frames.append(g)
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COST_COLUMNS)
    out["annual_cost_total"] = (out["annual_cost_city"] + out["annual_cost_district"]
                                + out["annual_cost_unallocated"])
    out["district_name"] = out["district"].map(names).fillna("")
    return out[COST_COLUMNS]


def _groups(district: npt.NDArray[np.object_], weights: FloatArray,
            groups: Mapping[str, npt.NDArray[np.bool_]], labels: Mapping[str, str]
            ) -> pd.DataFrame:
    rows = []
    for key, mask in groups.items():
        s = pd.Series(np.where(mask, weights, 0.0)).groupby(district).sum()
        rows.append(pd.DataFrame({"district": s.index, "group": labels.get(key, key),
                                  "caseload": s.to_numpy()}))
    return pd.concat(rows, ignore_index=True)


def scheme_costs(scheme: str, base: PersonBase, lat: Latent, when: dt.date,
                 weights: FloatArray, scheme_overrides: Mapping[str, Any],
                 assumptions: ParameterSet) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Caseload and annual cost by district and component, and caseload by group, of scheme
    ``scheme`` on ``when`` for the (weighted) people of ``base``."""
    a = assumptions.at(when)
    engine = get_scheme(scheme).engine
    if engine == "family-planning":
        fp = load_fp_parameters(scheme_overrides, scheme)
        fp = with_dynamic_adjustment(fp, when.year)
        cols: Columns = family_planning_columns(base, lat, when, a,
                                                fp["fp_born_on_or_after"].at(when))
        r = evaluate_fp(cols, base.n, when, fp)
        annual_c, annual_d = r.city * MONTHS, r.district * MONTHS
        zero = np.zeros(base.n)
        comps = [("独生子女死亡家庭扶助金", r.category == "death", annual_c, annual_d, zero),
                 ("独生子女伤残家庭扶助金", r.category == "disabled", annual_c, annual_d, zero)]
        groups = {"death": r.category == "death", "disabled": r.category == "disabled"}
        labels = {"death": "独生子女死亡家庭", "disabled": "独生子女伤残家庭"}
        return (_aggregate(base.district, weights, comps),
                _groups(base.district, weights, groups, labels))
    if engine == "elderly-care":
        care_p, _ = load_care_parameters(scheme, scheme_overrides)
        wage = float(care_p["minimum_wage_monthly"].at(when))
        cols = elderly_columns(base, lat, when, a, wage)
        r_care = evaluate_care(cols, base.n, when, care_p)
        zero = np.zeros(base.n)
        comps = [("居家养老服务（护理）补贴", r_care.eligible, r_care.city * MONTHS,
                  r_care.district * MONTHS, zero)]
        ev = r_care.evaluation
        labels = {k: g.label for k, g in ev.rules.groups.items()}
        groups = dict(ev.groups)
        for level in ("light", "moderate", "severe"):
            groups[f"level_{level}"] = r_care.eligible & (cols["care_level"] == level)
            labels[f"level_{level}"] = {"light": "其中轻度", "moderate": "其中中度",
                                        "severe": "其中重度"}[level]
        return (_aggregate(base.district, weights, comps),
                _groups(base.district, weights, groups, labels))
    meal_p = load_meal_parameters(scheme, scheme_overrides)
    wage = float(meal_p["minimum_wage_monthly"].at(when))
    cols = elderly_columns(base, lat, when, a, wage)
    r_meal = evaluate_meal(cols, base.n, when, meal_p)
    p = r_meal.evaluation.params
    meals = float(p["meal_lunches_per_day"]) * float(p["meal_days_per_week"]) * float(
        p["meal_weeks_per_year"])
    sub_c, sub_d = r_meal.city * meals, r_meal.district * meals
    op = np.where(r_meal.eligible, float(p["meal_operating_subsidy_per_meal"]) * meals, 0.0)
    zero = np.zeros(base.n)
    if p["meal_operating_subsidy_shared"]:
        op_c, op_d = split_shares(op, p["meal_city_ratio"], p["meal_district_ratio"])
        op_u = zero
    else:
        op_c, op_d, op_u = zero, zero, op
    comps = [("助餐补贴", r_meal.eligible, sub_c, sub_d, zero),
             ("老人家食堂运营补贴", r_meal.eligible, op_c, op_d, op_u)]
    ev = r_meal.evaluation
    labels = {k: g.label for k, g in ev.rules.groups.items()}
    groups = dict(ev.groups)
    groups["qualifies"] = r_meal.qualifies
    labels["qualifies"] = "符合条件（不论是否申请）"
    return (_aggregate(base.district, weights, comps),
            _groups(base.district, weights, groups, labels))


def floor_age(scheme: str) -> int:
    return FP_FLOOR if get_scheme(scheme).engine == "family-planning" else ELDERLY_FLOOR


def registry_caseload(scheme: str, registry: Registry, as_of: dt.date,
                      overrides: Mapping[str, Any] | None = None, *, seed: int = 2025
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Caseload, monthly and annual cost by district and component of ``scheme`` on
    ``as_of``, and caseload by district and group (groups overlap). A scheme of another
    jurisdiction than the store's is refused."""
    get_scheme(scheme).require(registry.jurisdiction())
    s_over, a_over = split_overrides(scheme, overrides or {})
    assumptions = load_assumptions(a_over)
    base, lat = registry_base(registry, as_of, seed, assumptions)
    old = completed_years(base.birth_date, as_of) >= floor_age(scheme)
    base, lat = base.subset(old), lat.subset(old)
    costs, by_group = scheme_costs(scheme, base, lat, as_of, np.ones(base.n), s_over,
                                   assumptions)
    costs = costs.copy()
    costs.insert(0, "as_of", as_of.isoformat())
    costs["monthly_cost_total"] = costs["annual_cost_total"] / MONTHS
    by_group.insert(0, "as_of", as_of.isoformat())
    return costs, by_group
