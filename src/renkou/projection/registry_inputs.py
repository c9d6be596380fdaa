"""Projection inputs built from a registry (从人口基础信息库生成预测输入).

For a reference date D, a caliber (resident 常住 or hukou 户籍) and a level (district or
street) of the store's jurisdiction:

* **base population** — the caliber's counts at D by area, sex and single age (100 = 100+),
  exactly what ``renkou registry stats`` gives for the same date, caliber and level;
* **window** — the last three full calendar years ending at D (D a 31 December) or before it,
  shortened when the registry does not reach back that far;
* **fertility, mortality, sex ratio at birth** — the window's births by mother's age, deaths
  by sex and age and births by sex, over the person-years of the window (mean of the
  populations at consecutive year ends), smoothed by :mod:`renkou.demography.smoothing`;
* **net migration** — the registry's gross arrivals and departures (居住登记 for residents,
  户籍迁入/迁出 for hukou) give Rogers–Castro age profiles and gross sizes; their difference
  is reconciled to the balancing equation of the window (population change − births +
  deaths) so that the projection continues the registry's own trend.

The rates are held constant over the projection (the medium variant); the other variants
and scenario paths of ``renkou project`` apply on top of them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from renkou.demography.lifetable import complete_columns, life_expectancy_at_birth
from renkou.demography.projection import FERTILE_AGE_MAX, FERTILE_AGE_MIN, ProjectionInputs
from renkou.demography.smoothing import (
    DEFAULT_SRB,
    FertilityFit,
    fit_brass,
    fit_fertility,
    fit_siler,
    migration_profile,
    reconciled_net_migration,
    smoothed_srb,
)
from renkou.errors import InputError
from renkou.projection.history import MIN_YEARS as MIN_HISTORY_YEARS
from renkou.registry import Registry
from renkou.types import OPEN_AGE, FloatArray

LEVELS = ("district", "street")
CALIBERS = ("resident", "hukou")
WINDOW = 3
FLOWS = {"resident": ("residence_arrival", "residence_departure"),
         "hukou": ("hukou_in", "hukou_out")}
SEXES = ("male", "female")
NAGES = OPEN_AGE + 1


@dataclass
class RegistryBuild:
    """Inputs built from a registry, and what was assumed and measured on the way."""

    inputs: ProjectionInputs
    window: tuple[int, ...]
    assumptions: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # Past death rates of the whole jurisdiction (year, sex, age, value; abridged ages) when
    # the registry covers enough years for a Lee–Carter b(x) (projection.history).
    mortality_history: pd.DataFrame | None = None
    # Bounds of a year's net migration by area from the spread of the window's years.
    migration_bounds: pd.DataFrame | None = None


HISTORY_YEARS = 30
ABRIDGED = (0, 1, *range(5, OPEN_AGE + 1, 5))


def mortality_history(registry: Registry, last_year: int, caliber: str, total: float
                      ) -> pd.DataFrame | None:
    """Abridged death rates of the whole jurisdiction by sex for each calendar year back
    from ``last_year`` that the registry covers (population at the year's start at least half
    of ``total``), at most :data:`HISTORY_YEARS`; None with fewer than the years a Lee–Carter
    fit needs, or when a group has no deaths in some year."""
    code = [registry.jurisdiction().code]
    flow = "all" if caliber == "resident" else "hukou"
    ends = {last_year: _array(registry.caliber(_year_end(last_year), caliber, level="city"),
                              code)[0]}
    years: list[int] = []
    while len(years) < HISTORY_YEARS:
        y = last_year - len(years)
        before = _array(registry.caliber(_year_end(y - 1), caliber, level="city"), code)[0]
        if before.sum() < 0.5 * total:
            break
        ends[y - 1] = before
        years.insert(0, y)
    if len(years) < MIN_HISTORY_YEARS:
        return None
    group = np.searchsorted(np.array(ABRIDGED), np.arange(NAGES), side="right") - 1
    to_groups = np.eye(len(ABRIDGED))[group]  # (A, groups): sums single ages into groups
    rows = []
    for y in years:
        d = _array(registry.deaths(dt.date(y, 1, 1), _year_end(y), level="city", caliber=flow),
                   code)[0]
        e = (ends[y - 1] + ends[y]) / 2.0
        dg, eg = d @ to_groups, e @ to_groups
        if np.any(dg <= 0) or np.any(eg <= 0):
            return None
        for s, sex in enumerate(SEXES):
            rows += [(y, sex, a, float(dg[s, i] / eg[s, i])) for i, a in enumerate(ABRIDGED)]
    return pd.DataFrame(rows, columns=["year", "sex", "age", "value"])


def _array(df: pd.DataFrame, regions: list[str], *, age: str | None = "age",
           sexed: bool = True) -> FloatArray:
    """(R[, 2][, A]) counts from a registry frame (rows of other areas ignored)."""
    shape = (len(regions),) + ((2,) if sexed else ()) + ((NAGES,) if age else ())
    out = np.zeros(shape)
    if df.empty:
        return out
    index = {c: i for i, c in enumerate(regions)}
    keep = df["region"].astype(str).isin(index)
    if age:
        keep &= df[age].notna()
    d = df[keep]
    idx = [d["region"].astype(str).map(index).to_numpy()]
    if sexed:
        idx.append(d["sex"].map({"male": 0, "female": 1}).to_numpy())
    if age:
        idx.append(np.minimum(d[age].astype(int).to_numpy(), OPEN_AGE))
    np.add.at(out, tuple(idx), d["value"].astype(float).to_numpy())
    return out


def window_years(as_of: dt.date, window: int = WINDOW) -> tuple[int, ...]:
    last = as_of.year if (as_of.month, as_of.day) == (12, 31) else as_of.year - 1
    return tuple(range(last - window + 1, last + 1))


def _year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def _check(registry: Registry, as_of: dt.date, caliber: str, level: str, end_year: int
           ) -> None:
    if caliber not in CALIBERS:
        raise InputError(f"--caliber 应为 {' / '.join(CALIBERS)}，而不是 {caliber!r}",
                         column="--caliber")
    if level not in LEVELS:
        raise InputError(f"--level 应为 {' / '.join(LEVELS)}，而不是 {level!r}",
                         column="--level")
    through = registry.data_through()
    if through is None:
        raise InputError("数据库中没有数据")
    if as_of > through:
        raise InputError(f"库内数据截至{through:%Y年%m月%d日}，不能以"
                         f"{as_of:%Y年%m月%d日}为基期", column="--as-of")
    if end_year <= as_of.year:
        raise InputError(f"预测终年 {end_year} 须晚于基期年份 {as_of.year}", column="--to")


def build_registry_inputs(registry: Registry, as_of: dt.date, caliber: str, level: str,
                          end_year: int) -> RegistryBuild:
    """Projection inputs (base year = the year of ``as_of``) from the registry."""
    _check(registry, as_of, caliber, level, end_year)
    warnings: list[str] = []
    base_df = registry.caliber(as_of, caliber, level=level)
    regions = sorted(set(base_df["region"].astype(str)))
    if not regions:
        raise InputError(f"{as_of} 没有{_zh(caliber)}数据")
    base = _array(base_df, regions)
    years = list(window_years(as_of))
    ends = {y: _array(registry.caliber(_year_end(y), caliber, level=level), regions)
            for y in [years[0] - 1, *years]}
    total = base.sum()
    # A year whose start the registry does not cover would read as a boom of arrivals.
    while years and ends[years[0] - 1].sum() < 0.5 * total:
        warnings.append(f"库内 {years[0] - 1} 年末{_zh(caliber)}不足，窗口期从 "
                        f"{years[0] + 1} 年起")
        years.pop(0)
    if not years:
        raise InputError(f"库内数据不足一个完整年份，无法估计 {as_of} 前的生育、死亡和迁移")
    start, stop = dt.date(years[0], 1, 1), _year_end(years[-1])
    flow = "all" if caliber == "resident" else "hukou"
    yearly_births = {y: registry.births(dt.date(y, 1, 1), _year_end(y), level=level,
                                        caliber=flow) for y in years}
    yearly_deaths = {y: _array(registry.deaths(dt.date(y, 1, 1), _year_end(y), level=level,
                                               caliber=flow), regions) for y in years}
    deaths = sum(yearly_deaths.values())
    moves = registry.flows(start, stop, level=level)
    exposure = sum((ends[y - 1] + ends[y]) / 2.0 for y in years)
    assert isinstance(exposure, np.ndarray) and isinstance(deaths, np.ndarray)
    b_age = sum(_array(b, regions, age="mother_age", sexed=False)
                for b in yearly_births.values())
    b_sex_years = {y: _array(b, regions, age=None) for y, b in yearly_births.items()}
    b_sex = sum(b_sex_years.values())
    assert isinstance(b_age, np.ndarray) and isinstance(b_sex, np.ndarray)
    n_years = len(years)
    # Each year's net migration by area (the balancing equation): its spread across the
    # window sets the stochastic run's migration deviation (migration_bounds).
    yearly_net = np.stack([(ends[y] - ends[y - 1]).sum(axis=(1, 2)) - b_sex_years[y].sum(axis=1)
                           + yearly_deaths[y].sum(axis=(1, 2)) for y in years])
    fert, fert_notes, whole_fert = _fertility(b_age, exposure[:, 1])
    mx, mort_notes, standard = _mortality(deaths, exposure, b_sex)
    srb_j = float(b_sex[:, 0].sum() / b_sex[:, 1].sum()) if b_sex[:, 1].sum() > 0 else DEFAULT_SRB
    srb = smoothed_srb(b_sex[:, 0], b_sex[:, 1], srb_j)
    arrive, depart = FLOWS[caliber]
    a_counts = _array(moves[moves["flow"] == arrive], regions)
    d_counts = _array(moves[moves["flow"] == depart], regions)
    residual = (ends[years[-1]] - ends[years[0] - 1]).sum(axis=2) - b_sex + deaths.sum(axis=2)
    pin = migration_profile(a_counts.sum(axis=(0, 1)))
    pout = migration_profile(d_counts.sum(axis=(0, 1)))
    net = reconciled_net_migration(a_counts.sum(axis=2) / n_years, d_counts.sum(axis=2) / n_years,
                                   pin, pout, residual / n_years)
    steps = end_year - as_of.year
    r = len(regions)
    history = mortality_history(registry, years[-1], caliber, float(total))
    mx_path, drift = lee_carter_path(mx, history, steps, (n_years - 1) / 2.0)
    inputs = ProjectionInputs(
        base_year=as_of.year, end_year=end_year, population=base,
        asfr=np.broadcast_to(fert, (steps, r, fert.shape[-1])).copy(),
        mx=mx_path,
        srb=np.broadcast_to(srb, (steps, r)).copy(),
        net_migration=np.broadcast_to(net, (steps, r, 2, NAGES)).copy(),
        region_codes=tuple(regions))
    assumptions: dict[str, Any] = {
        "window": f"{years[0]}–{years[-1]}",
        "tfr_jurisdiction": round(whole_fert.tfr, 4),
        "mean_age_at_childbearing_jurisdiction": round(whole_fert.mean_age, 2),
        **{f"e0_{sex}_standard": round(float(life_expectancy_at_birth(
            standard[s], sex=sex)), 2) for s, sex in enumerate(SEXES)},  # type: ignore[arg-type]
        "srb_jurisdiction": round(srb_j, 4),
        "net_migration_per_year": round(float(net.sum()), 2),
        "areas": {code: {
            "births": float(b_sex[i].sum()), "deaths": float(deaths[i].sum()),
            "tfr": round(float(fert[i].sum()), 4),
            "srb": round(float(srb[i]), 4),
            "net_migration_per_year": round(float(net[i].sum()), 2),
            "flow_net_per_year": round(float((a_counts[i].sum() - d_counts[i].sum()) / n_years),
                                       2),
            **fert_notes[i], **mort_notes[i]} for i, code in enumerate(regions)},
    }
    assumptions["mortality_future"] = "保持窗口期水平（库内死亡数据不足 Lee–Carter 所需年数）"
    if history is not None and drift is not None:
        assumptions["mortality_future"] = (
            f"Lee–Carter：各年龄死亡率按 {history.year.min()}–{history.year.max()} 年 k(t) 的"
            f"漂移变化（男 {drift[0]:.3f}、女 {drift[1]:.3f} 每年）")
    assumptions["stochastic_mortality_pattern"] = (
        f"Lee–Carter b(x)，拟合 mortality_history.csv（{history.year.min()}–{history.year.max()} 年"
        f"全辖区简略死亡率）" if history is not None else
        f"库内死亡数据不足 {MIN_HISTORY_YEARS} 年，随机预测用默认年龄模式")
    bounds = migration_bounds(yearly_net, regions, as_of.year)
    assumptions["stochastic_migration"] = (
        f"迁移波动按窗口期各年净迁移的标准差校准（migration_bounds.csv，{n_years} 年）"
        if bounds is not None else "窗口期不足 3 年，迁移波动用默认相对幅度")
    return RegistryBuild(inputs=inputs, window=tuple(years), assumptions=assumptions,
                         warnings=warnings, mortality_history=history,
                         migration_bounds=bounds)


Z80, Z95 = 1.2815515655446004, 1.959963984540054


def lee_carter_path(mx: FloatArray, history: pd.DataFrame | None, steps: int, lag: float
                    ) -> tuple[FloatArray, FloatArray | None]:
    """Death rates (steps, R, 2, A): the window's ``mx`` (R, 2, A) held, or — with a
    history — moved by the Lee–Carter drift of the jurisdiction's k(t), by sex:
    mx · exp(b(x) d h) with h the years from the window's middle (``lag`` before its end) to
    the middle of each step. Also the drift (2,), or None."""
    held = np.broadcast_to(mx, (steps, *mx.shape)).copy()
    if history is None:
        return held, None
    from renkou.demography.leecarter import fit_lee_carter
    from renkou.demography.stochastic import expand_abridged

    drift = np.empty(2)
    bx = np.empty((2, NAGES))
    for s, sex in enumerate(SEXES):
        grid = history[history["sex"] == sex].pivot(index="year", columns="age",
                                                     values="value")
        fit = fit_lee_carter(grid.to_numpy(), grid.index.to_numpy(float),
                             grid.columns.to_numpy(float))
        drift[s] = fit.drift()
        bx[s] = expand_abridged(fit.bx, NAGES)
    h = lag + 0.5 + np.arange(steps, dtype=np.float64)
    factor = np.exp(bx[None] * drift[None, :, None] * h[:, None, None])  # (steps, 2, A)
    return np.asarray(held * factor[:, None], dtype=np.float64), drift


def migration_bounds(yearly_net: FloatArray, regions: list[str], year: int
                     ) -> pd.DataFrame | None:
    """80 % and 95 % bounds of a year's net migration by area, normal with the mean and SD
    (n − 1) of the years given (Y, R); None with fewer than three years."""
    if yearly_net.shape[0] < 3:
        return None
    mean = yearly_net.mean(axis=0)
    sd = yearly_net.std(axis=0, ddof=1)
    return pd.DataFrame({"year": year, "region": regions, "lower80": mean - Z80 * sd,
                         "upper80": mean + Z80 * sd, "lower95": mean - Z95 * sd,
                         "upper95": mean + Z95 * sd})


def _zh(caliber: str) -> str:
    return "常住人口" if caliber == "resident" else "户籍人口"


def _fertility(births_by_age: FloatArray, women: FloatArray
               ) -> tuple[FloatArray, list[dict[str, float]], FertilityFit]:
    """ASFR (R, 35) by the gamma model: the jurisdiction first, then each area relative to
    it. Births to mothers under 15 count at 15, over 49 at 49."""
    lo, hi = FERTILE_AGE_MIN, FERTILE_AGE_MAX
    b = births_by_age[:, lo:hi + 1].copy()
    b[:, 0] += births_by_age[:, :lo].sum(axis=1)
    b[:, -1] += births_by_age[:, hi + 1:].sum(axis=1)
    w = women[:, lo:hi + 1]
    if b.sum() <= 0:
        raise InputError("窗口期内没有出生记录，无法估计生育率")
    whole = fit_fertility(b.sum(axis=0), w.sum(axis=0))
    rows, notes = [], []
    for i in range(b.shape[0]):
        fit = fit_fertility(b[i], w[i], prior=whole)
        rows.append(fit.asfr())
        with np.errstate(divide="ignore", invalid="ignore"):
            observed = float(np.sum(np.where(w[i] > 0, b[i] / w[i], 0.0)))
        notes.append({"tfr_observed": round(observed, 4),
                      "mean_age_at_childbearing": round(fit.mean_age, 2)})
    return np.array(rows), notes, whole


def _mortality(deaths: FloatArray, exposure: FloatArray, births: FloatArray
               ) -> tuple[FloatArray, list[dict[str, float]], FloatArray]:
    """mx (R, 2, A): a Siler standard for the jurisdiction by sex, each area a Brass
    relational transform of it; infant mortality of the fit against deaths under one per
    birth in the window."""
    standard = np.stack([fit_siler(deaths[:, s].sum(axis=0), exposure[:, s].sum(axis=0))
                         for s in range(2)])
    out = np.empty(deaths.shape)
    fits = [fit_brass(deaths[:, s], exposure[:, s], standard[s], sex)  # type: ignore[arg-type]
            for s, sex in enumerate(SEXES)]
    for s in range(2):
        out[:, s] = fits[s].mx
    e0 = np.stack([life_expectancy_at_birth(out[:, s], sex=sex)  # type: ignore[arg-type]
                   for s, sex in enumerate(SEXES)], axis=1)
    q0 = complete_columns(out, np.array([False, True])).qx[..., 0]  # (R, 2)
    notes: list[dict[str, float]] = []
    for i in range(deaths.shape[0]):
        note: dict[str, float] = {}
        for s, sex in enumerate(SEXES):
            note[f"e0_{sex}"] = round(float(e0[i, s]), 2)
            note[f"brass_alpha_{sex}"] = round(float(fits[s].alpha[i]), 4)
            note[f"brass_beta_{sex}"] = round(float(fits[s].beta[i]), 4)
        b = births[i].sum()
        weights = births[i] if b > 0 else np.array([DEFAULT_SRB, 1.0])
        note["imr_model"] = round(float(1000 * np.average(q0[i], weights=weights)), 2)
        if b > 0:
            note["imr_observed"] = round(float(1000 * deaths[i, :, 0].sum() / b), 2)
        notes.append(note)
    return out, notes, standard


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(float(v)) if isinstance(v, float) else str(v)
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def toml_text(settings: dict[str, Any], tables: dict[str, dict[str, Any]]) -> str:
    """TOML for flat ``settings`` and one level of ``tables`` (whose values may be tables
    of scalars, written as dotted sub-tables)."""
    lines = [f"{k} = {_toml_value(v)}" for k, v in settings.items()]
    for name, table in tables.items():
        scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
        lines += ["", f"[{name}]", *(f"{k} = {_toml_value(v)}" for k, v in scalars.items())]
        for k, v in table.items():
            if isinstance(v, dict):
                for sub, values in v.items():
                    lines += ["", f'[{name}.{k}."{sub}"]',
                              *(f"{kk} = {_toml_value(vv)}" for kk, vv in values.items())]
    return "\n".join(lines) + "\n"
