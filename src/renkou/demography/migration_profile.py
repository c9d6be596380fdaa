"""Migration age profiles (迁移年龄模式): Rogers–Castro model schedules and net-migration splits.

Rogers, A. and Castro, L. J. (1981), *Model Migration Schedules*, IIASA Research Report
RR-81-30. The full schedule is

    m(x) = a1 exp(−α1 x)                                   pre-labour force (children
           + a2 exp(−α2 (x − μ2) − exp(−λ2 (x − μ2)))       moving with parents)
           + a3 exp(−α3 (x − μ3) − exp(−λ3 (x − μ3)))       labour-force peak
           + a4 exp(λ4 x)                                   retirement peak
           + c                                             post-retirement rise; constant

and the 7-, 9-, 11- and 13-parameter forms drop the later components. Only the *shape*
matters here: schedules are normalised to sum to 1 over the ages and then multiplied by a
total.

Using one schedule for *net* migration is a simplification: net migration is in-migration
minus out-migration and can change sign across ages. For a city whose net gain is labour
migration (the usual case in the plans: "人口净流入") the young-adult peak dominates both
flows and the shape is a fair default when no age detail exists; where the statistics
bureau has in- and out-flows by age, use them instead (``migration.csv``).

Pure NumPy; no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from renkou.types import OPEN_AGE, FloatArray


@dataclass(frozen=True)
class RogersCastro:
    """Parameters of a Rogers–Castro schedule; a component with zero height is absent."""

    a1: float = 0.0
    alpha1: float = 0.0
    a2: float = 0.0
    alpha2: float = 0.0
    mu2: float = 0.0
    lambda2: float = 0.0
    a3: float = 0.0
    alpha3: float = 0.0
    mu3: float = 0.0
    lambda3: float = 0.0
    a4: float = 0.0
    lambda4: float = 0.0
    c: float = 0.0

    def rates(self, ages: FloatArray | list[float] | range) -> FloatArray:
        """m(x) at the given ages (any shape), unnormalised."""
        x = np.asarray(ages, dtype=np.float64)
        m = self.a1 * np.exp(-self.alpha1 * x) + self.c
        if self.a2:
            m = m + self.a2 * np.exp(-self.alpha2 * (x - self.mu2)
                                     - np.exp(-self.lambda2 * (x - self.mu2)))
        if self.a3:
            m = m + self.a3 * np.exp(-self.alpha3 * (x - self.mu3)
                                     - np.exp(-self.lambda3 * (x - self.mu3)))
        if self.a4:
            m = m + self.a4 * np.exp(self.lambda4 * x)
        return np.asarray(m, dtype=np.float64)

    def peak_age(self) -> float:
        """Age of the labour-force peak, ``μ2 + ln(λ2/α2)/λ2`` (Rogers–Castro 1981 eq. 5)."""
        if not (self.a2 and self.alpha2 and self.lambda2):
            raise ValueError("该迁移模式没有劳动年龄高峰分量")
        return float(self.mu2 + np.log(self.lambda2 / self.alpha2) / self.lambda2)


# Standard parameter sets. "fundamental": the simplified 7-parameter basic standard schedule
# of Rogers and Castro (1981) (as distributed in the migest R package, ``rc9.fund``);
# "us-1970": the mean 11-parameter values for the United States in Rogers and Castro (1981)
# Table 8 (as quoted in migest's ``rc()`` documentation).
STANDARD_SCHEDULES: Mapping[str, RogersCastro] = {
    "fundamental": RogersCastro(a1=0.02, alpha1=0.1, a2=0.06, alpha2=0.1, mu2=20.0,
                                lambda2=0.4, c=0.003),
    "us-1970": RogersCastro(a1=0.021, alpha1=0.075, a2=0.06, alpha2=0.118, mu2=20.14,
                            lambda2=0.569, a3=0.002, alpha3=0.43, mu3=81.8, lambda3=0.119,
                            c=0.002),
}


def standard_schedule(name: str) -> RogersCastro:
    """A named standard schedule (``fundamental``, ``us-1970``)."""
    try:
        return STANDARD_SCHEDULES[name]
    except KeyError:
        raise ValueError(f"未知的标准迁移模式：{name}（可选："
                         f"{'、'.join(STANDARD_SCHEDULES)}）") from None


def age_profile(schedule: RogersCastro | str, open_age: int = OPEN_AGE, *,
                population: FloatArray | None = None) -> FloatArray:
    """Shares by single age 0 … ``open_age`` (the last one open), summing to 1.

    Each single age x is represented by m at its midpoint x + 0.5, the open group by the
    value at ``open_age + 0.5`` (one year's worth: very few migrants are that old, and summing
    the constant ``c`` over a long tail would inflate it). A Rogers–Castro schedule is a set of
    *rates*; when the ``population`` (..., A) at risk is given, migrants are ``m(x) · P(x)``
    and the shares follow that product (broadcast over leading axes).
    """
    sched = standard_schedule(schedule) if isinstance(schedule, str) else schedule
    profile = sched.rates(np.arange(open_age + 1, dtype=np.float64) + 0.5)
    if population is not None:
        pop = np.asarray(population, dtype=np.float64)
        if pop.shape[-1] != open_age + 1:
            raise ValueError(f"人口的年龄数应为 {open_age + 1}，实际为 {pop.shape[-1]}")
        profile = profile * pop
    total = profile.sum(axis=-1, keepdims=True)
    if np.any(profile < 0) or np.any(total <= 0):
        raise ValueError("迁移模式参数给出了负值或全为零的年龄分布")
    return np.asarray(profile / total, dtype=np.float64)


def distribute_net_migration(totals: FloatArray | float, profile: FloatArray, *,
                             male_share: FloatArray | float = 0.5) -> FloatArray:
    """Split net migration totals (...) into (..., 2 sexes, A ages).

    ``profile`` is either one age profile (A,) used for both sexes or one per sex (2, A);
    each is normalised to sum to 1. ``male_share`` (broadcast against ``totals``) is the
    male part of each total. Sums over sex and age equal ``totals`` exactly.
    """
    t = np.asarray(totals, dtype=np.float64)
    p = np.asarray(profile, dtype=np.float64)
    if p.ndim == 1:
        p = np.stack([p, p])
    if p.ndim != 2 or p.shape[0] != 2:
        raise ValueError("年龄分布应为 (年龄数,) 或 (2, 年龄数)")
    sums = p.sum(axis=-1, keepdims=True)
    if np.any(sums <= 0):
        raise ValueError("年龄分布之和必须为正")
    p = p / sums
    share = np.asarray(male_share, dtype=np.float64)
    if np.any((share < 0) | (share > 1)):
        raise ValueError("男性占比必须在 0 和 1 之间")
    sex_split = np.stack(np.broadcast_arrays(share, 1.0 - share), axis=-1)  # (..., 2)
    by_sex = t[..., None] * sex_split
    return np.asarray(by_sex[..., None] * p, dtype=np.float64)


def fit_rogers_castro(ages: FloatArray | list[float], shares: FloatArray, *,
                      start: RogersCastro | None = None, iterations: int = 200) -> RogersCastro:
    """Fit the 7-parameter schedule to an observed positive age distribution.

    Gauss–Newton with a Levenberg damping on the squared error of the normalised shares;
    a small, dependency-free fit meant for smoothing a noisy but clearly peaked
    in-migration distribution (for example 户籍迁入 by age), not for signed net flows.
    Shares identify only the ratios of the heights ``a1, a2, c``; the result is scaled to a
    unit gross migraproduction (``Σ m(x) = 1`` over ``ages``), Rogers and Castro's convention.
    """
    x = np.asarray(ages, dtype=np.float64)
    y = np.asarray(shares, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError("年龄与占比的长度必须一致")
    if np.any(y < 0) or y.sum() <= 0:
        raise ValueError("拟合需要非负且不全为零的迁移分布")
    y = y / y.sum()
    s = start or STANDARD_SCHEDULES["fundamental"]
    theta = np.array([s.a1, s.alpha1, s.a2, s.alpha2, s.mu2, s.lambda2, s.c], dtype=np.float64)

    def model(th: FloatArray) -> FloatArray:
        m = RogersCastro(a1=th[0], alpha1=th[1], a2=th[2], alpha2=th[3], mu2=th[4],
                         lambda2=th[5], c=th[6]).rates(x)
        return np.asarray(m / m.sum(), dtype=np.float64)

    damping = 1e-3
    resid = model(theta) - y
    cost = float(resid @ resid)
    for _ in range(iterations):
        jac = np.empty((x.size, theta.size))
        for j in range(theta.size):
            h = 1e-6 * max(abs(theta[j]), 1e-3)
            step = theta.copy()
            step[j] += h
            jac[:, j] = (model(step) - model(theta)) / h
        lhs = jac.T @ jac
        rhs = jac.T @ resid
        improved = False
        for _ in range(20):
            delta = np.linalg.solve(lhs + damping * np.diag(np.diag(lhs) + 1e-12), -rhs)
            cand = np.maximum(theta + delta, 1e-8)
            r = model(cand) - y
            c = float(r @ r)
            if np.isfinite(c) and c < cost:
                theta, resid, cost = cand, r, c
                damping = max(damping / 3.0, 1e-9)
                improved = True
                break
            damping *= 4.0
        if not improved or cost < 1e-16:
            break
    unit = RogersCastro(a1=float(theta[0]), alpha1=float(theta[1]), a2=float(theta[2]),
                        alpha2=float(theta[3]), mu2=float(theta[4]), lambda2=float(theta[5]),
                        c=float(theta[6]))
    gmr = float(unit.rates(x).sum())
    return RogersCastro(a1=unit.a1 / gmr, alpha1=unit.alpha1, a2=unit.a2 / gmr,
                        alpha2=unit.alpha2, mu2=unit.mu2, lambda2=unit.lambda2, c=unit.c / gmr)


def deviation_pattern(net_migration: FloatArray | None, n_regions: int, n_ages: int
                      ) -> FloatArray:
    """Age–sex shares (R, 2, A) of an additive migration deviation: the pattern of each
    region's net migrants (absolute values over all steps of (Y, R, 2, A)), or where there
    are none the "fundamental" schedule split equally by sex."""
    fallback = np.broadcast_to(0.5 * age_profile("fundamental", n_ages - 1),
                               (n_regions, 2, n_ages))
    if net_migration is None:
        return np.array(fallback)
    size = np.abs(np.asarray(net_migration, dtype=np.float64)).sum(axis=0)
    total = size.sum(axis=(-1, -2), keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(total > 0, size / np.where(total > 0, total, 1.0), fallback)
    return np.asarray(shares, dtype=np.float64)
