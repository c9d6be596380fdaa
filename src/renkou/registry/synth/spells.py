"""Building blocks of the synthetic histories (人口事件史构件): the cohort container, hukou
and residence spell frames, the day a hukou was established, and deaths by the mortality
schedule."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from renkou.registry.synth import people as pp
from renkou.registry.synth.dates import (
    CENSUS,
    END,
    NAT,
    START,
    Dates,
    completed_age,
    shift_years,
    uniform_dates,
)
from renkou.registry.synth.targets import INSIDE_MIN, Targets

I64 = npt.NDArray[np.int64]
DAY = np.timedelta64(1, "D")


@dataclass
class Cohort:
    """People of one origin, with their current (last) hukou and residence spells."""

    name: str
    male: npt.NDArray[np.bool_]
    birth: Dates
    death: Dates
    origin: I64  # division code encoded in the ID number
    outside: I64  # hukou county outside the jurisdiction (0 if none)
    home: I64  # street used for school and work (residence at the reference date)
    arrive: Dates
    leave: Dates
    edu_age_at: np.datetime64 = CENSUS
    hukou: list[pd.DataFrame] = field(default_factory=list)
    residence: list[pd.DataFrame] = field(default_factory=list)


def hukou_frame(idx: I64, code: I64, start: Dates, kind: str,
                from_code: I64 | int = 0) -> pd.DataFrame:
    n = len(idx)
    return pd.DataFrame({
        "pid": idx, "code": code, "start": start, "end": np.full(n, NAT),
        "start_kind": kind, "from_code": np.broadcast_to(np.asarray(from_code, np.int64), n),
        "end_kind": "", "to_code": np.zeros(n, np.int64), "out_date": np.full(n, NAT)})


def residence_frame(idx: I64, code: I64, start: Dates, rng: np.random.Generator,
               permit_p: npt.NDArray[np.float64] | float) -> pd.DataFrame:
    n = len(idx)
    community = np.where(rng.random(n) < 0.3, rng.integers(1, 21, n), 0)
    return pd.DataFrame({"pid": idx, "code": code, "community": community.astype(np.int64),
                         "start": start, "end": np.full(n, NAT),
                         "permit": rng.random(n) < permit_p})


def hukou_since(birth: Dates, origin: I64, hukou: I64, rng: np.random.Generator) -> Dates:
    """Day the hukou was established at its (pre-2015) street: birth for most natives."""
    last = START - DAY
    adult = np.minimum(shift_years(birth, 18), last)
    since = uniform_dates(np.maximum(adult, birth), np.full(len(birth), last), rng)
    native = (origin == hukou // 1000) & (rng.random(len(birth)) < 0.7)
    return np.where(native | (birth > last), birth, since)


def death_hazard(t: Targets, male: npt.NDArray[np.bool_], age: I64) -> npt.NDArray[np.float64]:
    return np.asarray(t.mx[np.clip(age, 0, 100), np.where(male, 0, 1)])


def deaths_between(t: Targets, male: npt.NDArray[np.bool_], birth: Dates, lo: Dates,
                    rng: np.random.Generator) -> Dates:
    """Death dates in [lo, END] by yearly steps of the mortality schedule (NaT = survives)."""
    n = len(birth)
    death = np.full(n, NAT)
    step_lo = np.asarray(lo, dtype="datetime64[D]").copy()
    while True:
        active = np.isnat(death) & (step_lo <= END)
        if not active.any():
            return death
        step_hi = np.minimum(shift_years(step_lo, 1), END + DAY)
        frac = (step_hi - step_lo).astype(np.int64) / 365.25
        age = completed_age(birth, step_lo)
        p = 1 - np.exp(-death_hazard(t, male, age) * frac)
        dies = active & (rng.random(n) < p)
        when = uniform_dates(step_lo, np.asarray(step_hi - DAY, dtype="datetime64[D]"), rng)
        death[dies] = when[dies]
        step_lo = step_hi


def origin_for(hukou: I64, t: Targets, rng: np.random.Generator) -> I64:
    """Division code in the ID: mostly the hukou county, some another county or outside."""
    n = len(hukou)
    r = rng.random(n)
    codes = np.array(t.district_codes, dtype=np.int64)
    out = np.where(hukou >= INSIDE_MIN, hukou // 1000, hukou)
    tj = hukou >= INSIDE_MIN
    other = codes[rng.integers(0, len(codes), n)]
    outside = pp.outside_codes(n, t, rng)
    return np.where(tj & (r < 0.1), other, np.where(tj & (r < 0.2), outside, out))
