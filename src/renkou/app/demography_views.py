"""The demographer's toolbox as the API serves it (人口学工具): a year's rates by area and the
age-data quality of a date from the served store, a life table from rates sent in; for roles
below statistician, the rates' counts under the disclosure threshold are suppressed with
their complements, and a rate goes with its event count or when its denominator is small."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from renkou.app.demography import (
    FERTILE,
    SEXES,
    _by_region,
    age_quality,
    life_tables,
    registry_rates,
    whipple_rating,
)
from renkou.auth.disclosure import suppress
from renkou.registry import Registry

INDICATOR_ZH = {
    "population_start": "年初人口", "population_end": "年末人口", "births": "出生人数",
    "deaths": "死亡人数", "cbr": "出生率（‰）", "cdr": "死亡率（‰）",
    "natural_growth_rate": "自然增长率（‰）", "tfr": "总和生育率", "srb": "出生人口性别比",
    "imr": "婴儿死亡率（‰）", "asfr": "分年龄生育率", "mx": "分年龄死亡率"}
MEASURE_ZH = {
    "whipple": "惠普尔指数", "whipple_zero": "惠普尔指数（尾数0）", "myers": "迈尔斯指数",
    "sex_ratio_score": "性别比分", "un_joint_score": "联合国年龄性别准确度指数",
    "age_ratio_score": "年龄比分", "age_ratio": "年龄比", "sex_ratio": "性别比"}
COUNTS = ("population_start", "population_end", "births", "deaths")
SCHEDULES = ("asfr", "mx")
# The count each rate reveals with its value: hidden with it.
RATE_OF = {"cbr": ("births",), "cdr": ("deaths",), "natural_growth_rate": ("births", "deaths"),
           "tfr": ("births",), "srb": ("births",), "imr": ("births", "deaths"),
           "asfr": ("births",), "mx": ("deaths",)}


@dataclass(frozen=True)
class Table:
    """A long table (records of plain values) and the cells disclosure control hid."""

    rows: list[dict[str, object]]
    suppressed: int


def _plain(key: str, value: object) -> object:
    """A cell as JSON: NaN (suppressed) as None; in the long tables, an empty sex or age
    (a value of the whole area) as None and an age as a number."""
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if key in ("sex", "age") and value == "":
        return None
    if key == "age":
        return int(str(value))
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    return [{str(k): _plain(str(k), v) for k, v in r.items()}
            for r in frame.to_dict(orient="records")]


def _exposures(registry: Registry, year: int, level: str, caliber: str,
               regions: list[str]) -> np.ndarray:
    """(R, 2, A) mean populations of the year: the rates' denominators."""
    p0 = registry.caliber(dt.date(year - 1, 12, 31), caliber, level=level)
    p1 = registry.caliber(dt.date(year, 12, 31), caliber, level=level)
    out: np.ndarray = (_by_region(p0, regions) + _by_region(p1, regions)) / 2.0
    return out


def _suppressed(registry: Registry, df: pd.DataFrame, year: int, level: str, caliber: str,
                threshold: int) -> tuple[pd.DataFrame, int]:
    """The counts of each area under ``threshold`` (and their complements down each column,
    whose jurisdiction total is published) set to NaN; a rate with them, and a rate whose
    denominator is under ``threshold``."""
    regions = sorted(set(df["region"].astype(str)))
    at = {r: i for i, r in enumerate(regions)}
    counts = df[df["indicator"].isin(COUNTS)].pivot_table(
        index="region", columns="indicator", values="value", aggfunc="sum")
    counts = counts.reindex(index=regions, columns=list(COUNTS)).fillna(0.0)
    grid = counts.to_numpy(dtype=float).tolist()
    s = suppress(grid, threshold, row_totals=False)
    hidden = {(regions[i], COUNTS[j]) for i in range(len(regions)) for j in range(len(COUNTS))
              if s.cells[i][j] is None}
    exposure = _exposures(registry, year, level, caliber, regions)
    lo, hi = FERTILE
    births = {r: grid[at[r]][2] for r in regions}

    def small_base(r: pd.Series) -> bool:
        i = at[str(r["region"])]
        ind = str(r["indicator"])
        if ind in ("cbr", "cdr", "natural_growth_rate"):
            return bool(exposure[i].sum() < threshold)
        if ind == "tfr":
            return bool(exposure[i, 1, lo:hi + 1].sum() < threshold)
        if ind in ("imr", "srb"):
            return births[str(r["region"])] < threshold
        if ind in SCHEDULES:
            sex = SEXES.index("female" if ind == "asfr" else str(r["sex"]))
            return bool(exposure[i, sex, int(r["age"])] < threshold)
        return False

    def hide(r: pd.Series) -> bool:
        code, ind = str(r["region"]), str(r["indicator"])
        if ind in COUNTS:
            return (code, ind) in hidden
        return any((code, c) in hidden for c in RATE_OF.get(ind, ())) or small_base(r)

    gone = df.apply(hide, axis=1) if len(df) else pd.Series([], dtype=bool)
    out = df.copy()
    out.loc[gone, "value"] = np.nan
    return out, int(gone.sum())


def rates(registry: Registry, year: int, level: str, caliber: str, *,
          threshold: int | None, schedules: bool = False) -> Table:
    """A year's rates by area (``schedules``: with the single-age rates asfr and mx)."""
    df = registry_rates(registry, year, level, caliber)
    if not schedules:
        df = df[~df["indicator"].isin(SCHEDULES)].reset_index(drop=True)
    hidden = 0
    if threshold is not None and len(df):
        df, hidden = _suppressed(registry, df, year, level, caliber, threshold)
    df = df.assign(indicator_name=df["indicator"].map(INDICATOR_ZH).fillna(df["indicator"]))
    return Table(rows=_records(df), suppressed=hidden)


def quality(registry: Registry, as_of: dt.date, level: str, caliber: str) -> Table:
    """Whipple, Myers, age and sex ratios and the UN index, the jurisdiction and each area;
    indices of the counts, no count among them."""
    df = age_quality(registry, as_of, caliber, level)
    df = df.assign(measure_name=df["measure"].map(MEASURE_ZH).fillna(df["measure"]))
    rows = _records(df)
    for r in rows:
        value = r["value"]
        r["rating"] = whipple_rating(float(value)) \
            if r["measure"] == "whipple" and isinstance(value, float) else None
    return Table(rows=rows, suppressed=0)


def life_table(rows: list[dict[str, object]], a0_rule: str) -> list[dict[str, object]]:
    """The life table of rates sent as records of sex, age and mx (one table per sex)."""
    return _records(life_tables(pd.DataFrame(rows), "请求", a0_rule))
