"""Synthetic applicant pool (积分落户申请人模拟样本) for a points scheme, seeded.

The distributions are plausible assumptions, not published figures. Education, titles, skills
and awards lean towards 大专 and below (graduates with a bachelor's degree or more mostly
settle through talent programmes, not points); ages cluster in the early thirties; insurance
and residence years grow with age. Work districts follow the 2020 census residents of the
scheme's jurisdiction tilted by area group, and origin provinces follow shares — both from
the scheme's ``applicant_pool`` section. Change them there, not in the scoring code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd

from renkou.errors import InputError
from renkou.rules.points.columns import COLUMNS
from renkou.rules.points.loader import load_scheme, scheme_jurisdiction
from renkou.rules.points.scheme import PointsScheme

# Shares (sum to one) — assumptions, see module docstring.
EDUCATION_SHARES: dict[str, float] = {
    "primary": 0.01, "junior_high": 0.12, "senior_high": 0.21, "associate": 0.31,
    "bachelor": 0.26, "master": 0.08, "doctor": 0.01,
}
TITLE_SHARES: dict[str, float] = {"none": 0.80, "junior": 0.10, "intermediate": 0.08,
                                  "senior": 0.02}
SKILL_SHARES: dict[str, float] = {"none": 0.75, "5": 0.05, "4": 0.08, "3": 0.08, "2": 0.03,
                                  "1": 0.01}
AWARD_SHARES: dict[str, float] = {"none": 0.96, "district": 0.03, "city": 0.009,
                                  "national": 0.001}
MALE_SHARE = 0.55
PERMIT_SHARE = 0.92
SHORTAGE_SHARE = 0.12
DISHONEST_SHARE = 0.01
VIOLATION_RATE = 0.05  # mean administrative penalties per applicant (Poisson)


def _choice(rng: np.random.Generator, shares: Mapping[str, float], n: int) -> np.ndarray:
    keys = np.array(list(shares), dtype=object)
    p = np.array(list(shares.values()), dtype=np.float64)
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def generate_applicants(n: int, seed: int = 2021, as_of: dt.date = dt.date(2021, 12, 31),
                        scheme: PointsScheme | None = None) -> pd.DataFrame:
    """``n`` synthetic applicants as text columns (:data:`COLUMNS`), as read from a CSV, for
    ``scheme`` (default: the shipped sample scheme)."""
    if n < 1:
        raise InputError("申请人数必须为正整数")
    scheme = scheme or load_scheme()
    pool = scheme.applicant_pool
    if not pool.get("origin_shares"):
        raise InputError(f"积分方案 {scheme.key} 没有 applicant_pool.origin_shares，"
                         "无法生成模拟申请人")
    origin_shares = {str(k): float(v) for k, v in pool["origin_shares"].items()}
    tilt = {str(k): float(v) for k, v in (pool.get("area_group_tilt") or {}).items()}
    rng = np.random.default_rng(seed)
    age = np.clip(np.round(rng.gamma(9.0, 1.5, n) + 19.0), 18, 59).astype(np.int64)
    day_in_year = rng.integers(0, 365, n)
    as_of_d = np.datetime64(as_of, "D")
    birth = (as_of_d - (age * 365.25).astype(np.int64) - day_in_year).astype("datetime64[D]")

    education = _choice(rng, EDUCATION_SHARES, n)
    # Insurance years: a share of the working years since 18, fractions in whole months.
    work_years = np.maximum(age - 18, 0).astype(np.float64)
    insurance = np.round(np.minimum(work_years * rng.beta(2.0, 3.0, n), 30.0) * 12) / 12
    permit = rng.random(n) < PERMIT_SHARE
    residence = np.where(
        permit, np.round(np.minimum(insurance + rng.normal(0.5, 1.0, n), work_years).clip(0)
                         * 12) / 12, 0.0)

    districts = scheme_jurisdiction(scheme).areas
    weights = np.array([(d.census2020 or 1) * tilt.get(d.group or "", 1.0)
                        for d in districts])
    district_codes = np.array([d.code for d in districts], dtype=object)
    district = district_codes[rng.choice(len(districts), size=n, p=weights / weights.sum())]

    window_days = 365
    application = (as_of_d - rng.integers(0, window_days, n)).astype("datetime64[D]")
    df = pd.DataFrame({
        "applicant_id": np.char.add("A", np.char.zfill(np.arange(1, n + 1).astype(str), 8)),
        "birth_date": birth.astype(str),
        "sex": np.where(rng.random(n) < MALE_SHARE, "male", "female"),
        "education": education,
        "insurance_years": np.char.mod("%.2f", insurance),
        "has_residence_permit": np.where(permit, "true", "false"),
        "residence_years": np.char.mod("%.2f", residence),
        "professional_title": _choice(rng, TITLE_SHARES, n),
        "skill_level": _choice(rng, SKILL_SHARES, n),
        "shortage_occupation": np.where(rng.random(n) < SHORTAGE_SHARE, "true", "false"),
        "award": _choice(rng, AWARD_SHARES, n),
        "district": district,
        "origin_province": _choice(rng, origin_shares, n),
        "violations": rng.poisson(VIOLATION_RATE, n).astype(str),
        "dishonest": np.where(rng.random(n) < DISHONEST_SHARE, "true", "false"),
        "application_date": application.astype(str),
    })
    return df[list(COLUMNS)]
