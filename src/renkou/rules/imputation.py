"""Imputing what the registry does not hold (属性推算) for caseload and budget runs.

The registry knows each person's sex, birth date, hukou district and urban/rural place; the
schemes also need care level, dibao/low-income status, only-child parenthood, income, model-worker
status, institution residence and meal uptake. These are drawn per person from the shares in
``rules/data/caseload_assumptions.yaml``. Each person has one fixed uniform draw per attribute
(:class:`Latent`), so re-evaluating at a later date with the person older changes only what the
assumptions make depend on age (care level, institution) — a person's care level never falls."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from renkou.rules.inputs import completed_years
from renkou.types import FloatArray

LATENT_NAMES = ("care", "assist", "key", "model", "only", "child_age", "childless", "fp",
                "income", "institution", "meal", "urban")


@dataclass(frozen=True)
class PersonBase:
    """The registry's facts about each person (户籍人口 at the base date)."""

    district: npt.NDArray[np.object_]
    sex: npt.NDArray[np.object_]
    birth_date: npt.NDArray[np.datetime64]
    urban: npt.NDArray[np.bool_]

    @property
    def n(self) -> int:
        return len(self.district)

    def subset(self, mask: npt.NDArray[np.bool_]) -> PersonBase:
        return PersonBase(self.district[mask], self.sex[mask], self.birth_date[mask],
                          self.urban[mask])


@dataclass(frozen=True)
class Latent:
    """One uniform draw per person and attribute, fixed for the whole run."""

    u: Mapping[str, FloatArray]

    @staticmethod
    def draw(n: int, seed: int) -> Latent:
        rng = np.random.default_rng(seed)
        return Latent({k: rng.random(n) for k in LATENT_NAMES})

    def subset(self, mask: npt.NDArray[np.bool_]) -> Latent:
        return Latent({k: v[mask] for k, v in self.u.items()})


def resolve_urban(urban: Any, u: FloatArray, default_share: float) -> npt.NDArray[np.bool_]:
    """Registry urban flag, with unknown values drawn at ``default_share``."""
    import pandas as pd

    s = pd.Series(urban, dtype=object)
    known = s.notna().to_numpy(dtype=bool)  # None, NaN and pd.NA are all unknown
    out = u < default_share
    out[known] = s[known].astype(bool).to_numpy(dtype=bool)
    return out


def _by_band(values: Any, bands: Any, key: npt.NDArray[np.int64]) -> FloatArray:
    """Look up a per-band list for each person (``key`` = age or birth year)."""
    b = np.asarray(bands, dtype=np.int64)
    v = np.asarray(values, dtype=float)
    if len(b) != len(v):
        raise ValueError("band list and share list differ in length")
    idx = np.searchsorted(b, key, side="right") - 1
    return np.where(idx >= 0, v[np.clip(idx, 0, len(v) - 1)], 0.0)


def birth_years(base: PersonBase) -> npt.NDArray[np.int64]:
    return np.asarray(base.birth_date.astype("datetime64[Y]").astype(np.int64) + 1970,
                      dtype=np.int64)


