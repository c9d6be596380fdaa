"""Stochastic projection (随机人口预测): N seeded trajectories around a deterministic projection.

Design (docs/methods.md, "Stochastic projection"): the deterministic inputs — for example
WPP's medium variant or a plan's stated paths — are the centre; each trajectory perturbs them
and the whole set is projected in one vectorised call of :func:`project` with a leading
trajectory axis N.

* **Fertility**: ``TFR_n(t) = TFR(t) + δ_n(t)``, ``δ(1) ~ N(0, σ0²)``,
  ``δ(t) = φ δ(t−1) + N(0, σ²)``; ASFR keeps its age pattern. Defaults φ = 0.99,
  σ = 0.056, σ0 = 0.12 are calibrated (:func:`calibrate_ar1`) to the 80 % and 95 % bounds of
  China's TFR in WPP 2024 (2024–2100), whose spread they reproduce to about 1 %; a floor
  (0.3) keeps TFR positive.
* **Mortality**: a Lee–Carter perturbation ``mx_n = mx · exp(b(x) k_n(t))`` with the age
  pattern b(x) of a Lee–Carter fit (default: China 1968–2023, WPP 2024 abridged rates, fitted
  by :mod:`leecarter`) and ``k_n`` chosen so that e0 moves by a random-walk deviation
  ``ε(1) ~ N(0, s0²)``, ``ε(t) = ε(t−1) + N(0, s²)`` (the Lee–Carter random walk, expressed in
  years of e0; k is found by inverting e0(k) tabulated on a grid). Defaults s0 = 0.88 / 0.75
  and s = 0.44 / 0.41 (male / female) reproduce the spread of China's e0 in WPP 2024 within
  3–8 % on average (20 % in the first year for men).
* **Migration**: each region's net migration is multiplied by ``1 + cv · u_n(t)`` with
  ``u`` a stationary AR(1) (φ = 0.5) of unit variance; cv = 0.3 is a judgement (city-level
  net migration has no published probabilistic forecast to calibrate against).
* Correlations: one draw is shared by both sexes; across regions the draws are a mix of a
  common and a regional shock with correlation ρ (defaults 1.0 for fertility and mortality —
  districts of one city move together — and 0.5 for migration).

What this is **not**: UN WPP's probabilistic projection (Alkema et al. 2011; Raftery et al.
2013, 2014) uses Bayesian hierarchical models estimated across all countries, with
country-specific long-run TFR and e0 distributions and a female–male e0 gap model. Here the
uncertainty is only calibrated to the spread WPP publishes and added around a given centre;
it does not learn from a region's own history, does not model the centre itself, and assumes
normal deviations.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np

from renkou.demography.lifetable import A0Rule, life_expectancy
from renkou.demography.migration_profile import deviation_pattern
from renkou.demography.projection import (
    ProjectionInputs,
    ProjectionResult,
    project,
    project_reduced,
)
from renkou.demography.stochastic_calibration import ar1_sd, calibrate_ar1, sd_from_bounds
from renkou.demography.student_tails import t_scale
from renkou.demography.summary import summary_indicators
from renkou.types import FloatArray, IntArray

Direction = Literal[">=", ">", "<=", "<"]
DEFAULT_QUANTILES: tuple[float, ...] = (0.025, 0.1, 0.5, 0.9, 0.975)
__all__ = [
    "DEFAULT_QUANTILES", "E0Grid", "StochasticPaths", "StochasticSettings", "apply_paths",
    "ar1_sd", "calibrate_ar1", "draw_paths", "e0_grid", "exceedance_probability", "quantiles",
    "sd_from_bounds", "shocked_inputs", "simulate", "simulate_indicators",
]
PART_TRAJECTORIES = 100  # trajectories whose perturbed inputs simulate_indicators holds at once

# Lee–Carter b(x) for China, WPP 2024 abridged mx, periods labelled 1968–2023, fitted by
# renkou.demography.leecarter.fit_lee_carter (Σb = 1 over the 22 groups 0, 1–4, 5–9, …, 100+).
CHINA_BX_ABRIDGED: tuple[tuple[float, ...], tuple[float, ...]] = (
    (0.0865, 0.1053, 0.0857, 0.0694, 0.0604, 0.0549, 0.0523, 0.0509, 0.0488, 0.0448, 0.0413,
     0.0393, 0.0387, 0.0380, 0.0366, 0.0343, 0.0310, 0.0266, 0.0221, 0.0168, 0.0117, 0.0047),
    (0.0742, 0.0899, 0.0756, 0.0619, 0.0554, 0.0523, 0.0523, 0.0535, 0.0535, 0.0515, 0.0485,
     0.0461, 0.0441, 0.0419, 0.0389, 0.0347, 0.0308, 0.0268, 0.0231, 0.0192, 0.0152, 0.0104),
)
ABRIDGED_STARTS: tuple[int, ...] = (0, 1, *range(5, 101, 5))


@dataclass(frozen=True)
class StochasticSettings:
    """Parameters of the perturbations (see the module docstring for their sources)."""

    tfr_phi: float = 0.99
    tfr_sigma: float = 0.056
    tfr_sigma0: float = 0.12
    tfr_floor: float = 0.3
    tfr_region_correlation: float = 1.0
    e0_sigma0: tuple[float, float] = (0.88, 0.75)  # (male, female), years
    e0_sigma: tuple[float, float] = (0.44, 0.41)
    e0_region_correlation: float = 1.0
    mortality_bx: FloatArray | None = None  # (2, A); default: China Lee–Carter b(x)
    migration_cv: float = 0.3
    migration_phi: float = 0.5
    migration_region_correlation: float = 0.5
    # Absolute SD of extra net migrants per step and region (Y, R), e.g. from published
    # bounds: replaces the relative ``migration_cv`` with an additive deviation sd · u.
    migration_sd: FloatArray | None = None
    # Degrees of freedom of a heavy-tailed additive migration deviation, one value or per
    # step and region (broadcast to (Y, R); ∞: normal in that step): each trajectory's
    # deviations are scaled by sqrt(ν / χ²_ν) from one uniform draw (student_tails.t_scale),
    # so every year's deviation is a Student t_ν with scale ``migration_sd`` and the tails
    # persist over the years. None: normal.
    migration_df: float | FloatArray | None = None


@dataclass(frozen=True)
class StochasticPaths:
    """The drawn deviations: tfr (N, Y, R) the trajectories' TFR; e0_deviation (N, Y, R, 2)
    years added to e0; migration_factor (N, Y, R) multiplying net migration."""

    tfr: FloatArray
    e0_deviation: FloatArray
    migration_factor: FloatArray
    migration_add: FloatArray | None = None  # (N, Y, R) extra net migrants (migration_sd)


def expand_abridged(values: FloatArray | tuple[float, ...], n_ages: int) -> FloatArray:
    """Values for 0, 1–4, 5–9, … (last open) → single ages 0 … n_ages−1, stepwise."""
    v = np.asarray(values, dtype=np.float64)
    ages = np.arange(n_ages)
    group = np.searchsorted(np.asarray(ABRIDGED_STARTS[: v.shape[-1]]), ages, side="right") - 1
    return np.asarray(v[..., group], dtype=np.float64)


def _correlated_normals(rng: np.random.Generator, shape: tuple[int, ...], rho: float
                        ) -> FloatArray:
    """Standard normals (..., R) whose pairwise correlation across the last axis is rho."""
    if not 0.0 <= rho <= 1.0:
        raise ValueError("地区间相关系数必须在 0 和 1 之间")
    common = rng.standard_normal((*shape[:-1], 1))
    own = rng.standard_normal(shape)
    return np.asarray(np.sqrt(rho) * common + np.sqrt(1.0 - rho) * own, dtype=np.float64)


def _check_inputs(inputs: ProjectionInputs) -> None:
    if np.asarray(inputs.asfr).ndim != 3 or np.asarray(inputs.mx).ndim != 4:
        raise ValueError("随机预测的输入不能已带轨迹维（asfr 应为 (Y,R,35)，mx 应为 (Y,R,2,A)）")


def draw_paths(inputs: ProjectionInputs, trajectories: int, seed: int,
               settings: StochasticSettings | None = None) -> StochasticPaths:
    """Draw the perturbations for ``trajectories`` runs; the same seed gives the same paths."""
    if trajectories < 1:
        raise ValueError("轨迹数必须至少为 1")
    _check_inputs(inputs)
    st = settings or StochasticSettings()
    rng = np.random.default_rng(seed)
    y, r = inputs.steps, inputs.n_regions
    tfr_det = np.asarray(inputs.asfr, dtype=np.float64).sum(axis=-1)  # (Y, R)

    delta = np.empty((trajectories, y, r))
    shocks = _correlated_normals(rng, (trajectories, y, r), st.tfr_region_correlation)
    delta[:, 0] = st.tfr_sigma0 * shocks[:, 0]
    for t in range(1, y):
        delta[:, t] = st.tfr_phi * delta[:, t - 1] + st.tfr_sigma * shocks[:, t]
    floor = np.minimum(st.tfr_floor, tfr_det)
    tfr = np.maximum(tfr_det + delta, floor)

    e_shocks = _correlated_normals(rng, (trajectories, y, r), st.e0_region_correlation)
    s0 = np.asarray(st.e0_sigma0, dtype=np.float64)
    s = np.asarray(st.e0_sigma, dtype=np.float64)
    walk = np.cumsum(e_shocks[:, 1:], axis=1)  # (N, Y−1, R)
    e0_dev = e_shocks[..., None] * s0  # first year: s0 · z
    e0_dev[:, 1:] = e_shocks[:, :1, :, None] * s0 + walk[..., None] * s

    m_shocks = _correlated_normals(rng, (trajectories, y, r), st.migration_region_correlation)
    u = np.empty((trajectories, y, r))
    u[:, 0] = m_shocks[:, 0]
    innov = np.sqrt(1.0 - st.migration_phi**2)
    for t in range(1, y):
        u[:, t] = st.migration_phi * u[:, t - 1] + innov * m_shocks[:, t]
    if st.migration_sd is not None:
        sd = np.broadcast_to(np.asarray(st.migration_sd, dtype=np.float64), (y, r))
        if st.migration_df is not None:
            u = u * t_scale(rng, st.migration_df, trajectories, (y, r))
        return StochasticPaths(tfr=tfr, e0_deviation=e0_dev, migration_factor=np.ones_like(u),
                               migration_add=sd * u)
    return StochasticPaths(tfr=tfr, e0_deviation=e0_dev,
                           migration_factor=1.0 + st.migration_cv * u)


def _mortality_bx(st: StochasticSettings, n_ages: int) -> FloatArray:
    if st.mortality_bx is not None:
        bx = np.asarray(st.mortality_bx, dtype=np.float64)
        if bx.shape != (2, n_ages):
            raise ValueError(f"mortality_bx 的形状应为 (2, {n_ages})")
        return bx
    return expand_abridged(np.array(CHINA_BX_ABRIDGED), n_ages)


def e0_slope(mx: FloatArray, bx: FloatArray, a0_rule: A0Rule = "andreev-kingkade",
             step: float = 1.0) -> FloatArray:
    """de0/dk of ``mx · exp(bx k)`` at k = 0 by a central difference; mx (..., 2, A)."""
    female = np.array([False, True])
    up = life_expectancy(mx * np.exp(bx * step), female, a0_rule)
    down = life_expectancy(mx * np.exp(-bx * step), female, a0_rule)
    return np.asarray((up - down) / (2.0 * step), dtype=np.float64)


@dataclass(frozen=True)
class E0Grid:
    """e0 of ``mx · exp(bx k)`` tabulated on a grid of k, per (year, region, sex).

    ``k`` and ``e0`` are (G, *L, 2) with e0 decreasing along G; ``base`` (*L, 2) is e0 at
    k = 0. Built once per deterministic input (it does not depend on the trajectories)."""

    k: FloatArray
    e0: FloatArray
    base: FloatArray


def e0_grid(mx: FloatArray, bx: FloatArray, a0_rule: A0Rule = "andreev-kingkade",
            span: float = 16.0, points: int = 41) -> E0Grid:
    """Tabulate e0(k) on ``points`` values of k spanning about ±``span`` years of e0 (spacing
    from the local slope), for mx (*L, 2, A)."""
    female = np.array([False, True])
    slope = e0_slope(mx, bx, a0_rule)  # (*L, 2), negative
    unit = np.abs(1.0 / slope)  # k per year of e0
    grid = np.linspace(-span, span, points)
    ks = grid.reshape((points,) + (1,) * slope.ndim) * unit
    e0 = np.empty(ks.shape, dtype=np.float64)
    for g in range(points):  # one table per grid point keeps the temporaries small
        e0[g] = life_expectancy(mx * np.exp(bx * ks[g][..., None]), female, a0_rule)
    return E0Grid(k=np.asarray(ks, dtype=np.float64), e0=e0,
                  base=life_expectancy(mx, female, a0_rule))


def k_for_e0_deviation(grid: E0Grid, deviation: FloatArray) -> FloatArray:
    """k such that e0 of ``mx · exp(bx k)`` is e0(mx) + ``deviation`` (N, *L, 2).

    Piecewise-linear inversion of the tabulated e0(k) — exact to about 0.01 year, where a
    linear step through the slope alone is off by more than a year for large deviations.
    Beyond the grid the end segments are extended.
    """
    points = grid.e0.shape[0]
    target = grid.base + deviation  # (N, *L, 2)
    # Segment index: how many grid values lie above the target, minus one, kept in range.
    above = np.zeros(target.shape, dtype=np.int64)
    for g in range(points):
        above += grid.e0[g] > target
    j = np.clip(above - 1, 0, points - 2)

    def pick(table: FloatArray, idx: IntArray) -> FloatArray:
        full = np.broadcast_to(table[None], (target.shape[0], *table.shape))
        return np.take_along_axis(full, idx[:, None], axis=1)[:, 0]

    e_lo, e_hi = pick(grid.e0, j), pick(grid.e0, j + 1)
    k_lo, k_hi = pick(grid.k, j), pick(grid.k, j + 1)
    # A flat segment (e0 insensitive to k, e.g. an area without deaths) keeps k at its
    # lower grid point instead of dividing by zero.
    span = e_hi - e_lo
    w = np.divide(target - e_lo, span, out=np.zeros_like(span), where=span != 0)
    return np.asarray(k_lo + w * (k_hi - k_lo), dtype=np.float64)


def apply_paths(inputs: ProjectionInputs, paths: StochasticPaths,
                settings: StochasticSettings | None = None,
                rows: slice = slice(None), grid: E0Grid | None = None) -> ProjectionInputs:
    """The projection inputs of trajectories ``rows`` (leading axis N) from drawn paths.

    ``grid`` (from :func:`e0_grid` on ``inputs.mx``) can be passed to avoid rebuilding it
    for every chunk of trajectories."""
    st = settings or StochasticSettings()
    asfr = np.asarray(inputs.asfr, dtype=np.float64)
    tfr_det = asfr.sum(axis=-1)
    ratio = np.divide(paths.tfr[rows], tfr_det, out=np.zeros_like(paths.tfr[rows]),
                      where=tfr_det > 0)
    asfr_n = asfr * ratio[..., None]

    mx = np.asarray(inputs.mx, dtype=np.float64)  # (Y, R, 2, A)
    bx = _mortality_bx(st, mx.shape[-1])  # (2, A)
    if grid is None:
        grid = e0_grid(mx, bx, inputs.a0_rule)
    k = k_for_e0_deviation(grid, paths.e0_deviation[rows])  # (n, Y, R, 2)
    # In place: this (n, Y, R, 2, A) array is the largest the stochastic run builds.
    mx_n = bx * k[..., None]
    np.exp(mx_n, out=mx_n)
    mx_n *= mx

    mig = None
    if inputs.net_migration is not None:
        net = np.asarray(inputs.net_migration, dtype=np.float64)
        mig = net * paths.migration_factor[rows][..., None, None]
    if paths.migration_add is not None:
        extra = (paths.migration_add[rows][..., None, None]
                 * deviation_pattern(inputs.net_migration, inputs.n_regions, inputs.n_ages))
        mig = extra if mig is None else mig + extra
    return dataclasses.replace(inputs, asfr=asfr_n, mx=mx_n, net_migration=mig)


def shocked_inputs(inputs: ProjectionInputs, paths: StochasticPaths,
                   settings: StochasticSettings | None = None, rows: slice = slice(None),
                   grid: E0Grid | None = None) -> ProjectionInputs:
    """Like :func:`apply_paths`, but the mortality and migration perturbations are handed to
    the engine as factors (``mx_bx``/``mx_k``, ``migration_scale``) that it applies step by
    step, so the (n, Y, R, 2, A) arrays of perturbed rates and migrants are never built.
    Projects to the same numbers as :func:`apply_paths` (up to rounding)."""
    st = settings or StochasticSettings()
    asfr = np.asarray(inputs.asfr, dtype=np.float64)
    tfr_det = asfr.sum(axis=-1)
    ratio = np.divide(paths.tfr[rows], tfr_det, out=np.zeros_like(paths.tfr[rows]),
                      where=tfr_det > 0)
    mx = np.asarray(inputs.mx, dtype=np.float64)
    bx = _mortality_bx(st, mx.shape[-1])
    if grid is None:
        grid = e0_grid(mx, bx, inputs.a0_rule)
    k = k_for_e0_deviation(grid, paths.e0_deviation[rows])  # (n, Y, R, 2)
    if paths.migration_add is not None:
        net = (inputs.net_migration if inputs.net_migration is not None
               else np.zeros((inputs.steps, inputs.n_regions, 2, inputs.n_ages)))
        return dataclasses.replace(inputs, asfr=asfr * ratio[..., None], mx_bx=bx, mx_k=k,
                                   net_migration=net, migration_add=paths.migration_add[rows],
                                   migration_pattern=deviation_pattern(
                                       inputs.net_migration, inputs.n_regions, inputs.n_ages))
    scale = None if inputs.net_migration is None else paths.migration_factor[rows]
    return dataclasses.replace(inputs, asfr=asfr * ratio[..., None], mx_bx=bx, mx_k=k,
                               migration_scale=scale)


def simulate(inputs: ProjectionInputs, trajectories: int, seed: int, *,
             settings: StochasticSettings | None = None) -> ProjectionResult:
    """Project ``trajectories`` perturbed copies of ``inputs`` in one vectorised call.

    Returns a :class:`ProjectionResult` with a leading axis N on population, births, deaths
    and on its ``inputs`` (the trajectories' ASFR, mx and migration), so
    ``summary_indicators`` gives (N, Y+1, R) per indicator. Memory grows as N × Y × R × A;
    for large runs use :func:`simulate_indicators`, which keeps only the indicators.
    """
    paths = draw_paths(inputs, trajectories, seed, settings)
    return project(apply_paths(inputs, paths, settings))


def simulate_indicators(inputs: ProjectionInputs, trajectories: int, seed: int, *,
                        settings: StochasticSettings | None = None, chunk: int | None = None,
                        workers: int = 1,
                        indicators: Callable[[ProjectionResult], dict[str, FloatArray]]
                        | None = None) -> dict[str, FloatArray]:
    """Like :func:`simulate` but keeps only the yearly indicators (N, Y+1, R) — by default
    ``summary.summary_indicators`` — computed block by block
    (:func:`~renkou.demography.projection.project_reduced`), so memory stays small whatever
    N. The draws are the same as :func:`simulate` with the same seed, whatever ``chunk``
    and ``workers``; so are the numbers, up to rounding.

    The mortality and migration perturbations go to the engine as factors
    (:func:`shocked_inputs`). Trajectories are split into ``workers`` parts (or parts of
    ``chunk`` trajectories) run in threads: NumPy releases the GIL in its array loops, so two
    workers use both cores of a 2-core machine when it is otherwise idle.
    """
    if indicators is None:
        indicators = summary_indicators
    if (chunk is not None and chunk < 1) or workers < 1:
        raise ValueError("chunk 和 workers 必须至少为 1")
    paths = draw_paths(inputs, trajectories, seed, settings)
    st = settings or StochasticSettings()
    mx = np.asarray(inputs.mx, dtype=np.float64)
    grid = e0_grid(mx, _mortality_bx(st, mx.shape[-1]), inputs.a0_rule)
    # Parts bound the per-trajectory inputs (ASFR, k, migration factors) held at once.
    size = chunk if chunk is not None else max(1, min(PART_TRAJECTORIES,
                                                      -(-trajectories // workers)))
    slices = [slice(start, min(start + size, trajectories))
              for start in range(0, trajectories, size)]
    reduce = indicators
    out: dict[str, FloatArray] = {}

    def run(rows: slice) -> dict[str, FloatArray]:
        return project_reduced(shocked_inputs(inputs, paths, st, rows, grid), reduce)

    def store(rows: slice, part: dict[str, FloatArray]) -> None:
        for name, values in part.items():
            if name not in out:
                out[name] = np.empty((trajectories, *values.shape[1:]), dtype=values.dtype)
            out[name][rows] = values

    if workers == 1 or len(slices) == 1:
        for rows in slices:
            store(rows, run(rows))
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for rows, part in zip(slices, pool.map(run, slices), strict=True):
                store(rows, part)
    return out


def quantiles(values: FloatArray, qs: tuple[float, ...] | list[float] = DEFAULT_QUANTILES
              ) -> FloatArray:
    """Quantiles over the leading trajectory axis: (N, ...) → (Q, ...); NaNs are ignored."""
    v = np.asarray(values, dtype=np.float64)
    if v.ndim < 1 or v.shape[0] < 1:
        raise ValueError("需要至少一条轨迹")
    with warnings.catch_warnings():
        # Flow indicators are NaN in the last year for every trajectory; NaN is the answer.
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(np.nanquantile(v, list(qs), axis=0), dtype=np.float64)


def exceedance_probability(values: FloatArray, threshold: FloatArray | float,
                           direction: Direction = ">=") -> FloatArray:
    """Share of trajectories (leading axis) meeting ``value <direction> threshold``.

    For "how likely is the 2025 target?": ``exceedance_probability(tfr[:, year], 1.5)``.
    Trajectories with NaN are left out of the denominator; all-NaN cells give NaN.
    """
    v = np.asarray(values, dtype=np.float64)
    th = np.asarray(threshold, dtype=np.float64)
    compare = {">=": np.greater_equal, ">": np.greater, "<=": np.less_equal, "<": np.less}
    if direction not in compare:
        raise ValueError(f"未知的比较方向：{direction}（可选 >=、>、<=、<）")
    valid = ~np.isnan(v)
    hits = compare[direction](np.where(valid, v, 0.0), th) & valid
    n = valid.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(n > 0, hits.sum(axis=0) / np.maximum(n, 1), np.nan),
                          dtype=np.float64)
