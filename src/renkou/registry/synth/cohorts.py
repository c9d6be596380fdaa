"""Cohorts around the census population (普查前后的人口): people alive in 2015 who died before
the census, migrants who left before it, and migrants and hukou settlers arriving after it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from renkou.registry.synth import people as pp
from renkou.registry.synth.dates import (
    CENSUS,
    END,
    NAT,
    START,
    completed_age,
    shift_months,
    uniform_dates,
)
from renkou.registry.synth.spells import (
    DAY,
    I64,
    Cohort,
    deaths_between,
    hukou_frame,
    hukou_since,
    origin_for,
    residence_frame,
)
from renkou.registry.synth.targets import INSIDE_MIN, Targets


def ghosts(n: int, t: Targets, rng: np.random.Generator, first_pid: int
            ) -> tuple[Cohort, pd.DataFrame, pd.DataFrame]:
    """People alive on 2015-01-01 who died before the census (ages 6+ at death)."""
    years = (CENSUS - START).astype(np.int64) / 365.25
    w = t.age_sex * t.mx
    w[:6] = 0
    k = round(n * float((t.age_sex * t.mx).sum()) * years)
    cell = rng.choice(w.size, size=k, p=(w / w.sum()).ravel())
    age, male = (cell // 2).astype(np.int64), cell % 2 == 0
    death = uniform_dates(np.full(k, START), np.full(k, CENSUS - DAY), rng)
    birth = pp.birth_dates_for_age(age, death, rng)
    pl = pp.draw_placement(age, death, t, rng)
    pid = first_pid + np.arange(k, dtype=np.int64)
    tj = pl.hukou >= INSIDE_MIN
    origin = origin_for(pl.hukou, t, rng)
    since = hukou_since(birth, origin, pl.hukou, rng)
    hk = hukou_frame(pid[tj], pl.hukou[tj], since[tj], "register")
    away = ~np.isnat(pl.since)
    start = np.maximum(pl.since, birth)
    res = residence_frame(pid[away], pl.residence[away], start[away], rng,
                     np.where(pl.category[away] == pp.FLOATING, 0.6, 0.05))
    arrive = np.where(tj, since, start)
    co = Cohort("ghost", male, birth, death, origin, np.where(tj, 0, pl.hukou), pl.residence,
                 arrive, np.full(k, NAT))
    return co, hk, res


def floater_ages(p0: Cohort, pl: pp.Placement, k: int, rng: np.random.Generator) -> I64:
    ages = completed_age(p0.birth[pl.category == pp.FLOATING], CENSUS)
    ages = ages[(ages >= 16) & (ages <= 60)] if (ages >= 16).sum() > 10 else np.array([30])
    return np.asarray(ages[rng.integers(0, len(ages), k)], dtype=np.int64)


def arrivals(n: int, p0: Cohort, pl0: pp.Placement, t: Targets, rng: np.random.Generator,
              first_pid: int) -> tuple[Cohort, pd.DataFrame]:
    """Migrants arriving from outside the jurisdiction from six months before the census on."""
    cutoff = shift_months(np.array([CENSUS]), -6)[0]
    years = (END - cutoff).astype(np.int64) / 365.25
    k = round(n * t.separation["outside_city"] * 0.055 * years)
    when = uniform_dates(np.full(k, cutoff + DAY), np.full(k, END), rng)
    age = floater_ages(p0, pl0, k, rng)
    male = rng.random(k) < 0.55
    birth = pp.birth_dates_for_age(age, when, rng)
    pl = pp.draw_placement(age, when, t, rng, floating_only=True)
    pid = first_pid + np.arange(k, dtype=np.int64)
    res = residence_frame(pid, pl.residence, when, rng, 0.6)
    death = deaths_between(t, male, birth, when + DAY, rng)
    co = Cohort("arrival", male, birth, death, pl.hukou, pl.hukou, pl.residence, when,
                 np.full(k, NAT))
    return co, res


def settlers(n: int, t: Targets, rng: np.random.Generator, first_pid: int
              ) -> tuple[Cohort, pd.DataFrame]:
    """People given a hukou inside the jurisdiction right after the census (人才引进, 积分落户)."""
    years = (END - CENSUS).astype(np.int64) / 365.25
    k = round(n * 0.003 * years)
    when = uniform_dates(np.full(k, CENSUS + DAY), np.full(k, END), rng)
    age = rng.integers(22, 41, k).astype(np.int64)
    male = rng.random(k) < 0.52
    birth = pp.birth_dates_for_age(age, when, rng)
    street = pp.draw_resident_streets(k, t, rng)
    frm = pp.outside_codes(k, t, rng)
    pid = first_pid + np.arange(k, dtype=np.int64)
    hk = hukou_frame(pid, street, when, "in", frm)
    death = deaths_between(t, male, birth, when + DAY, rng)
    co = Cohort("settler", male, birth, death, frm, frm, street, when, np.full(k, NAT))
    return co, hk


def leavers(n: int, p0: Cohort, pl0: pp.Placement, t: Targets, rng: np.random.Generator,
             first_pid: int) -> tuple[Cohort, pd.DataFrame]:
    """Migrants who lived in the jurisdiction in 2015–2020 but left before the census."""
    years = (CENSUS - START).astype(np.int64) / 365.25
    k = round(n * t.separation["outside_city"] * 0.12 * years)
    leave = uniform_dates(np.full(k, START), np.full(k, CENSUS - DAY), rng)
    age = floater_ages(p0, pl0, k, rng)
    male = rng.random(k) < 0.55
    birth = pp.birth_dates_for_age(age, leave, rng)
    arrive = np.maximum(leave - rng.integers(180, 10 * 365, k).astype("timedelta64[D]"), birth)
    pl = pp.draw_placement(age, leave, t, rng, floating_only=True)
    pid = first_pid + np.arange(k, dtype=np.int64)
    res = residence_frame(pid, pl.residence, arrive, rng, 0.5)
    res["end"] = leave
    co = Cohort("leaver", male, birth, np.full(k, NAT), pl.hukou, pl.hukou, pl.residence,
                 arrive, leave)
    return co, res
