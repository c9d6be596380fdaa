"""Vectorised calendar helpers for the synthetic city (日期运算): shifting by whole years or
months and completed age, on NumPy ``datetime64[D]`` arrays."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Dates = npt.NDArray[np.datetime64]
Ints = npt.NDArray[np.int64]

START = np.datetime64("2015-01-01", "D")  # first day of the feeds
END = np.datetime64("2024-12-31", "D")  # last day of the feeds
CENSUS = np.datetime64("2020-11-01", "D")  # 七普 reference moment
NAT = np.datetime64("NaT", "D")


def ymd(d: Dates) -> tuple[Ints, Ints, Ints]:
    """Year, month (1-12) and day (1-31) of each date."""
    d = np.asarray(d, dtype="datetime64[D]")
    months = d.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (d - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def from_ymd(year: Ints, month: Ints, day: Ints) -> Dates:
    """Dates from parts; a day past the month's end is clipped to the last day (29 Feb → 28)."""
    first = (np.asarray(year - 1970, dtype=np.int64) * 12 + (month - 1)).astype("datetime64[M]")
    first_d = first.astype("datetime64[D]")
    last = (first + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
    out = first_d + (np.asarray(day, dtype=np.int64) - 1).astype("timedelta64[D]")
    return np.minimum(out, last)


def shift_years(d: Dates, k: Ints | int) -> Dates:
    y, m, day = ymd(d)
    return from_ymd(y + k, m, day)


def shift_months(d: Dates, k: Ints | int) -> Dates:
    y, m, day = ymd(d)
    total = y * 12 + (m - 1) + k
    return from_ymd(total // 12, total % 12 + 1, day)


def completed_age(birth: Dates, at: Dates | np.datetime64) -> Ints:
    """Completed years at ``at`` (a birthday on ``at`` counts)."""
    by, bm, bd = ymd(birth)
    ay, am, ad = ymd(np.broadcast_to(np.asarray(at, dtype="datetime64[D]"), np.shape(birth)))
    return np.asarray(ay - by - ((am * 100 + ad) < (bm * 100 + bd)), dtype=np.int64)


def month_index(d: Dates) -> Ints:
    """Months since 1970-01 (so that YYYY-MM periods compare as integers)."""
    return np.asarray(np.asarray(d, dtype="datetime64[D]").astype("datetime64[M]")
                      .astype(np.int64))


def six_months_before(d: np.datetime64) -> np.datetime64:
    """``D - INTERVAL 6 MONTH`` as DuckDB computes it (day clipped to the month's end)."""
    return np.datetime64(shift_months(np.array([d], dtype="datetime64[D]"), -6)[0], "D")


def uniform_dates(lo: Dates, hi: Dates, rng: np.random.Generator) -> Dates:
    """A uniformly random date in [lo, hi] for each pair (hi >= lo)."""
    lo = np.asarray(lo, dtype="datetime64[D]")
    span = (np.asarray(hi, dtype="datetime64[D]") - lo).astype(np.int64)
    off = np.floor(rng.random(len(lo)) * (span + 1)).astype(np.int64)
    return lo + off.astype("timedelta64[D]")