def family(base: PersonBase, lat: Latent, a: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Date-independent family facts: only-child parenthood, the child's fate, other children."""
    by = birth_years(base)
    share = np.where(base.urban, _by_band(a["only_child_share_urban"], a["only_child_cohorts"], by),
                     _by_band(a["only_child_share_rural"], a["only_child_cohorts"], by))
    only = lat.u["only"] < share
    died = only & (lat.u["fp"] < a["only_child_died_share"])
    disabled = only & ~died & (lat.u["fp"] < a["only_child_died_share"]
                               + a["only_child_disabled_share"])
    childless = ~only & (lat.u["childless"] < a["childless_share"])
    gap = a["parent_age_at_birth_min"] + lat.u["child_age"] * (
        a["parent_age_at_birth_max"] - a["parent_age_at_birth_min"])
    return {"only": only, "died": died, "disabled": disabled, "childless": childless,
            "parent_gap_years": gap}


def elderly_columns(base: PersonBase, lat: Latent, when: dt.date, a: Mapping[str, Any],
                    minimum_wage: float) -> dict[str, np.ndarray]:
    """Columns of the home-care/meal rules for every person of ``base`` on ``when``."""
    n = base.n
    age = completed_years(base.birth_date, when)
    fam = family(base, lat, a)
    bands = a["age_bands"]
    factor = np.where(base.sex == "female", float(a["care_sex_factor_female"]),
                      float(a["care_sex_factor_male"]))
    severe = factor * _by_band(a["care_severe_share"], bands, age)
    moderate = severe + factor * _by_band(a["care_moderate_share"], bands, age)
    light = moderate + factor * _by_band(a["care_light_share"], bands, age)
    uc = lat.u["care"]
    care = np.where(uc < severe, "severe", np.where(uc < moderate, "moderate",
                    np.where(uc < light, "light", "none"))).astype(object)
    ua = lat.u["assist"]
    assist = np.where(ua < a["dibao_share"], "dibao",
                      np.where(ua < a["dibao_share"] + a["low_income_share"], "low_income",
                               "none")).astype(object)
    below = lat.u["income"] < np.where(base.urban, a["income_below_wage_share_urban"],
                                       a["income_below_wage_share_rural"])
    # Only the side of the minimum wage matters to the rules; the amounts stand for it.
    income = np.where(below, 0.5 * minimum_wage, 2.0 * minimum_wage)
    child_age = np.where(fam["only"] & ~fam["died"], np.floor(age - fam["parent_gap_years"]),
                         np.nan)
    living = np.where(fam["only"], np.where(fam["died"], 0.0, 1.0),
                      np.where(fam["childless"], 0.0, 2.0))
    return {
        "age": age,
        "hukou_tianjin": np.ones(n, dtype=bool),
        "hukou_district": base.district,
        "residence": np.where(base.urban, "urban", "rural").astype(object),
        "social_assistance": assist,
        "key_entitled": lat.u["key"] < a["key_entitled_share"],
        "care_level": care,
        "household_income_per_capita": income,
        "only_child_parent": fam["only"],
        "only_child_age": child_age,
        "living_children": living,
        "model_worker_city": lat.u["model"] < a["model_worker_share"],
        "in_institution": lat.u["institution"] < _by_band(a["institution_share"], bands, age),
        "meal_applied": lat.u["meal"] < a["meal_uptake"],
    }


def family_planning_columns(base: PersonBase, lat: Latent, when: dt.date, a: Mapping[str, Any],
                            born_on_or_after: dt.date) -> dict[str, np.ndarray]:
    """Columns of the family-planning rules for every person of ``base`` on ``when``."""
    fam = family(base, lat, a)
    female = base.sex == "female"
    gap = np.timedelta64(round(float(a["wife_younger_years"]) * 365.25), "D")
    woman_birth = np.where(female, base.birth_date, base.birth_date + gap)
    n = base.n
    return {
        "age": completed_years(base.birth_date, when),
        "hukou_tianjin": np.ones(n, dtype=bool),
        "hukou_district": base.district,
        "woman_age": completed_years(woman_birth.astype("datetime64[D]"), when).astype(float),
        "born_on_or_after_limit": base.birth_date >= np.datetime64(born_on_or_after, "D"),
        "children_born_or_adopted": np.where(fam["only"], 1.0,
                                             np.where(fam["childless"], 0.0, 2.0)),
        "living_children": np.where(fam["only"], np.where(fam["died"], 0.0, 1.0),
                                    np.where(fam["childless"], 0.0, 2.0)),
        "child_disability_grade": np.where(fam["disabled"], 2.0, np.nan),
    }


def gompertz_survival(base: PersonBase, start: dt.date, end: dt.date, a: Mapping[str, Any]
                      ) -> FloatArray:
    """Probability of surviving from ``start`` to ``end`` under a Gompertz hazard
    μ(x) = m60·exp(b(x − 60)), b = ln 2 / doubling years, by sex (exact integral)."""
    female = base.sex == "female"
    b = np.log(2.0) / np.where(female, float(a["mortality_doubling_years_female"]),
                               float(a["mortality_doubling_years_male"]))
    m60 = np.where(base.sex == "female", float(a["mortality_m60_female"]),
                   float(a["mortality_m60_male"]))
    days = np.datetime64(start, "D") - base.birth_date
    x0 = days.astype(np.int64) / 365.25
    t = (end - start).days / 365.25
    cum = m60 / b * (np.exp(b * (x0 + t - 60.0)) - np.exp(b * (x0 - 60.0)))
    return np.asarray(np.exp(-cum), dtype=float)
