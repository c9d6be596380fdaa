"""Rates of small areas from registry counts (小区域率的平滑): models fitted by penalised
Poisson likelihood, so that an area with few events borrows strength from the jurisdiction
and an area with many keeps its own rates.

* **Fertility** — a gamma-density schedule in age (Hoem et al. 1981), three parameters
  (TFR, mean age at childbearing, its standard deviation), fitted to births by mother's age
  and women's exposure: first to the whole jurisdiction, then to each area with Gaussian
  priors centred on the jurisdiction's values (a relational model to the jurisdiction's
  schedule whose weight fades as the area's births grow).
* **Mortality** — a Siler (1979) curve ``a1 e^(−b1 x) + a2 + a3 e^(b3 x)`` fitted to the
  jurisdiction's deaths and exposure by sex is the standard; each area is a Brass (1971)
  relational logit transform ``Y = α + β Y_s`` of it, with priors α ~ N(0, 0.3²) and
  β ~ N(1, 0.1²).
* **Sex ratio at birth** — the area's births by sex with a prior of 200 births at the
  jurisdiction's ratio (beta-binomial credibility).
* **Migration** — Rogers–Castro age profiles of gross arrivals and departures (see
  :func:`reconciled_net_migration`).

Pure NumPy and scipy.optimize; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from renkou.demography.assumptions import gamma_fertility_pattern
from renkou.demography.lifetable import LifeTableSex
from renkou.demography.migration_profile import fit_rogers_castro, standard_schedule
from renkou.demography.mortality_model import brass_mx
from renkou.types import FloatArray

SRB_PRIOR_BIRTHS = 200.0
DEFAULT_SRB = 1.05
_TINY = 1e-300


def _poisson_nll(events: FloatArray, expected: FloatArray) -> float:
    """−log L of Poisson counts (constant terms dropped)."""
    mu = np.maximum(expected, _TINY)
    return float(np.sum(mu - events * np.log(mu)))


# -- fertility --------------------------------------------------------------------------------
@dataclass(frozen=True)
class FertilityFit:
    """A gamma fertility schedule: TFR, mean age at childbearing and its SD."""

    tfr: float
    mean_age: float
    sd: float
    births: float  # births the fit saw (its weight)

    def asfr(self) -> FloatArray:
        """Rates at ages 15–49 (35,)."""
        return np.asarray(self.tfr * gamma_fertility_pattern(self.mean_age, self.sd),
                          dtype=np.float64)


def fit_fertility(births: FloatArray, women: FloatArray,
                  prior: FertilityFit | None = None) -> FertilityFit:
    """Fit the gamma schedule to births and women's person-years at 15–49 (35,) each.

    Without ``prior`` (the jurisdiction): weak priors keep a tiny population sane (mean age
    N(29, 5²), log SD N(ln 5.5, 0.5²)). With ``prior`` (an area): log TFR ~ N(ln TFR_J, 0.25²),
    mean age ~ N(m_J, 1.5²), log SD ~ N(ln s_J, 0.15²)."""
    b = np.asarray(births, dtype=np.float64)
    w = np.asarray(women, dtype=np.float64)
    if prior is None:
        crude = b.sum() / max(w.sum(), 1.0) * 35.0
        centre = np.array([np.log(max(crude, 0.05)), 29.0, np.log(5.5)])
        spread = np.array([np.inf, 5.0, 0.5])
    else:
        centre = np.array([np.log(max(prior.tfr, 1e-3)), prior.mean_age, np.log(prior.sd)])
        spread = np.array([0.25, 1.5, 0.15])

    def cost(theta: FloatArray) -> float:
        tfr, mean, sd = np.exp(theta[0]), theta[1], np.exp(theta[2])
        mu = w * tfr * gamma_fertility_pattern(mean, sd)
        penalty = 0.5 * np.sum(((theta - centre) / spread) ** 2)
        return _poisson_nll(b, mu) + float(penalty)

    bounds = [(np.log(1e-4), np.log(10.0)), (18.0, 42.0), (np.log(2.0), np.log(12.0))]
    res = minimize(cost, centre, method="L-BFGS-B", bounds=bounds)
    return FertilityFit(tfr=float(np.exp(res.x[0])), mean_age=float(res.x[1]),
                        sd=float(np.exp(res.x[2])), births=float(b.sum()))


# -- mortality --------------------------------------------------------------------------------
# A generic low-mortality curve (infant mortality near 4 per 1000, e0 near 80).
_SILER_START = np.log([0.005, 1.5, 2e-4, 3e-5, 0.095])


def siler_mx(params: FloatArray, n_ages: int) -> FloatArray:
    """Siler rates at mid-ages (age 0 at 0.1, where infant deaths concentrate)."""
    a1, b1, a2, a3, b3 = np.exp(np.asarray(params, dtype=np.float64))
    x = np.arange(n_ages, dtype=np.float64) + 0.5
    x[0] = 0.1
    return np.asarray(a1 * np.exp(-b1 * x) + a2 + a3 * np.exp(b3 * x), dtype=np.float64)


def fit_siler(deaths: FloatArray, exposure: FloatArray) -> FloatArray:
    """Siler rates (A,) fitted to deaths and person-years by single age (A,), with a weak
    ridge (SD 1 on each log parameter) towards a generic low-mortality curve so that a small
    population still gets a complete schedule."""
    d = np.asarray(deaths, dtype=np.float64)
    e = np.asarray(exposure, dtype=np.float64)
    n = d.shape[-1]

    def cost(theta: FloatArray) -> float:
        return _poisson_nll(d, e * siler_mx(theta, n)) + 0.5 * float(
            np.sum((theta - _SILER_START) ** 2))

    bounds = [(np.log(1e-5), np.log(0.5)), (np.log(0.1), np.log(10.0)),
              (np.log(1e-7), np.log(0.02)), (np.log(1e-7), np.log(1e-2)),
              (np.log(0.05), np.log(0.16))]
    res = minimize(cost, _SILER_START, method="L-BFGS-B", bounds=bounds)
    return np.minimum(siler_mx(res.x, n), 5.0)


@dataclass(frozen=True)
class BrassFit:
    """Brass parameters (R,) of each area and their rates (R, A)."""

    alpha: FloatArray
    beta: FloatArray
    mx: FloatArray


BRASS_PRIOR_SD = (0.3, 0.1)  # α around 0, β around 1


def fit_brass(deaths: FloatArray, exposure: FloatArray, standard: FloatArray,
              sex: LifeTableSex) -> BrassFit:
    """Brass relational logit (α, β) of ``standard`` (A,) fitted to each area's deaths and
    person-years by single age (R, A), with priors α ~ N(0, 0.3²), β ~ N(1, 0.1²).

    The areas are independent, so their costs are minimised together: one vectorised
    evaluation gives every area's cost, and perturbing all α (or all β) at once gives every
    area's own derivative."""
    d = np.atleast_2d(np.asarray(deaths, dtype=np.float64))
    e = np.atleast_2d(np.asarray(exposure, dtype=np.float64))
    n = d.shape[0]
    sd_a, sd_b = BRASS_PRIOR_SD

    def costs(alpha: FloatArray, beta: FloatArray) -> FloatArray:
        mu = np.maximum(e * brass_mx(standard, alpha, beta, sex=sex), _TINY)
        return np.asarray(np.sum(mu - d * np.log(mu), axis=-1)
                          + 0.5 * ((alpha / sd_a) ** 2 + ((beta - 1.0) / sd_b) ** 2),
                          dtype=np.float64)

    def total(theta: FloatArray) -> tuple[float, FloatArray]:
        a, b = theta[:n], theta[n:]
        c = costs(a, b)
        h = 1e-6
        grad = np.concatenate([(costs(a + h, b) - c) / h, (costs(a, b + h) - c) / h])
        return float(c.sum()), grad

    start = np.concatenate([np.zeros(n), np.ones(n)])
    res = minimize(total, start, jac=True, method="L-BFGS-B",
                   bounds=[(-3.0, 3.0)] * n + [(0.3, 2.0)] * n)
    alpha, beta = res.x[:n], res.x[n:]
    return BrassFit(alpha=alpha, beta=beta, mx=brass_mx(standard, alpha, beta, sex=sex))


