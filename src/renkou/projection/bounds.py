"""Uncertainty calibrated to the place (随机预测的本地校准): the optional tables
``tfr_bounds`` (year, region, lower80, upper80, lower95, upper95) and ``e0_bounds``
(year, region, sex, lower80, upper80, lower95, upper95) of an input directory — for example
a country's WPP 2024 probabilistic bounds, or a statistics bureau's own — set the spread of
the stochastic run's fertility and mortality deviations instead of the defaults calibrated
to China.

``migration_bounds`` (year, region, lower80, upper80, lower95, upper95: net migrants of the
year) replaces the relative migration deviation by an additive one whose SD in each year and
region is that of the bounds (rows for region ``*`` apply to every region; between given
years the SD is interpolated linearly, outside them the nearest year's is held), an AR(1)
in time with φ = 0.96 (:data:`MIGRATION_PHI`), heavy-tailed where the bounds' 95 % intervals
are wider than a normal's relative to their 80 % ones: a Student t whose degrees of freedom
follow that width ratio year by year (:mod:`renkou.demography.student_tails`).

For each year the normal-equivalent SD of the bounds (the mean of the 80 % and 95 %
half-widths over their z values) is averaged over the regions given; the TFR deviation's
AR(1) parameters (φ, σ, σ0) and, per sex, the e0 random walk's (σ0, σ) are then chosen to
match those SDs by horizon (:func:`renkou.demography.stochastic_calibration.calibrate_ar1`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from renkou.demography.projection import ProjectionInputs
from renkou.demography.stochastic import StochasticSettings
from renkou.demography.stochastic_calibration import calibrate_ar1, sd_from_bounds
from renkou.demography.student_tails import NORMAL_RATIO, t_quantile, tail_dfs
from renkou.errors import InputError
from renkou.projection.arrays import MAX_MIGRANTS
from renkou.projection.tables import Table, find_table, numbers, prepare_table, sex_codes
from renkou.types import FloatArray

BOUNDS = ("lower80", "upper80", "lower95", "upper95")
# Persistence of the additive migration deviation (AR(1) φ). Yearly bounds do not identify
# it; with ν by year, 0.96 brings renkou's 2050 and 2100 population intervals for Korea,
# the USA and Japan closest to WPP 2024's when their migration bounds are given (0.9 left
# the 2100 intervals 20–30 % narrow; 0.97 made Korea's 2050 ones 15 % wide on average over
# seeds, 0.95 Japan's 95 % in 2100 15 % narrow with seed 1; benchmarks/uncertainty.py,
# docs/benchmarks.md).
MIGRATION_PHI = 0.96
# The TFR deviation's AR(1) φ is chosen at or above this: yearly bounds identify the SD by
# horizon but not the autocorrelation, and WPP's TFR trajectories are persistent (a
# country-specific long-run level): with φ free, India's fit (0.96) gave population
# intervals 15–20 % narrower than WPP's; from 0.99 they are within 10 %.
TFR_MIN_PHI = 0.99
# Years in the moving average of the migration bounds' 95/80 width ratio before ν is fitted
# per year: a year's ratio is noisy, and ν is very sensitive near the normal's 1.53.
TAIL_WINDOW = 11
TFR_COLUMNS = ("year", "region", *BOUNDS)
E0_COLUMNS = ("year", "region", "sex", *BOUNDS)


def _yearly_sd(t: Table, base: int, end: int, mask: np.ndarray | None = None
               ) -> tuple[FloatArray, FloatArray] | None:
    """Horizons (year − base + 1) and the SD of each year within the projection."""
    years = numbers(t, "year", integer=True).astype(np.int64)
    b = [numbers(t, c) for c in BOUNDS]
    if np.any(b[1] < b[0]) or np.any(b[3] < b[2]) or np.any(b[2] > b[0]) or np.any(
            b[3] < b[1]):
        raise InputError("区间上下限应满足 lower95 ≤ lower80 ≤ upper80 ≤ upper95", file=t.label)
    sd = sd_from_bounds(*b)
    keep = (years >= base) & (years < end)
    if mask is not None:
        keep &= mask
    if not keep.any():
        return None
    ys = np.unique(years[keep])
    means = np.array([sd[keep & (years == y)].mean() for y in ys])
    if np.any(means <= 0):
        raise InputError("区间宽度为零的年份无法用于校准", file=t.label)
    return (ys - base + 1).astype(np.float64), means


def calibrated_settings(directory: Path, inputs: ProjectionInputs,
                        settings: StochasticSettings | None = None
                        ) -> tuple[StochasticSettings | None, list[str]]:
    """``settings`` with the fertility and mortality spreads calibrated to the directory's
    bounds tables (unchanged without them), and what was done, for the user."""
    notes: list[str] = []
    st = settings or StochasticSettings()
    changed = False
    tfr = find_table(Path(directory), "tfr_bounds")
    if tfr is not None:
        prepare_table(tfr, TFR_COLUMNS)
        found = _yearly_sd(tfr, inputs.base_year, inputs.end_year)
        if found is not None:
            phi, sigma, sigma0 = calibrate_ar1(
                *found, phis=np.linspace(TFR_MIN_PHI, 1.0, 101))
            st = dataclasses.replace(st, tfr_phi=phi, tfr_sigma=sigma, tfr_sigma0=sigma0)
            changed = True
            notes.append(f"生育率波动按 {tfr.label} 校准（φ = {phi:.3f}，σ = {sigma:.3f}，"
                         f"σ0 = {sigma0:.3f}）")
    e0 = find_table(Path(directory), "e0_bounds")
    if e0 is not None:
        prepare_table(e0, E0_COLUMNS)
        sexes = sex_codes(e0)
        s0, s = list(st.e0_sigma0), list(st.e0_sigma)
        e0_changed = False
        for k in range(2):
            found = _yearly_sd(e0, inputs.base_year, inputs.end_year, sexes == k)
            if found is None:
                continue
            _, s[k], s0[k] = calibrate_ar1(*found, phis=np.array([1.0]))
            e0_changed = changed = True
        if e0_changed:
            st = dataclasses.replace(st, e0_sigma0=(s0[0], s0[1]), e0_sigma=(s[0], s[1]))
            notes.append(f"预期寿命波动按 {e0.label} 校准（随机游走 σ0 = {s0[0]:.2f}/{s0[1]:.2f}，"
                         f"σ = {s[0]:.3f}/{s[1]:.3f}，男/女）")
    mig = find_table(Path(directory), "migration_bounds")
    if mig is not None:
        sd, df = _migration_sd(mig, inputs)
        st = dataclasses.replace(st, migration_sd=sd, migration_phi=MIGRATION_PHI,
                                 migration_df=df)
        changed = True
        tails = "" if df is None else (f"，t 分布自由度 {inputs.base_year} 年 {_df(df[0])}，"
                                       f"{inputs.end_year - 1} 年 {_df(df[-1])}")
        notes.append(f"迁移波动按 {mig.label} 校准（加性偏差，{inputs.base_year} 年尺度合计 "
                     f"{sd[0].sum():,.0f} 人{tails}）")
    if not changed:
        return settings, notes
    return st, notes


def _df(values: FloatArray) -> str:
    """ν of one step for the user: the smallest over the regions (∞: 正态)."""
    low = float(np.min(values))
    return f"{low:.1f}" if np.isfinite(low) else "∞（正态）"


def _migration_sd(t: Table, inputs: ProjectionInputs
                  ) -> tuple[FloatArray, FloatArray | None]:
    """Scale of net migrants (Y, R) by step and region from a migration_bounds table, and
    the degrees of freedom (Y, R) of a t distribution where the bounds' 95 % intervals are
    wider than a normal's relative to their 80 % ones (WPP's are: 1.5–2.2 times, against
    1.53), from the width ratio by year (:data:`TAIL_WINDOW`-year moving average); the scale
    then matches the t's quantiles. None when every step is normal."""
    prepare_table(t, TFR_COLUMNS)
    years = numbers(t, "year", integer=True).astype(np.int64)
    b = [numbers(t, c, lo=-MAX_MIGRANTS, hi=MAX_MIGRANTS,
                 what=f"净迁移人数应在 ±{MAX_MIGRANTS:.0f} 之内") for c in BOUNDS]
    w80, w95 = b[1] - b[0], b[3] - b[2]
    if np.any(w80 < 0) or np.any(w95 < 0):
        raise InputError("区间上限不能低于下限", file=t.label)
    regions = t.df["region"].astype(str).str.strip().to_numpy()
    codes = inputs.region_codes or tuple(str(i + 1) for i in range(inputs.n_regions))
    unknown = sorted(set(regions) - {*codes, "*"})
    if unknown:
        raise InputError(f"地区“{unknown[0]}”不在 population 的地区中", file=t.label,
                         column="region")
    steps = np.arange(inputs.base_year, inputs.end_year)
    # Per step and region: the 80 % and 95 % widths and their ratio, each from the nearest
    # given years (held before the first and after the last, linear between).
    w80s, w95s = np.zeros((2, steps.size, len(codes)))
    ratio = np.full((steps.size, len(codes)), NORMAL_RATIO)
    for j, code in enumerate(codes):
        own = regions == code
        rows = own if own.any() else regions == "*"
        if not rows.any():
            continue
        order = np.argsort(years[rows])
        given = years[rows][order]
        w80s[:, j] = np.interp(steps, given, w80[rows][order])
        w95s[:, j] = np.interp(steps, given, w95[rows][order])
        wide = w80[rows][order] > 0
        if wide.any():
            r = w95[rows][order][wide] / w80[rows][order][wide]
            ratio[:, j] = np.interp(steps, given[wide], r)
    df = tail_dfs(ratio, TAIL_WINDOW)
    sd = 0.5 * (w80s / (2 * t_quantile(df, 0.9)) + w95s / (2 * t_quantile(df, 0.975)))
    return sd, (df if np.isfinite(df).any() else None)
