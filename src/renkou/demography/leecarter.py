"""Lee–Carter mortality model (死亡率 Lee–Carter 模型): fit, forecast, simulate.

Lee, R. D. and Carter, L. R. (1992), "Modeling and forecasting U.S. mortality",
*Journal of the American Statistical Association* 87(419): 659–671.

The model is ``ln m(x,t) = a(x) + b(x) k(t) + e(x,t)``. It is fitted by the singular value
decomposition of the centred matrix of log death rates, normalised so that ``Σ b(x) = 1`` and
``Σ k(t) = 0`` (so ``a(x)`` is the mean of ``ln m(x,t)`` over the fitting years). The
first-stage ``k(t)`` minimises errors in *log rates*, which weights young ages (few deaths)
as much as old ones; Lee and Carter therefore re-estimated ``k(t)`` in a second stage so that
the fitted rates reproduce the observed total deaths of each year (``refit="deaths"``,
the 1992 paper); Lee and Miller (2001, *Demography* 38: 537–549) instead match the observed
life expectancy at birth (``refit="e0"``). The default is no second stage, because many
inputs (such as UN WPP's abridged rates) come without deaths and exposures.

``k(t)`` is forecast as a random walk with drift, ``k(t+1) = k(t) + d + ε``, ``ε ~ N(0, σ²)``,
with ``d`` estimated as ``(k_T − k_1)/(T − 1)`` steps and ``σ²`` from the step differences.
The analytic forecast variance at horizon ``h`` (in steps) is ``h σ² + h² σ²/(T − 1)``: the
second term is the uncertainty of the drift, which Lee and Carter included and which
dominates at long horizons.

Pure NumPy; no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

import numpy as np

from renkou.demography.lifetable import life_expectancy_at_birth
from renkou.types import FloatArray

Refit = Literal["none", "deaths", "e0"]


@dataclass(frozen=True)
class LeeCarterFit:
    """A fitted Lee–Carter model.

    ``ages`` (A,) and ``years`` (T,) label the fitted matrix; ``ax``, ``bx`` (A,) and ``kt``
    (T,) are the parameters with ``Σ bx = 1``; after a second stage ``kt`` need not sum to 0
    exactly. ``explained`` is the share of the squared deviations of the centred log rates
    that the first singular vector accounts for (Lee and Carter report 92.7 % for the US).
    ``step`` is the spacing of ``years`` (1 for annual, 5 for 5-year periods).
    """

    ages: FloatArray
    years: FloatArray
    ax: FloatArray
    bx: FloatArray
    kt: FloatArray
    explained: float
    refit: Refit
    step: float

    def rates(self, kt: FloatArray | float | None = None) -> FloatArray:
        """Death rates ``exp(ax + bx k)`` for the given ``k`` (any shape S) → (S..., A).

        Without ``kt``, the fitted rates for each fitting year, shape (T, A).
        """
        k = self.kt if kt is None else np.asarray(kt, dtype=np.float64)
        return np.asarray(np.exp(self.ax + self.bx * k[..., None]), dtype=np.float64)

    def drift(self) -> float:
        """Drift of k per year (the random-walk step divided by the year spacing)."""
        n = self.kt.shape[0]
        if n < 2:
            raise ValueError("至少需要两个拟合年份才能估计漂移项")
        return float((self.kt[-1] - self.kt[0]) / ((n - 1) * self.step))

    def sigma(self) -> float:
        """Standard deviation of the one-year innovation of k.

        Estimated from the step differences around the drift (T − 2 degrees of freedom, as in
        Lee–Carter); with 5-year steps the per-year variance is the step variance over 5, which
        holds for a random walk.
        """
        n = self.kt.shape[0]
        if n < 3:
            raise ValueError("至少需要三个拟合年份才能估计随机游走的方差")
        diffs = np.diff(self.kt)
        d_step = (self.kt[-1] - self.kt[0]) / (n - 1)
        var_step = float(np.sum((diffs - d_step) ** 2) / (n - 2))
        return float(np.sqrt(var_step / self.step))


@dataclass(frozen=True)
class KtForecast:
    """Forecast of k for ``years`` (H,) after the last fitted year.

    ``mean`` (H,) is the central path; ``sd`` (H,) its standard error; ``lower``/``upper``
    bound the ``level`` prediction interval (normal, analytic).
    """

    years: FloatArray
    mean: FloatArray
    sd: FloatArray
    lower: FloatArray
    upper: FloatArray
    level: float
    drift: float
    sigma: float


def fit_lee_carter(
    mx: FloatArray,
    years: FloatArray | list[float] | list[int],
    ages: FloatArray | list[float] | list[int],
    *,
    refit: Refit = "none",
    deaths: FloatArray | None = None,
    exposure: FloatArray | None = None,
    e0: FloatArray | None = None,
    e0_of: Callable[[FloatArray], FloatArray] | None = None,
    sex: Literal["male", "female", "total"] = "total",
) -> LeeCarterFit:
    """Fit Lee–Carter to a (T years, A ages) matrix of central death rates.

    ``refit="deaths"`` needs ``deaths`` and ``exposure`` (T, A) and re-estimates each ``k(t)``
    so that ``Σ_x exposure · exp(ax + bx k) = Σ_x deaths``. ``refit="e0"`` needs the observed
    ``e0`` (T,) and re-estimates ``k(t)`` so that the fitted schedule has that e0, computed by
    ``e0_of(mx (..., A)) -> (...)`` if given, else by the project's life table for these
    ``ages`` (complete if they are 0, 1, 2, …, abridged if 0, 1, 5, 10, …) and ``sex``.
    Both second stages solve a monotone equation in ``k`` by vectorised bisection.
    """
    m = np.asarray(mx, dtype=np.float64)
    yrs = np.asarray(years, dtype=np.float64)
    ags = np.asarray(ages, dtype=np.float64)
    if m.ndim != 2 or m.shape != (yrs.shape[0], ags.shape[0]):
        raise ValueError(f"mx 的形状应为 (年份数, 年龄数) = ({yrs.shape[0]}, {ags.shape[0]})，"
                         f"实际为 {m.shape}")
    if yrs.shape[0] < 3:
        raise ValueError("Lee–Carter 拟合至少需要三个年份")
    if not np.all(np.isfinite(m)) or np.any(m <= 0):
        raise ValueError("死亡率必须为有限正数（对数变换要求 mx > 0）")
    steps = np.diff(yrs)
    if not np.allclose(steps, steps[0]) or steps[0] <= 0:
        raise ValueError("拟合年份必须等距递增")

    log_m = np.log(m)
    ax = log_m.mean(axis=0)
    centred = log_m - ax
    u, s, vt = np.linalg.svd(centred, full_matrices=False)
    bx = vt[0].copy()
    kt = u[:, 0] * s[0]
    # Normalise Σb = 1; the sign of an SVD vector is arbitrary, dividing by Σb fixes it too.
    scale = bx.sum()
    bx = bx / scale
    kt = kt * scale
    explained = float(s[0] ** 2 / np.sum(s**2))

    if refit == "deaths":
        if deaths is None or exposure is None:
            raise ValueError("refit='deaths' 需要提供 deaths 和 exposure")
        d = np.asarray(deaths, dtype=np.float64)
        e = np.asarray(exposure, dtype=np.float64)
        target = d.sum(axis=1)

        def total_deaths(k: FloatArray) -> FloatArray:
            return np.asarray(np.sum(e * np.exp(ax + bx * k[:, None]), axis=1))

        kt = _bisect(total_deaths, target, kt, increasing=True)
    elif refit == "e0":
        if e0 is None:
            raise ValueError("refit='e0' 需要提供观测的 e0")
        target_e0 = np.asarray(e0, dtype=np.float64)
        if e0_of is None:
            table_ages = None if np.array_equal(ags, np.arange(ags.size)) else ags

            def default_e0(m: FloatArray) -> FloatArray:
                return life_expectancy_at_birth(m, sex=sex, ages=table_ages)

            e0_of = default_e0

        def life_exp(k: FloatArray) -> FloatArray:
            return np.asarray(e0_of(np.exp(ax + bx * k[:, None])), dtype=np.float64)

        kt = _bisect(life_exp, target_e0, kt, increasing=False)
    elif refit != "none":
        raise ValueError(f"未知的二次估计方式：{refit}")

    return LeeCarterFit(ages=ags, years=yrs, ax=ax, bx=bx, kt=kt, explained=explained,
                        refit=refit, step=float(steps[0]))


def _bisect(fn: Callable[[FloatArray], FloatArray], target: FloatArray, start: FloatArray,
            *, increasing: bool, iterations: int = 80) -> FloatArray:
    """Solve ``fn(k) = target`` element-wise for a monotone ``fn`` by bisection.

    The bracket is grown from the first-stage ``k`` until it contains the root; bisection is
    chosen over Newton because it cannot diverge when bx has mixed signs.
    """
    width = np.maximum(np.abs(start), 1.0) * 2.0 + 10.0
    lo = start - width
    hi = start + width
    sign = 1.0 if increasing else -1.0
    for _ in range(60):
        f_lo = sign * (fn(lo) - target)
        f_hi = sign * (fn(hi) - target)
        bad = (f_lo > 0) | (f_hi < 0)
        if not np.any(bad):
            break
        lo = np.where(f_lo > 0, lo - width, lo)
        hi = np.where(f_hi < 0, hi + width, hi)
        width = width * 2.0
    else:
        raise ValueError("二次估计 k(t) 时无法包围目标值")
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        above = sign * (fn(mid) - target) > 0
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
    return np.asarray(0.5 * (lo + hi), dtype=np.float64)


def forecast_kt(fit: LeeCarterFit, years_ahead: int, *, level: float = 0.95,
                drift_uncertainty: bool = True) -> KtForecast:
    """Forecast k for each year 1 … ``years_ahead`` after the last fitted year.

    Random walk with drift in annual steps (drift and σ converted from the fitting step):
    mean ``k_T + d h`` and variance ``σ² h + h² Var(d̂)`` with ``Var(d̂) = σ²/((T − 1) step)``
    per year² (the step-scale ``σ_step²/(T − 1)`` divided by ``step²``).
    """
    if years_ahead < 1:
        raise ValueError("预测年数必须至少为 1")
    if not 0 < level < 1:
        raise ValueError("置信水平必须在 0 和 1 之间")
    d = fit.drift()
    sig = fit.sigma()
    h = np.arange(1, years_ahead + 1, dtype=np.float64)
    n = fit.kt.shape[0]
    var = sig**2 * h
    if drift_uncertainty:
        # Var(d̂) is σ_step²/(n−1) per step²; with σ_step² = σ² step it is σ²/((n−1) step) per year².
        var_drift_per_year2 = sig**2 / ((n - 1) * fit.step)
        var = var + h**2 * var_drift_per_year2
    sd = np.sqrt(var)
    z = NormalDist().inv_cdf(0.5 + level / 2.0)
    mean = fit.kt[-1] + d * h
    return KtForecast(years=fit.years[-1] + h, mean=mean, sd=sd, lower=mean - z * sd,
                      upper=mean + z * sd, level=level, drift=d, sigma=sig)


def forecast_rates(fit: LeeCarterFit, years_ahead: int) -> FloatArray:
    """Central forecast of the death rates (H, A): ``exp(ax + bx k̂)`` on the mean k path."""
    return fit.rates(forecast_kt(fit, years_ahead).mean)


def simulate_kt(fit: LeeCarterFit, years_ahead: int, trajectories: int,
                rng: np.random.Generator, *, drift_uncertainty: bool = True) -> FloatArray:
    """Simulated k paths (N, H) for years 1 … ``years_ahead`` after the last fitted year.

    Each path draws its own drift from ``N(d, σ²/((T−1) step))`` when ``drift_uncertainty``
    (matching :func:`forecast_kt`), then adds cumulated annual innovations ``N(0, σ²)``.
    """
    d = fit.drift()
    sig = fit.sigma()
    n = fit.kt.shape[0]
    drifts = np.full((trajectories, 1), d)
    if drift_uncertainty:
        drifts = drifts + rng.standard_normal((trajectories, 1)) * sig / np.sqrt(
            (n - 1) * fit.step)
    shocks = rng.standard_normal((trajectories, years_ahead)) * sig
    h = np.arange(1, years_ahead + 1, dtype=np.float64)
    return np.asarray(fit.kt[-1] + drifts * h + np.cumsum(shocks, axis=1), dtype=np.float64)
