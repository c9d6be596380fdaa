"""Mortality schedules for a target life expectancy (按预期寿命反推死亡率): Brass and Lee–Carter.

Plans state mortality as life expectancy ("到2025年人均预期寿命达到81.5岁"); a projection needs
a full schedule mx. Two standard ways to get one from a *standard* schedule:

* **Brass relational logit** (Brass 1971; UN Manual X, 1983, ch. I; Moultrie et al., *Tools
  for Demographic Estimation*, 2013): with ``Y(x) = ½ ln((1 − l(x)) / l(x))``,
  ``Y(x) = α + β Y_s(x)``. ``β`` (default 1) keeps the standard's slope; ``α`` sets the
  level and is solved here so that the resulting table has the target e0.
* **Lee–Carter** (Lee and Carter 1992): ``ln m(x) = ln m_s(x) + b(x) k`` with the age
  pattern of change ``b(x)`` of a fitted model; ``k`` is solved for the target e0. This is
  how WPP-style e0 paths are turned into schedules when the age pattern of *improvement*
  should follow the country's own history rather than a uniform logit shift.

The schedule from the solved parameter goes through the same life table the projection uses
(:mod:`renkou.demography.lifetable`; complete single-year or abridged 0, 1, 5, …), and the
solve is on *that* table's e0, so the target is met to ``tol`` years by construction.

Brass works on lx, so the rates are recovered from the new lx: ``q(x) = 1 − l(x+n)/l(x)``,
``m = q / (n − (n − a) q)`` with the standard's a(x) (at age 0 the a0 rule of the chosen sex).
The open age group keeps the standard's ratio of its rate to the last closed age's rate,
scaled like that last closed age.

Vectorised: ``standard_mx`` (..., A) broadcasts against ``e0_target`` (...); one bisection
runs for all targets at once.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from renkou.demography.leecarter import LeeCarterFit
from renkou.demography.lifetable import (
    A0Rule,
    LifeTableSex,
    a0_rule_values,
    interval_widths,
    life_expectancy_at_birth,
    separation_factors,
    table_columns,
)
from renkou.types import FloatArray

Method = Literal["brass", "lee-carter"]


def _resolve_sex(sex: LifeTableSex | None, female: bool | None) -> LifeTableSex:
    if female is not None:
        return "female" if female else "male"
    return sex or "total"


def brass_mx(standard_mx: FloatArray, alpha: FloatArray | float, beta: FloatArray | float = 1.0,
             *, sex: LifeTableSex = "total", ages: FloatArray | list[int] | None = None,
             a0_rule: A0Rule = "andreev-kingkade") -> FloatArray:
    """The rates of the Brass logit transform ``Y = α + β Y_s`` of a standard schedule."""
    std = np.asarray(standard_mx, dtype=np.float64)
    widths = interval_widths(std.shape[-1], ages)
    cols = table_columns(std, widths, separation_factors(std, widths, sex, a0_rule))
    ls = np.clip(cols.lx[..., 1:], 1e-300, 1.0 - 1e-16)
    y_std = 0.5 * np.log((1.0 - ls) / ls)
    a = np.asarray(alpha, dtype=np.float64)[..., None]
    b = np.asarray(beta, dtype=np.float64)[..., None]
    y = a + b * y_std
    lx_new = 1.0 / (1.0 + np.exp(2.0 * y))  # l(x) for x = ages[1:]
    shape = np.broadcast_shapes(std.shape, (*lx_new.shape[:-1], std.shape[-1]))
    lx = np.empty(shape, dtype=np.float64)
    lx[..., 0] = 1.0
    lx[..., 1:] = lx_new
    with np.errstate(divide="ignore", invalid="ignore"):
        qx = 1.0 - lx[..., 1:] / lx[..., :-1]
    qx = np.clip(np.nan_to_num(qx, nan=1.0), 1e-12, 1.0)
    n = widths[:-1]
    ax_std = np.broadcast_to(cols.ax, shape)[..., :-1].copy()
    m = np.empty(shape, dtype=np.float64)
    m[..., :-1] = qx / (n - (n - ax_std) * qx)
    if widths[0] == 1.0:
        # a0 depends on m0; two fixed-point passes settle it to well below 1e-6.
        for _ in range(2):
            a0 = a0_rule_values(m[..., 0], sex, a0_rule)
            m[..., 0] = qx[..., 0] / (1.0 - (1.0 - a0) * qx[..., 0])
    ratio = std[..., -1] / std[..., -2]
    m[..., -1] = m[..., -2] * ratio
    return m


def lee_carter_mx(standard_mx: FloatArray, k: FloatArray | float, bx: FloatArray) -> FloatArray:
    """``exp(ln m_s(x) + b(x) k)`` for (..., A) standards and k broadcast to (...)."""
    std = np.asarray(standard_mx, dtype=np.float64)
    kk = np.asarray(k, dtype=np.float64)[..., None]
    return np.asarray(np.exp(np.log(std) + np.asarray(bx, dtype=np.float64) * kk),
                      dtype=np.float64)


def mx_for_e0(standard_mx: FloatArray, e0_target: FloatArray | float, *,
              sex: LifeTableSex | None = None, female: bool | None = None,
              method: Method = "brass", beta: float = 1.0,
              bx: FloatArray | LeeCarterFit | None = None,
              ages: FloatArray | list[int] | None = None,
              a0_rule: A0Rule = "andreev-kingkade", tol: float = 1e-4) -> FloatArray:
    """Death rates (..., A) with life expectancy ``e0_target`` from a standard schedule.

    ``standard_mx`` (..., A) and ``e0_target`` (...) broadcast. ``sex`` (or ``female=``)
    selects the a0 rule's sex ("total" averages both). ``method="brass"`` solves α for the
    given β; ``method="lee-carter"`` solves k for the age pattern ``bx`` (an array (A,) or a
    :class:`LeeCarterFit` on the same ages). The result's e0 — by the life table of
    :mod:`renkou.demography.lifetable` with these ``ages`` — is within ``tol`` years of the
    target; a target the model cannot reach raises ``ValueError``.
    """
    std = np.asarray(standard_mx, dtype=np.float64)
    if std.ndim < 1 or std.shape[-1] < 3:
        raise ValueError("标准死亡率至少需要三个年龄组")
    if not np.all(np.isfinite(std)) or np.any(std <= 0):
        raise ValueError("标准死亡率必须为有限正数")
    target = np.asarray(e0_target, dtype=np.float64)
    if not np.all(np.isfinite(target)) or np.any(target <= 0):
        raise ValueError("目标预期寿命必须为正数")
    s = _resolve_sex(sex, female)
    lead = np.broadcast_shapes(std.shape[:-1], target.shape)
    target = np.broadcast_to(target, lead)

    if method == "brass":
        def schedule(p: FloatArray) -> FloatArray:
            return brass_mx(std, p, beta, sex=s, ages=ages, a0_rule=a0_rule)
        lo_p, hi_p = -6.0, 6.0  # α: lower α → lower mortality → higher e0
    elif method == "lee-carter":
        if bx is None:
            raise ValueError("lee-carter 方法需要年龄变化模式 bx（或 LeeCarterFit）")
        b = bx.bx if isinstance(bx, LeeCarterFit) else np.asarray(bx, dtype=np.float64)
        if b.shape != (std.shape[-1],):
            raise ValueError(f"bx 的长度应为 {std.shape[-1]}，实际为 {b.shape}")

        def schedule(p: FloatArray) -> FloatArray:
            return lee_carter_mx(std, p, b)
        # k in units where Σb = 1: ±300 spans e0 from near 0 to beyond 110 for usual bx.
        lo_p, hi_p = -300.0, 300.0
    else:
        raise ValueError(f"未知的方法：{method}（可选 brass、lee-carter）")

    def e0_of(p: FloatArray) -> FloatArray:
        with np.errstate(over="ignore", invalid="ignore"):
            return life_expectancy_at_birth(schedule(p), sex=s, ages=ages, a0_rule=a0_rule)

    lo = np.full(lead, lo_p)
    hi = np.full(lead, hi_p)
    e_lo, e_hi = e0_of(lo), e0_of(hi)  # e0 falls as the parameter rises
    if np.any(target > e_lo + tol) or np.any(target < e_hi - tol):
        raise ValueError(f"目标预期寿命超出该模型可达到的范围（{float(np.min(e_hi)):.1f}–"
                         f"{float(np.max(e_lo)):.1f} 岁）")
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        above = e0_of(mid) > target  # still too long-lived: raise the parameter
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
        if np.max(hi - lo) < 1e-12:
            break
    result = schedule(0.5 * (lo + hi))
    achieved = life_expectancy_at_birth(result, sex=s, ages=ages, a0_rule=a0_rule)
    if np.any(np.abs(achieved - target) > tol):
        worst = float(np.max(np.abs(achieved - target)))
        raise ValueError(f"反推死亡率未能达到目标预期寿命（最大偏差 {worst:.4f} 岁）")
    return np.asarray(np.broadcast_to(result, (*lead, std.shape[-1])), dtype=np.float64)
