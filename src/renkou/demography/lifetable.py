"""Period life tables (生命表): complete (single years) and abridged (0, 1–4, 5–9, …).

From central death rates mx the table derives qx, lx, dx, Lx, Tx and ex the way Preston,
Heuveline and Guillot (2001, ch. 3) and the HMD methods protocol (Wilmoth et al., v6) do:

* qx = n·mx / (1 + (n − ax)·mx), capped at 1;
* ax = n/2 except at age 0 (and 1–4 in abridged tables), where a rule is chosen:
  Andreev–Kingkade (2015, as used by the HMD) or Coale–Demeny (as tabulated in PHG table 3.3);
* the open interval is closed in the usual way: L(ω) = l(ω) / m(ω), q(ω) = 1.

Everything is vectorised over leading axes so that the projection engine can build one table
per (trajectory, year, region, sex) in one call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from renkou.demography.a0 import (
    A0_ALIASES,
    A0_RULES,
    SEX_ALIASES,
    A0Rule,
    LifeTableSex,
    a0_andreev_kingkade,
    a0_coale_demeny,
    a0_rule_values,
    a0_values,
    a1_4_coale_demeny,
)
from renkou.types import FloatArray, IntArray

__all__ = ["A0_ALIASES", "A0_RULES", "SEX_ALIASES", "A0Rule", "LifeTableSex",
           "a0_andreev_kingkade", "a0_coale_demeny", "a0_rule_values", "a0_values",
           "a1_4_coale_demeny"]  # the a0 rules, re-exported beside the tables using them


@dataclass(frozen=True)
class LifeTableColumns:
    """The columns of one or many life tables; every array is (..., A)."""

    ax: FloatArray
    qx: FloatArray
    lx: FloatArray
    dx: FloatArray
    Lx: FloatArray
    Tx: FloatArray
    ex: FloatArray


def table_columns(mx: FloatArray, widths: FloatArray, ax: FloatArray,
                  radix: float = 1.0) -> LifeTableColumns:
    """Core computation on (..., A) arrays; the last age is the open interval.

    ``widths`` is (A,) with any value in the last position; ``ax`` is broadcastable to mx
    (its last value is replaced by 1/m for the open interval)."""
    mx = np.asarray(mx, dtype=np.float64)
    n = np.asarray(widths, dtype=np.float64)
    closed_n = n[:-1]
    m_closed = mx[..., :-1]
    a_closed = np.broadcast_to(ax, mx.shape)[..., :-1]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        q_closed = closed_n * m_closed / (1.0 + (closed_n - a_closed) * m_closed)
    q_closed = np.clip(np.nan_to_num(q_closed, nan=1.0, posinf=1.0), 0.0, 1.0)
    shape = mx.shape
    qx = np.empty(shape, dtype=np.float64)
    qx[..., :-1] = q_closed
    qx[..., -1] = 1.0
    lx = np.empty(shape, dtype=np.float64)
    lx[..., 0] = radix
    lx[..., 1:] = radix * np.cumprod(1.0 - q_closed, axis=-1)
    dx = lx * qx
    m_open = mx[..., -1]
    with np.errstate(divide="ignore", invalid="ignore"):
        # An open interval with zero mortality would live for ever; we treat that as an
        # input error upstream, here it yields inf and the caller sees it.
        L_open = np.where(lx[..., -1] > 0, lx[..., -1] / m_open, 0.0)
        a_open = np.where(m_open > 0, 1.0 / m_open, np.inf)
    Lx = np.empty(shape, dtype=np.float64)
    Lx[..., :-1] = closed_n * lx[..., 1:] + a_closed * dx[..., :-1]
    Lx[..., -1] = L_open
    Tx = np.cumsum(Lx[..., ::-1], axis=-1)[..., ::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        ex = np.where(lx > 0, Tx / np.where(lx > 0, lx, 1.0), 0.0)
    ax_full = np.empty(shape, dtype=np.float64)
    ax_full[..., :-1] = a_closed
    ax_full[..., -1] = a_open
    return LifeTableColumns(ax=ax_full, qx=qx, lx=lx, dx=dx, Lx=Lx, Tx=Tx, ex=ex)


def single_year_ax(mx: FloatArray, female: FloatArray | bool | None,
                   a0_rule: A0Rule = "andreev-kingkade") -> FloatArray:
    """ax for a complete table: the a0 rule at age 0, one half elsewhere.

    ``female`` is a boolean broadcastable to mx[..., 0] (True for women), or None for
    both sexes together (the mean of the two sexes' rules)."""
    a0 = a0_values(mx[..., 0], female, a0_rule)
    ax = np.full(mx.shape, 0.5)
    ax[..., 0] = a0
    return ax


def complete_columns(mx: FloatArray, female: FloatArray | bool | None,
                     a0_rule: A0Rule = "andreev-kingkade") -> LifeTableColumns:
    """Complete (single-year) life table columns for (..., A) rates, open last age."""
    mx = np.asarray(mx, dtype=np.float64)
    widths = np.ones(mx.shape[-1])
    return table_columns(mx, widths, single_year_ax(mx, female, a0_rule))


def life_expectancy(mx: FloatArray, female: FloatArray | bool | None,
                    a0_rule: A0Rule = "andreev-kingkade") -> FloatArray:
    """e0 of complete tables, vectorised: (..., A) → (...). The one e0 of renkou: every
    other e0 (by sex name, abridged tables, a projection step) is this table's."""
    return complete_columns(mx, female, a0_rule).ex[..., 0]


def separation_factors(mx: FloatArray, widths: FloatArray, sex: LifeTableSex,
                       a0_rule: A0Rule) -> FloatArray:
    """ax of (..., A) rates: n/2, the a0 rule at age 0 (when it is a single year) and
    Coale–Demeny's 4a1 at 1–4 (abridged tables)."""
    ax = np.broadcast_to(widths / 2.0, mx.shape).copy()
    m0 = mx[..., 0]
    if widths[0] == 1.0:
        ax[..., 0] = a0_rule_values(m0, sex, a0_rule)
        if widths.shape[0] > 2 and widths[1] == 4.0:
            ax[..., 1] = a1_4_coale_demeny(m0, sex)
    return ax


def interval_widths(n_ages: int, ages: FloatArray | list[int] | None) -> FloatArray:
    """Interval widths of a complete table (``ages`` None) or of the given interval starts."""
    if ages is None:
        return np.ones(n_ages, dtype=np.float64)
    a = np.asarray(ages, dtype=np.float64)
    if a.shape != (n_ages,) or a[0] != 0 or np.any(np.diff(a) <= 0):
        raise ValueError("ages 须从 0 开始递增，且与死亡率的年龄数一致")
    return np.append(np.diff(a), 1.0)


def life_expectancy_at_birth(mx: FloatArray, *, sex: LifeTableSex = "total",
                             ages: FloatArray | list[int] | None = None,
                             a0_rule: A0Rule = "andreev-kingkade") -> FloatArray:
    """e0 of (..., A) rates by sex name: complete table without ``ages``, abridged with
    0, 1, 5, …."""
    m = np.asarray(mx, dtype=np.float64)
    widths = interval_widths(m.shape[-1], ages)
    return np.asarray(table_columns(m, widths, separation_factors(m, widths, sex, a0_rule)
                                    ).ex[..., 0], dtype=np.float64)


def single_year_person_years(mx: FloatArray, female: FloatArray | bool | None,
                              a0_rule: A0Rule) -> tuple[FloatArray, FloatArray]:
    """lx and Lx of complete tables (radix 1) with as few passes over memory as possible.

    Same definitions as :func:`complete_columns` (ax = ½ above age 0, L(ω) = l(ω)/m(ω));
    the projection engine calls this once per step for every trajectory and region."""
    m = np.asarray(mx, dtype=np.float64)
    m0 = m[..., 0]
    a0 = a0_values(m0, female, a0_rule)
    # With ax = ½: q = m / (1 + m/2), so p = 1 − q = (2 − m) / (2 + m) (≥ 0: q capped at 1).
    q = np.subtract(2.0, m[..., :-1])
    np.divide(q, m[..., :-1] + 2.0, out=q)
    q[..., 0] = 1.0 - m0 / (1.0 + (1.0 - a0) * m0)
    np.maximum(q, 0.0, out=q)  # now p = 1 − q
    lx = np.empty(m.shape, dtype=np.float64)
    lx[..., 0] = 1.0
    np.cumprod(q, axis=-1, out=lx[..., 1:])
    Lx = np.empty(m.shape, dtype=np.float64)
    np.add(lx[..., 1:-1], lx[..., 2:], out=Lx[..., 1:-1])
    Lx[..., 1:-1] *= 0.5  # l(x+1) + ½ d(x) = ½ (l(x) + l(x+1))
    l1 = lx[..., 1]
    Lx[..., 0] = l1 + a0 * (1.0 - l1)
    with np.errstate(divide="ignore", invalid="ignore"):
        Lx[..., -1] = np.where(lx[..., -1] > 0, lx[..., -1] / m[..., -1], 0.0)
    return lx, Lx


def survival_from_person_years(L: FloatArray) -> FloatArray:
    """Cohort survivorship ratios (see :class:`Survivorship`) from Lx with l0 = 1."""
    s = np.empty(L.shape, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        s[..., 0] = L[..., 0]
        np.divide(L[..., 1:-1], L[..., :-2], out=s[..., 1:-1])
        s[..., -1] = L[..., -1] / (L[..., -2] + L[..., -1])
    if not L.min() > 0:  # only when a whole cohort has died out (or m is infinite)
        s[~np.isfinite(s)] = 0.0
    return s


def life_expectancy_at(mx: FloatArray, female: FloatArray | bool | None, ages: tuple[int, ...],
                       a0_rule: A0Rule = "andreev-kingkade") -> FloatArray:
    """e(x) at the given exact ages of complete tables: (..., A) → (..., len(ages))."""
    lx, L = single_year_person_years(mx, female, a0_rule)
    T = np.stack([L[..., x:].sum(axis=-1) for x in ages], axis=-1)
    lx_at = lx[..., list(ages)]
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.where(lx_at > 0, T / np.where(lx_at > 0, lx_at, 1.0), 0.0)
    return np.asarray(e, dtype=np.float64)


def step_life_table(mx: FloatArray, female: FloatArray | None, a0_rule: A0Rule,
                    ages: tuple[int, ...], survival: bool = True
                    ) -> tuple[FloatArray | None, FloatArray]:
    """Cohort survivorship ratios (..., A) and e(x) at ``ages`` (..., len(ages)) of complete
    period tables with ax = ½ above age 0 — the values of :func:`survival_from_person_years`
    and :func:`life_expectancy_at`, in fewer passes: the projection engine's life table
    of each step.

    With ax = ½, p(x) = (2 − m(x)) / (2 + m(x)) and L(x) = 2 l(x) / (2 + m(x)), so the ratio
    L(a)/L(a−1) of two closed ages is (2 − m(a−1)) / (2 + m(a)) and the open slot's
    T(ω)/T(ω−1) is (2 − m(ω−1)) / (2 m(ω) + 2 − m(ω−1)): survival needs no cumulative
    product. Only e(x) needs l(x). Rates m ≥ 2 (q capped at 1) take the general route."""
    m = np.asarray(mx, dtype=np.float64)
    n = m.shape[-1]
    num = np.subtract(2.0, m)
    if not num[..., :-1].min() > 0:
        lx, L = single_year_person_years(m, female, a0_rule)
        with np.errstate(divide="ignore", invalid="ignore"):
            e = np.stack([L[..., x:].sum(axis=-1) / lx[..., x] if x < n
                          else np.full(m.shape[:-1], np.nan) for x in ages], axis=-1)
        return (survival_from_person_years(L) if survival else None), e
    den = np.add(m, 2.0)
    m0 = m[..., 0]
    a0 = a0_values(m0, female, a0_rule)
    p0 = np.maximum(1.0 - m0 / (1.0 + (1.0 - a0) * m0), 0.0)  # l(1)
    l0_years = p0 + a0 * (1.0 - p0)  # L(0) = T(0) − T(1) with l(0) = 1
    s = None
    if survival:
        s = np.empty(m.shape, dtype=np.float64)
        s[..., 0] = l0_years
        s[..., 1] = 2.0 * p0 / (den[..., 1] * l0_years)
        np.divide(num[..., 1:n - 2], den[..., 2:n - 1], out=s[..., 2:n - 1])
        s[..., n - 1] = num[..., n - 2] / (2.0 * m[..., n - 1] + num[..., n - 2])
    e = np.empty((*m.shape[:-1], len(ages)), dtype=np.float64)
    if not ages:
        return s, e
    # l(1) … l(ω): the cumulative product of p(0), p(1), …, p(ω−1), built age by age on an
    # age-major copy — for many tables a loop of vector products is several times faster
    # than np.cumprod along the last axis, and gives the same products.
    lead = m.shape[:-1]
    rows = int(np.prod(lead)) if lead else 1
    lx = np.empty((n - 1, rows), dtype=np.float64)
    lx[0] = np.reshape(p0, -1)
    np.divide(num.reshape(rows, n)[:, 1:n - 1].T, den.reshape(rows, n)[:, 1:n - 1].T,
              out=lx[1:])
    for a in range(1, n - 1):
        np.multiply(lx[a - 1], lx[a], out=lx[a])
    l_top = lx[n - 2].reshape(lead)
    # T(x) = ½ l(x) + Σ_{x<a<ω} l(a) + ½ l(ω) + l(ω)/m(ω) for 1 ≤ x < ω; T(0) = L(0) + T(1).
    tail = l_top * (0.5 + 1.0 / m[..., n - 1])
    inner = np.zeros(lead)
    stop = n - 1  # sum l(a) for start ≤ a < stop, accumulated from the top down
    order = sorted(range(len(ages)), key=lambda i: -ages[i])
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in order:
            x = ages[i]
            if x >= n:
                e[..., i] = np.nan
                continue
            if x == n - 1:
                e[..., i] = 1.0 / m[..., n - 1]
                continue
            start = max(x, 1) + 1
            if start < stop:
                inner = inner + lx[start - 1:stop - 1].sum(axis=0).reshape(lead)
                stop = start
            t1 = 0.5 * lx[max(x, 1) - 1].reshape(lead) + inner + tail
            e[..., i] = (l0_years + t1) if x == 0 else t1 / lx[x - 1].reshape(lead)
    return s, e


@dataclass(frozen=True)
class Survivorship:
    """Survivorship ratios for a one-year projection step, each (..., A) or (...).

    ``cohort[a]`` survives the people who will be in age slot a at the end of the step:
    slot 0 are the births of the step (L0/l0), slot a ≥ 1 those aged a−1 at the start
    (L(a)/L(a−1)), and the open slot those aged ω−1 and ω at the start (T(ω)/T(ω−1))."""

    cohort: FloatArray


def survivorship(mx: FloatArray, female: FloatArray | bool | None,
                 a0_rule: A0Rule = "andreev-kingkade") -> Survivorship:
    """Survivorship ratios from person-years of the period life table (PHG 2001, ch. 6)."""
    cols = complete_columns(mx, female, a0_rule)
    return Survivorship(cohort=cohort_survival(cols))


def cohort_survival(cols: LifeTableColumns) -> FloatArray:
    L = cols.Lx
    T = cols.Tx
    l0 = cols.lx[..., :1]
    s = np.empty(L.shape, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        s[..., :1] = L[..., :1] / l0
        s[..., 1:-1] = np.where(L[..., :-2] > 0, L[..., 1:-1] / np.where(
            L[..., :-2] > 0, L[..., :-2], 1.0), 0.0)
        s[..., -1] = np.where(T[..., -2] > 0, T[..., -1] / np.where(
            T[..., -2] > 0, T[..., -2], 1.0), 0.0)
    return s


@dataclass(frozen=True)
class LifeTable:
    """A period life table (生命表) for one sex and one period.

    ``ages`` are the lower bounds of the intervals; the last one is open (``open_age``+).
    Columns follow PHG notation; ``radix`` is l0."""

    ages: IntArray
    widths: FloatArray  # interval lengths; inf for the open interval
    open_age: int
    sex: LifeTableSex
    a0_rule: A0Rule
    radix: float
    mx: FloatArray
    ax: FloatArray
    qx: FloatArray
    lx: FloatArray
    dx: FloatArray
    Lx: FloatArray
    Tx: FloatArray
    ex: FloatArray

    def e(self, age: int) -> float:
        """Life expectancy at an exact age that starts an interval of the table."""
        idx = np.nonzero(self.ages == age)[0]
        if idx.size == 0:
            raise ValueError(f"age {age} does not start an interval of this table")
        return float(self.ex[int(idx[0])])

    @property
    def e0(self) -> float:
        return self.e(0)

    @property
    def e60(self) -> float:
        return self.e(60)

    @property
    def e65(self) -> float:
        return self.e(65)

    @property
    def abridged(self) -> bool:
        return bool(np.any(self.widths[:-1] != 1.0))

    def survivorship_ratios(self) -> FloatArray:
        """Projection survivorship ratios by age slot (see :class:`Survivorship`).

        For an abridged table the ratios are the n-year ratios nL(x+n)/nL(x) between
        consecutive intervals (slot 0: L0 / (n·l0) is not meaningful and is given as
        Lx[0]/(widths[0]·radix))."""
        cols = LifeTableColumns(ax=self.ax, qx=self.qx, lx=self.lx, dx=self.dx, Lx=self.Lx,
                                Tx=self.Tx, ex=self.ex)
        s = cohort_survival(cols)
        s[0] = self.Lx[0] / (self.widths[0] * self.radix)
        return s


def abridged_ages(open_age: int) -> IntArray:
    """0, 1, 5, 10, …, open_age (open_age a multiple of 5, at least 5)."""
    if open_age < 5 or open_age % 5:
        raise ValueError("open age of an abridged table must be a multiple of 5, ≥ 5")
    return np.array([0, 1, *range(5, open_age + 1, 5)], dtype=np.int64)


def life_table(mx: FloatArray | list[float], ages: IntArray | list[int] | None = None,
               sex: LifeTableSex = "total", a0_rule: A0Rule = "andreev-kingkade",
               radix: float = 1.0, ax: FloatArray | list[float] | None = None) -> LifeTable:
    """Build a life table from central death rates.

    ``ages`` are interval starts (the last is the open interval). Without ``ages`` the
    table is complete: ages 0, 1, …, len(mx)−1. An abridged table (0, 1, 5, 10, …) uses the
    a0 rule for age 0; for 1–4 it uses Coale–Demeny's 4a1 (Andreev–Kingkade give only a0,
    so PHG's practice is followed for both rules) and n/2 above. Observed separation
    factors can be given as ``ax`` instead (the open interval always uses 1/m)."""
    sex = SEX_ALIASES.get(str(sex).strip().lower(), sex)  # type: ignore[assignment]
    if sex not in ("male", "female", "total"):
        raise ValueError(f"sex must be male, female or total, not {sex!r}")
    m = np.asarray(mx, dtype=np.float64)
    if m.ndim != 1 or m.size < 2:
        raise ValueError("mx must be a 1-D array with at least two ages")
    if np.any(~np.isfinite(m)) or np.any(m < 0):
        raise ValueError("mx must be finite and non-negative")
    if m[-1] <= 0:
        raise ValueError("the open age interval needs a positive death rate")
    a = (np.arange(m.size, dtype=np.int64) if ages is None
         else np.asarray(ages, dtype=np.int64))
    if a.shape != m.shape:
        raise ValueError("ages and mx must have the same length")
    if a[0] != 0 or np.any(np.diff(a) <= 0):
        raise ValueError("ages must start at 0 and increase")
    a0_rule = A0_ALIASES.get(str(a0_rule).strip().lower(), a0_rule)  # type: ignore[assignment]
    if a0_rule not in A0_RULES:
        raise ValueError(f"unknown a0 rule {a0_rule!r}; expected one of {A0_RULES}")
    widths = np.empty(m.size, dtype=np.float64)
    widths[:-1] = np.diff(a).astype(np.float64)
    widths[-1] = np.inf
    if ax is not None:
        given = np.asarray(ax, dtype=np.float64)
        if given.shape != m.shape or np.any(~np.isfinite(given[:-1])) or np.any(
                given[:-1] < 0) or np.any(given[:-1] > widths[:-1]):
            raise ValueError("ax must have one value per age within its interval")
        sep = given.copy()
    else:
        sep = separation_factors(m, widths, sex, a0_rule)
    cols = table_columns(m, widths, sep, radix=radix)
    return LifeTable(ages=a, widths=widths, open_age=int(a[-1]), sex=sex, a0_rule=a0_rule,
                     radix=radix, mx=m, ax=cols.ax, qx=cols.qx, lx=cols.lx, dx=cols.dx,
                     Lx=cols.Lx, Tx=cols.Tx, ex=cols.ex)
