"""Synthetic applicant pool (积分落户申请人模拟样本) for the demo city, seeded.

The distributions are plausible assumptions for a Tianjin-like city, not published figures:
Tianjin settles most graduates with a bachelor's degree or more through the “海河英才” talent
programme, so the points pool leans towards 大专 and below; ages cluster in the early thirties;
insurance and residence years grow with age; the work districts follow 2020 census resident
population tilted towards the ring districts and 滨海新区 (where migrants concentrate); origin
provinces follow the usual pattern of migrants to Tianjin (河北 first, then 山东, 河南 and the
north-east). Change them here, not in the scoring code."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from renkou.errors import InputError
from renkou.regions import gazetteer
from renkou.rules.points.columns import COLUMNS

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
ORIGIN_SHARES: dict[str, float] = {
    "13": 0.30, "37": 0.12, "41": 0.11, "23": 0.07, "14": 0.05, "34": 0.05, "15": 0.04,
    "21": 0.04, "22": 0.03, "32": 0.03, "51": 0.03, "62": 0.02, "42": 0.02, "11": 0.02,
    "43": 0.01, "61": 0.01, "36": 0.01, "50": 0.01, "44": 0.01, "33": 0.01,
}
# Migrants concentrate outside the central city: multipliers on 2020 resident population.
DISTRICT_TILT: dict[str, float] = {"central": 0.6, "ring": 1.3, "binhai": 1.6, "outer": 0.8}
MALE_SHARE = 0.55
PERMIT_SHARE = 0.92
SHORTAGE_SHARE = 0.12
DISHONEST_SHARE = 0.01
VIOLATION_RATE = 0.05  # mean administrative penalties per applicant (Poisson)


def _choice(rng: np.random.Generator, shares: dict[str, float], n: int) -> np.ndarray:
    keys = np.array(list(shares), dtype=object)
    p = np.array(list(shares.values()), dtype=np.float64)
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def generate_applicants(n: int, seed: int = 2021, as_of: dt.date = dt.date(2021, 12, 31),
                        city: str = "120000") -> pd.DataFrame:
    """``n`` synthetic applicants as text columns (:data:`COLUMNS`), as read from a CSV."""
    if n < 1:
        raise InputError("申请人数必须为正整数")
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

    districts = gazetteer().districts(city)
    weights = np.array([(d.census2020 or 1) * DISTRICT_TILT.get(d.group or "", 1.0)
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
        "origin_province": _choice(rng, ORIGIN_SHARES, n),
        "violations": rng.poisson(VIOLATION_RATE, n).astype(str),
        "dishonest": np.where(rng.random(n) < DISHONEST_SHARE, "true", "false"),
        "application_date": application.astype(str),
    })
    return df[list(COLUMNS)]
