"""Targets of the synthetic city (合成城市目标结构): Tianjin's 2020 census structure.

Single-year age–sex shares close to the 七普 broad shares, district weights from
``renkou.regions`` (census2020), urban shares, 人户分离 shares, and mortality and fertility
schedules. Reference figures live in ``data/synth_reference.yaml`` with their sources."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import yaml

from renkou.regions import XIQING, gazetteer, tianjin_districts
from renkou.types import FloatArray

MAX_AGE = 100  # open age group 100+


def _reference() -> dict[str, Any]:
    text = resources.files("renkou").joinpath("data/synth_reference.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


@dataclass(frozen=True)
class Street:
    """One 街镇 of the synthetic city: 9-digit code, its district and whether it is urban."""

    code: int
    district: int
    urban: bool


@dataclass(frozen=True)
class Targets:
    """Everything the generator calibrates to.

    ``age_sex`` has shape (101, 2): share of the resident population at single age 0…100+
    (column 0 male, 1 female), summing to 1. ``mx`` has the same shape: central death rates.
    ``asfr`` has shape (101,): births per woman-year by age (zero outside 15–49)."""

    age_sex: FloatArray
    district_codes: tuple[int, ...]
    district_weights: FloatArray
    district_urban: FloatArray
    district_weights_60_plus: FloatArray  # P(district | aged 60+)
    district_weights_under_60: FloatArray  # P(district | under 60)
    streets: tuple[Street, ...]
    separation: dict[str, float]
    mx: FloatArray
    asfr: FloatArray
    srb: float
    outside_codes: tuple[int, ...]
    outside_weights: FloatArray
    census: dict[str, float]

    def streets_of(self, district: int) -> list[Street]:
        return [s for s in self.streets if s.district == district]


def _spread_groups(groups: dict[int, float]) -> FloatArray:
    """Split 5-year group totals (ages 0,5,…,95 and 100+) into single years 0…100.

    Piecewise-linear density through group midpoints, rescaled so each group keeps its total."""
    starts = sorted(groups)
    mids = np.array([s + 2.5 for s in starts[:-1]] + [100.5])
    dens = np.array([groups[s] / 5 for s in starts[:-1]] + [groups[starts[-1]]])
    ages = np.arange(MAX_AGE + 1, dtype=float) + 0.5
    raw = np.interp(ages, mids, dens)
    out = np.zeros(MAX_AGE + 1)
    for s in starts[:-1]:
        sl = slice(s, s + 5)
        out[sl] = raw[sl] / raw[sl].sum() * groups[s]
    out[MAX_AGE] = groups[starts[-1]]
    return out


def _age_sex_shares(ref: dict[str, Any]) -> FloatArray:
    pop = ref["wpp2024_china_pop2020_thousands"]
    male = _spread_groups({int(a): float(v[0]) for a, v in pop.items()})
    female = _spread_groups({int(a): float(v[1]) for a, v in pop.items()})
    both = male + female
    c = ref["tianjin_census2020"]
    blocks = [(0, 15, c["age_0_14"]), (15, 60, c["age_15_59"]),
              (60, 65, c["age_60_plus"] - c["age_65_plus"]), (65, MAX_AGE + 1, c["age_65_plus"])]
    # Rescale China's shape by a factor that is piecewise linear in age (knots at the block
    # centres) and solved so that each block hits its Tianjin share exactly: the blocks add up
    # right without steps at ages 15, 60 and 65.
    knots = np.array([7.0, 37.0, 62.0, 82.0])
    mid = np.arange(MAX_AGE + 1) + 0.5
    hats = np.array([np.interp(mid, knots, row) for row in np.eye(len(knots))])
    weight = np.array([[float((both[lo:hi] * hats[k, lo:hi]).sum()) for k in range(len(knots))]
                       for lo, hi, _ in blocks])
    factor = np.linalg.solve(weight, np.array([target for *_, target in blocks]))
    shares = both * (factor @ hats)
    # Male share by age follows China's pattern, with male odds scaled so the total matches.
    pm = male / both
    lo_k, hi_k = 0.5, 2.0
    for _ in range(60):
        k = (lo_k + hi_k) / 2
        odds = pm / (1 - pm) * k
        total_male = float((shares * odds / (1 + odds)).sum())
        if total_male < c["male_share"]:
            lo_k = k
        else:
            hi_k = k
    odds = pm / (1 - pm) * (lo_k + hi_k) / 2
    m = shares * odds / (1 + odds)
    return np.column_stack([m, shares - m])


def _single_year_mx(ref: dict[str, Any]) -> FloatArray:
    """Log-linear interpolation of WPP abridged mx to single years (ages 0…100)."""
    raw = ref["wpp2024_china_mx_2020_2025"]
    starts = np.array(sorted(int(a) for a in raw))
    out = np.zeros((MAX_AGE + 1, 2))
    ages = np.arange(MAX_AGE + 1)
    for j in range(2):
        vals = np.log(np.array([raw[a][j] for a in sorted(raw, key=int)]))
        # Age 0 stands alone; from age 1 on interpolate between group midpoints.
        mids = np.where(starts == 0, 0.0, np.where(starts == 1, 2.5, starts + 2.5))
        mids[starts == 100] = 100.0
        out[:, j] = np.exp(np.interp(ages.astype(float), mids, vals))
        out[0, j] = raw[0][j]
    return out


def life_expectancy(mx: FloatArray) -> float:
    """e0 of a single-year period life table (ax = 0.5, open group L = l / m)."""
    q = np.clip(mx[:-1] / (1 + 0.5 * mx[:-1]), 0, 1)
    lx = np.concatenate([[1.0], np.cumprod(1 - q)])
    big_l = (lx[:-1] + lx[1:]) / 2
    return float(big_l.sum() + lx[-1] / mx[-1])


def _scaled_mx(ref: dict[str, Any], srb: float) -> FloatArray:
    """Scale the mortality level so that e0 (both sexes, weighted by SRB) hits the target."""
    base = _single_year_mx(ref)
    wm = srb / (1 + srb)
    lo, hi = 0.2, 2.0
    for _ in range(60):
        f = (lo + hi) / 2
        e0 = wm * life_expectancy(base[:, 0] * f) + (1 - wm) * life_expectancy(base[:, 1] * f)
        if e0 > ref["e0"]:
            lo = f
        else:
            hi = f
    return np.asarray(base * (lo + hi) / 2)


def _asfr(ref: dict[str, Any]) -> FloatArray:
    pasfr = ref["wpp2024_china_pasfr_2020_2025"]
    groups = {int(a): float(v) / 100 * float(ref["tfr"]) for a, v in pasfr.items()}
    out = np.zeros(MAX_AGE + 1)
    mids = np.array([a + 2.5 for a in sorted(groups)])
    dens = np.array([groups[a] / 5 for a in sorted(groups)])
    raw = np.interp(np.arange(15, 50) + 0.5, mids, dens)
    for a in sorted(groups):
        sl = slice(a - 15, a - 10)
        out[a:a + 5] = raw[sl] / raw[sl].sum() * groups[a]
    return out


def _streets(ref: dict[str, Any], districts: list[int]) -> tuple[Street, ...]:
    out: list[Street] = []
    urban_share = ref["urban_share"]
    per = ref["streets_per_district"]
    for d in districts:
        if str(d) == XIQING:
            for r in gazetteer().streets(XIQING):
                out.append(Street(int(r.code), d, bool(r.urban)))
            continue
        k = int(per[str(d)])
        group = gazetteer().get(str(d)).group or "outer"
        share = float(urban_share[group])
        n_urban = k if share >= 1 else max(1, min(k - 1, round(k * share)))
        for i in range(k):
            out.append(Street(d * 1000 + i + 1, d, i < n_urban))
    return tuple(out)


@lru_cache(maxsize=1)
def targets() -> Targets:
    """The generator's calibration targets (cached; pure data)."""
    ref = _reference()
    districts = tianjin_districts()
    codes = [int(r.code) for r in districts]
    weights = np.array([float(r.census2020 or 0) for r in districts])
    weights /= weights.sum()
    urban = np.array([float(ref["urban_share"][r.group or "outer"]) for r in districts])
    # Older central districts, younger suburbs: P(d | 60+) and P(d | <60) mix back to the
    # census weights exactly (tilts are centred), so district totals and city shares hold.
    p60 = float(ref["tianjin_census2020"]["age_60_plus"])
    tilt = np.array([(float(ref["district_60_plus"][r.code]) - p60) / (p60 * (1 - p60))
                     for r in districts])
    tilt -= float((weights * tilt).sum())
    old = weights * (1 + tilt * (1 - p60))
    young = weights * (1 - tilt * p60)
    srb = float(ref["sex_ratio_at_birth"])
    outside = ref["outside_codes"]
    ow = np.array([float(v) for v in outside.values()])
    return Targets(
        age_sex=_age_sex_shares(ref),
        district_codes=tuple(codes),
        district_weights=weights,
        district_urban=urban,
        district_weights_60_plus=old / old.sum(),
        district_weights_under_60=young / young.sum(),
        streets=_streets(ref, codes),
        separation={k: float(v) for k, v in ref["separation"].items()},
        mx=_scaled_mx(ref, srb),
        asfr=_asfr(ref),
        srb=srb,
        outside_codes=tuple(int(c) for c in outside),
        outside_weights=ow / ow.sum(),
        census={k: float(v) for k, v in ref["tianjin_census2020"].items()},
    )
