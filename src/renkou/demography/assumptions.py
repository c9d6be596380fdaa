"""Projection assumptions as yearly paths (预测假设路径): TFR, e0 and migration.

Plans state assumptions as values in target years ("到2025年总和生育率达到1.5左右，2035年
…"); a projection needs a value for every year, and full age schedules. This module turns
stated targets into yearly paths and paths into the arrays :class:`ProjectionInputs` takes:

* :func:`interpolate_path` — linear, or logistic (an S-curve between consecutive targets,
  flat at both ends, as fertility and life-expectancy transitions usually look), held
  constant after the last target;
* :func:`fertility_pattern_from_groups` — a single-year age pattern 15–49 from the 5-year
  percentages WPP publishes (``pasfr``), by monotone interpolation of the cumulative shares
  (group shares are kept exactly); :func:`gamma_fertility_pattern` — a parametric standard
  (Hoem et al. 1981) from the mean age and standard deviation of childbearing;
* :func:`asfr_from_tfr` — ASFR = TFR × pattern;
* :func:`mx_from_e0_path` — schedules for an e0 path via :mod:`mortality_model`;
* :func:`migration_from_totals` — net migrants by sex and age from yearly totals and a
  Rogers–Castro profile (:mod:`migration_profile`);
* :func:`build_inputs` — all of the above into one :class:`ProjectionInputs`.

Pure NumPy; no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np

from renkou.demography.leecarter import LeeCarterFit
from renkou.demography.migration_profile import (
    RogersCastro,
    age_profile,
    distribute_net_migration,
)
from renkou.demography.mortality_model import Method, mx_for_e0
from renkou.demography.projection import N_FERTILE, ProjectionInputs
from renkou.types import OPEN_AGE, FloatArray

Interpolation = Literal["linear", "logistic"]
FERTILE_AGES = np.arange(15, 50)
# Steepness of the logistic segment: the S-curve runs over ±LOGISTIC_SPAN/2 "scale units"
# between two targets; 8 gives a curve that is within 2 % of its end values at each end.
LOGISTIC_SPAN = 8.0


def interpolate_path(targets: Mapping[int, float | FloatArray], years: FloatArray | list[int]
                     | range, *, method: Interpolation = "linear") -> FloatArray:
    """Values for ``years`` from stated ``{year: value}`` targets (values may be arrays, e.g.
    one per region, all of the same shape S); result (len(years), *S).

    Before the first target the first value holds, after the last the last value holds.
    ``logistic`` replaces each straight segment by a normalised logistic curve through the
    same two end points, so the path changes slowly near the targets and fastest midway.
    """
    if not targets:
        raise ValueError("至少需要一个目标年份")
    ty = np.array(sorted(targets), dtype=np.float64)
    tv = np.stack([np.asarray(targets[int(y)], dtype=np.float64) for y in ty])
    yrs = np.asarray(years, dtype=np.float64)
    if method not in ("linear", "logistic"):
        raise ValueError(f"未知的插值方法：{method}（可选 linear、logistic）")
    idx = np.clip(np.searchsorted(ty, yrs, side="right") - 1, 0, max(len(ty) - 2, 0))
    if len(ty) == 1:
        return np.asarray(np.broadcast_to(tv[0], (yrs.size, *tv.shape[1:])), dtype=np.float64)
    y0, y1 = ty[idx], ty[idx + 1]
    w = np.clip((yrs - y0) / (y1 - y0), 0.0, 1.0)
    if method == "logistic":
        half = LOGISTIC_SPAN / 2.0
        s = 1.0 / (1.0 + np.exp(-LOGISTIC_SPAN * (w - 0.5)))
        s0 = 1.0 / (1.0 + np.exp(half))
        w = (s - s0) / (1.0 - 2.0 * s0)
    w = w.reshape(w.shape + (1,) * (tv.ndim - 1))
    return np.asarray(tv[idx] * (1.0 - w) + tv[idx + 1] * w, dtype=np.float64)


def _pchip_slopes(x: FloatArray, y: FloatArray) -> FloatArray:
    """Fritsch–Carlson monotone slopes (as scipy's PchipInterpolator) along the last axis."""
    h = np.diff(x)
    delta = np.diff(y, axis=-1) / h
    d = np.zeros(y.shape, dtype=np.float64)
    w1 = 2.0 * h[1:] + h[:-1]
    w2 = h[1:] + 2.0 * h[:-1]
    same = delta[..., :-1] * delta[..., 1:] > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        harmonic = (w1 + w2) / (w1 / delta[..., :-1] + w2 / delta[..., 1:])
    d[..., 1:-1] = np.where(same, harmonic, 0.0)
    for end, (h0, h1, d0, d1) in (
            (0, (h[0], h[1], delta[..., 0], delta[..., 1])),
            (-1, (h[-1], h[-2], delta[..., -1], delta[..., -2]))):
        e = ((2.0 * h0 + h1) * d0 - h0 * d1) / (h0 + h1)
        e = np.where(np.sign(e) != np.sign(d0), 0.0, e)
        e = np.where((np.sign(d0) != np.sign(d1)) & (np.abs(e) > 3.0 * np.abs(d0)), 3.0 * d0, e)
        d[..., end] = e
    return d


def fertility_pattern_from_groups(shares_5yr: FloatArray) -> FloatArray:
    """Single-year pattern (..., 35) for ages 15–49 from 7 five-year shares (..., 7).

    The shares (percent or fractions) are normalised; the cumulative share at the group
    boundaries 15, 20, …, 50 is interpolated by a monotone cubic (PCHIP, Fritsch and Carlson
    1980) and differenced. Unlike Sprague's multipliers, which at the tails of a schedule this
    steep give negative values at 15–16 and a spurious rise at 46–49, this keeps every value
    non-negative, each group's share exactly, and the tails falling.
    """
    s = np.asarray(shares_5yr, dtype=np.float64)
    if s.shape[-1] != 7:
        raise ValueError("生育模式需要 15–19 至 45–49 共 7 个五岁组")
    if np.any(s < 0) or np.any(s.sum(axis=-1) <= 0):
        raise ValueError("生育年龄模式必须非负且不全为零")
    s = s / s.sum(axis=-1, keepdims=True)
    knots = np.arange(15.0, 51.0, 5.0)
    cum = np.concatenate([np.zeros((*s.shape[:-1], 1)), np.cumsum(s, axis=-1)], axis=-1)
    slopes = _pchip_slopes(knots, cum)
    ages = np.arange(15.0, 51.0)
    k = np.minimum(((ages - 15.0) // 5).astype(int), 6)
    t = (ages - knots[k]) / 5.0
    h00 = 2 * t**3 - 3 * t**2 + 1
    h10 = t**3 - 2 * t**2 + t
    h01 = -2 * t**3 + 3 * t**2
    h11 = t**3 - t**2
    at = (h00 * cum[..., k] + h10 * 5.0 * slopes[..., k] + h01 * cum[..., k + 1]
          + h11 * 5.0 * slopes[..., k + 1])
    single = np.clip(np.diff(at, axis=-1), 0.0, None)
    return np.asarray(single / single.sum(axis=-1, keepdims=True), dtype=np.float64)


def gamma_fertility_pattern(mean_age: FloatArray | float = 29.0,
                            sd: FloatArray | float = 5.5) -> FloatArray:
    """Parametric single-year pattern (..., 35): a gamma density in age starting at 15
    (Hoem et al. 1981), evaluated at mid-ages, normalised over 15–49.

    ``mean_age`` is the mean age at childbearing (平均生育年龄) and ``sd`` its standard
    deviation; both broadcast.
    """
    m = np.asarray(mean_age, dtype=np.float64)[..., None] - 15.0
    v = np.asarray(sd, dtype=np.float64)[..., None] ** 2
    if np.any(m <= 0) or np.any(v <= 0):
        raise ValueError("平均生育年龄须大于 15 岁，标准差须为正")
    shape = m**2 / v
    scale = v / m
    x = FERTILE_AGES + 0.5 - 15.0
    log_f = (shape - 1.0) * np.log(x) - x / scale
    f = np.exp(log_f - log_f.max(axis=-1, keepdims=True))
    return np.asarray(f / f.sum(axis=-1, keepdims=True), dtype=np.float64)


def asfr_from_tfr(tfr: FloatArray | float, pattern: FloatArray) -> FloatArray:
    """ASFR (..., 35) = TFR (...) × pattern (..., 35) normalised to sum to 1."""
    t = np.asarray(tfr, dtype=np.float64)
    p = np.asarray(pattern, dtype=np.float64)
    if p.shape[-1] != N_FERTILE:
        raise ValueError(f"生育模式须有 {N_FERTILE} 个单岁（15–49）")
    if np.any(t < 0):
        raise ValueError("总和生育率不能为负")
    p = p / p.sum(axis=-1, keepdims=True)
    return np.asarray(t[..., None] * p, dtype=np.float64)


def mx_from_e0_path(standard_mx: FloatArray, e0_path: FloatArray, *, female: bool,
                    method: Method = "brass", bx: FloatArray | LeeCarterFit | None = None,
                    ) -> FloatArray:
    """Death rates (..., Y, A) for an e0 path (..., Y) from a standard (..., A) or one
    standard per year (..., Y, A)."""
    std = np.asarray(standard_mx, dtype=np.float64)
    path = np.asarray(e0_path, dtype=np.float64)
    if std.ndim == path.ndim:  # one standard for all years: add the year axis
        std = std[..., None, :]
    return mx_for_e0(std, path, female=female, method=method, bx=bx)


def migration_from_totals(totals: FloatArray, *, open_age: int = OPEN_AGE,
                          profile: RogersCastro | str | FloatArray = "fundamental",
                          male_share: FloatArray | float = 0.5) -> FloatArray:
    """Net migrants (..., 2, A) from totals (...) spread by a Rogers–Castro profile (or any
    age profile array (A,) / (2, A))."""
    if isinstance(profile, (str, RogersCastro)):
        shape = age_profile(profile, open_age)
    else:
        shape = np.asarray(profile, dtype=np.float64)
        if shape.shape[-1] != open_age + 1:
            raise ValueError(f"迁移年龄分布的年龄数应为 {open_age + 1}")
    return distribute_net_migration(totals, shape, male_share=male_share)


def build_inputs(*, base_year: int, end_year: int, population: FloatArray,
                 tfr: FloatArray, fertility_pattern: FloatArray,
                 e0_male: FloatArray, e0_female: FloatArray, standard_mx: FloatArray,
                 srb: FloatArray | float = 1.06, net_migration_totals: FloatArray | None = None,
                 migration_profile: RogersCastro | str | FloatArray = "fundamental",
                 migration_male_share: float = 0.5,
                 internal_rates: FloatArray | None = None,
                 mortality_method: Method = "brass",
                 bx: tuple[FloatArray | LeeCarterFit, FloatArray | LeeCarterFit] | None = None,
                 region_codes: tuple[str, ...] = (),
                 migration_timing: str = "mid-year") -> ProjectionInputs:
    """Projection inputs from assumption paths.

    ``population`` (R, 2, A); ``tfr`` (Y, R) (or (Y,) for all regions);
    ``fertility_pattern`` (35,), (R, 35) or (Y, R, 35); ``e0_male``/``e0_female`` (Y, R) or
    (Y,); ``standard_mx`` (R, 2, A) or (2, A); ``srb`` scalar, (Y,) or (Y, R);
    ``net_migration_totals`` (Y, R) or (Y,) spread by ``migration_profile``; ``bx`` the
    (male, female) Lee–Carter age patterns when ``mortality_method="lee-carter"``.
    """
    pop = np.asarray(population, dtype=np.float64)
    if pop.ndim != 3 or pop.shape[1] != 2:
        raise ValueError("population 的形状应为 (地区数, 2, 年龄数)")
    r, _, a = pop.shape
    y = end_year - base_year
    if y < 1:
        raise ValueError("预测终止年份必须晚于基年")

    def per_year_region(arr: FloatArray | float, name: str) -> FloatArray:
        v = np.asarray(arr, dtype=np.float64)
        if v.ndim == 1:
            v = v[:, None]
        try:
            return np.asarray(np.broadcast_to(v, (y, r)), dtype=np.float64)
        except ValueError:
            raise ValueError(f"{name} 的形状应为 ({y}, {r}) 或 ({y},)") from None

    tfr_yr = per_year_region(tfr, "tfr")
    asfr = asfr_from_tfr(tfr_yr, np.broadcast_to(np.asarray(fertility_pattern,
                                                            dtype=np.float64),
                                                 (y, r, N_FERTILE)))
    std = np.broadcast_to(np.asarray(standard_mx, dtype=np.float64), (r, 2, a))
    mx = np.empty((y, r, 2, a), dtype=np.float64)
    for sex, path in ((0, e0_male), (1, e0_female)):
        e0 = per_year_region(path, "e0")
        sex_bx = None if bx is None else bx[sex]
        mx[:, :, sex, :] = mx_for_e0(std[None, :, sex, :], e0, female=bool(sex),
                                     method=mortality_method, bx=sex_bx)
    srb_yr = per_year_region(np.asarray(srb, dtype=np.float64) if np.ndim(srb) else
                             np.full(y, float(srb)), "srb")
    mig = None
    if net_migration_totals is not None:
        totals = per_year_region(net_migration_totals, "net_migration_totals")
        mig = migration_from_totals(totals, open_age=a - 1, profile=migration_profile,
                                    male_share=migration_male_share)
    return ProjectionInputs(base_year=base_year, end_year=end_year, population=pop,
                            asfr=asfr, mx=mx, srb=srb_yr, net_migration=mig,
                            internal_rates=internal_rates, migration_timing=migration_timing,
                            region_codes=region_codes)