# -- sex ratio at birth -----------------------------------------------------------------------
def smoothed_srb(male: FloatArray, female: FloatArray, standard: float) -> FloatArray:
    """Males per female birth: the area's births plus a prior of 200 births at
    ``standard``."""
    m = np.asarray(male, dtype=np.float64)
    f = np.asarray(female, dtype=np.float64)
    share = standard / (1.0 + standard)
    return np.asarray((m + SRB_PRIOR_BIRTHS * share) / (f + SRB_PRIOR_BIRTHS * (1 - share)),
                      dtype=np.float64)


# -- migration --------------------------------------------------------------------------------
def migration_profile(counts: FloatArray) -> FloatArray:
    """Age shares (A,) of gross moves: a Rogers–Castro schedule fitted to the counts by
    single age (the open age excluded from the fit and given the schedule's value there);
    all zeros without moves."""
    c = np.asarray(counts, dtype=np.float64)
    if c.sum() <= 0:
        return np.zeros_like(c)
    ages = np.arange(c.size, dtype=np.float64)
    with np.errstate(all="ignore"):  # trial steps of the fit may overflow; they are rejected
        fit = fit_rogers_castro(ages[:-1], c[:-1])
        p = np.maximum(fit.rates(ages), 0.0)
    if not np.all(np.isfinite(p)) or p.sum() <= 0:  # no usable fit: the standard schedule
        p = standard_schedule("fundamental").rates(ages)
    return np.asarray(p / p.sum(), dtype=np.float64)


def reconciled_net_migration(arrivals: FloatArray, departures: FloatArray,
                             in_profile: FloatArray, out_profile: FloatArray,
                             net_total: FloatArray) -> FloatArray:
    """Net migrants by age (..., A): gross arrivals and departures (...) spread by their
    Rogers–Castro profiles (A,), plus the difference between ``net_total`` (the balancing
    equation's residual) and arrivals − departures, spread by the arrivals' profile when it
    adds people and the departures' when it removes them. Sums to ``net_total``."""
    a = np.asarray(arrivals, dtype=np.float64)[..., None]
    d = np.asarray(departures, dtype=np.float64)[..., None]
    gap = np.asarray(net_total, dtype=np.float64)[..., None] - (a - d)
    pin = np.asarray(in_profile, dtype=np.float64)
    pout = np.asarray(out_profile, dtype=np.float64)
    if pin.sum() <= 0:
        pin = pout
    if pout.sum() <= 0:
        pout = pin
    if pin.sum() <= 0:  # no moves at all: spread evenly
        pin = pout = np.full(pin.shape, 1.0 / pin.size)
    spread = np.where(gap > 0, pin, pout)
    return np.asarray(a * pin - d * pout + gap * spread, dtype=np.float64)
