"""Heavy-tailed deviations (厚尾偏差) whose tail weight may change with the horizon.

Published bounds (e.g. WPP 2024's yearly net migration) give, per year, the ratio of the 95 %
to the 80 % interval width: 1.53 for a normal, more for heavier tails. A Student t_ν matches
that ratio with ν from :func:`tail_df`. Fitted year by year (after a moving average of the
ratios, :func:`tail_dfs`), ν can fall with the horizon — bounds near-normal early and heavy
late, as WPP's are for the Republic of Korea (1.6 in 2030, 2.2 in 2099).

A deviation with these marginals and persistent tails: a trajectory's normal series z(t) is
multiplied by √(ν(t)/q(t)), q(t) the quantile at one uniform draw U of the trajectory of a
χ² with ν(t) degrees of freedom (:func:`t_scale`). For fixed U the scale moves smoothly with
ν(t), so a trajectory drawn wide stays wide (the tails do not average out over the years, as
independent scale draws per year would), and in every year z·√(ν/q) is exactly t_ν(t); with
one ν it is the usual normal variance mixture. ν = ∞ marks a normal year (scale 1).
"""

from __future__ import annotations

import numpy as np

from renkou.types import FloatArray

MIN_DF, MAX_DF = 2.5, 200.0
NORMAL_RATIO = 1.959963984540054 / 1.2815515655446004  # z(0.975) / z(0.9)


def tail_df(ratio: float) -> float | None:
    """Degrees of freedom ν of the Student t whose 95 % and 80 % intervals have the width
    ``ratio`` (the normal's 1.53 or less: None, normal); at least :data:`MIN_DF`."""
    from scipy.optimize import brentq
    from scipy.special import stdtrit

    def excess(nu: float) -> float:
        return float(stdtrit(nu, 0.975) / stdtrit(nu, 0.9)) - ratio

    if not np.isfinite(ratio) or excess(MAX_DF) >= 0:
        return None
    return float(brentq(excess, MIN_DF, MAX_DF)) if excess(MIN_DF) > 0 else MIN_DF


def smooth(values: FloatArray, window: int) -> FloatArray:
    """Centred moving average of ``window`` points along the first axis; near the ends the
    mean of the points available (so a constant stays constant)."""
    v = np.asarray(values, dtype=np.float64)
    if window <= 1 or v.shape[0] < 2:
        return v
    half = window // 2
    pad = np.concatenate([np.zeros((1, *v.shape[1:])), np.cumsum(v, axis=0)])
    idx = np.arange(v.shape[0])
    lo, hi = np.maximum(idx - half, 0), np.minimum(idx + half + 1, v.shape[0])
    count = (hi - lo).reshape((-1,) + (1,) * (v.ndim - 1))
    return np.asarray((pad[hi] - pad[lo]) / count, dtype=np.float64)


def tail_dfs(ratios: FloatArray, window: int = 1) -> FloatArray:
    """ν per element of yearly 95/80 width ``ratios`` (years on the first axis), after a
    ``window``-year moving average: one year's ratio is noisy (Korea's 1.55–1.65 around
    2030), and near the normal's 1.53 a small change moves ν a lot. ∞ where normal."""
    r = smooth(ratios, window)
    out = np.array([tail_df(float(x)) or np.inf for x in r.ravel()], dtype=np.float64)
    return out.reshape(r.shape)


def t_quantile(df: FloatArray | float, p: float) -> FloatArray:
    """Quantile ``p`` of Student's t with ``df`` degrees of freedom (∞: the normal's)."""
    from scipy.special import stdtrit

    return np.asarray(stdtrit(np.asarray(df, dtype=np.float64), p), dtype=np.float64)


def t_scale(rng: np.random.Generator, df: FloatArray | float, trajectories: int,
            shape: tuple[int, ...]) -> FloatArray:
    """√(ν/χ²_ν) (trajectories, *shape) from one uniform draw per trajectory, ν = ``df``
    broadcast to ``shape`` (∞: 1). Multiplying unit normals by it gives t_ν marginals."""
    from scipy.special import gammaincinv

    nu = np.broadcast_to(np.asarray(df, dtype=np.float64), shape)
    finite = np.isfinite(nu)
    safe = np.where(finite, nu, MAX_DF)
    # 1 − U lies in (0, 1]: the χ² quantile is positive (p = 0 would give an infinite scale).
    p = (1.0 - rng.random(trajectories)).reshape((trajectories,) + (1,) * len(shape))
    chi2 = 2.0 * gammaincinv(safe / 2.0, p)
    return np.asarray(np.where(finite, np.sqrt(safe / chi2), 1.0), dtype=np.float64)
