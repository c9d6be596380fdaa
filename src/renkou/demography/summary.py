"""Yearly summary indicators of a projection (预测汇总指标).

Every indicator is an array (..., Y+1, R) aligned with ``result.years``. Stock indicators
(total, shares, dependency, median age) describe the population at the reference date of
the year. Flow indicators (births, deaths, crude rates, TFR, SRB, e0) describe the step that
starts at that date, so they are NaN in the last year, where no step starts.
Shares and dependency ratios are percentages; crude rates are per 1000; SRB is males per
100 females; TFR is children per woman; e0 in years from the period life table of the step
(``e0`` for both sexes from the exposure-weighted rates of the two sexes).
"""

from __future__ import annotations

import numpy as np

from renkou.demography import rates
from renkou.demography.lifetable import A0Rule, life_expectancy_at
from renkou.demography.projection import (
    BLOCK_CELLS,
    FEMALE,
    LE_AGES,
    MALE,
    ProjectionResult,
)
from renkou.types import FloatArray

AGE_GROUP = 5  # width of the age groups the structure indicators are summed over

# The names the CLI writes to summary.csv, in this order.
SUMMARY_INDICATORS: tuple[str, ...] = (
    "total", "male", "female", "births", "deaths", "natural_increase", "net_migration",
    "cbr", "cdr", "natural_growth_rate", "tfr", "srb", "e0", "e0_male", "e0_female",
    "e60_male", "e60_female", "e65_male", "e65_female",
    "share_0_14", "share_15_59", "share_15_64", "share_60_plus", "share_65_plus",
    "share_80_plus", "young_dependency", "old_age_dependency", "total_dependency",
    "young_dependency_15_59", "old_age_dependency_15_59", "total_dependency_15_59",
    "median_age",
)


def _flow(values: FloatArray) -> FloatArray:
    """Pad a (..., Y, R) flow with NaN for the last year → (..., Y+1, R)."""
    pad = np.full((*values.shape[:-2], 1, values.shape[-1]), np.nan)
    return np.concatenate([values, pad], axis=-2)


def summary_indicators(result: ProjectionResult) -> dict[str, FloatArray]:
    """Yearly indicators for each region (see the module docstring for units)."""
    pop = result.population  # (..., Y+1, R, 2, A)
    # One pass over the population: sums by five-year group, from which the totals and the
    # structure indicators follow (the single ages are revisited only around the median).
    grouped = np.add.reduceat(pop, np.arange(0, pop.shape[-1], AGE_GROUP), axis=-1)
    male, female = grouped[..., MALE, :].sum(axis=-1), grouped[..., FEMALE, :].sum(axis=-1)
    total = male + female
    out: dict[str, FloatArray] = {"total": total, "male": male, "female": female}
    births = result.births.sum(axis=-1)  # (..., Y, R)
    deaths = result.deaths.sum(axis=(-1, -2))
    start, end = total[..., :-1, :], total[..., 1:, :]
    # Net migration as the balancing item keeps the demographic equation exact.
    net_mig = end - start - births + deaths
    out["births"] = _flow(births)
    out["deaths"] = _flow(deaths)
    out["natural_increase"] = _flow(births - deaths)
    out["net_migration"] = _flow(net_mig)
    out["cbr"] = _flow(rates.crude_birth_rate(births, start, end))
    out["cdr"] = _flow(rates.crude_death_rate(deaths, start, end))
    out["natural_growth_rate"] = _flow(rates.natural_growth_rate(births, deaths, start, end))
    inputs = result.inputs
    lead = pop.shape[:-4]
    asfr = np.broadcast_to(inputs.asfr, (*lead, *inputs.asfr.shape[-3:]))
    out["tfr"] = _flow(rates.total_fertility_rate(asfr))
    out["srb"] = _flow(rates.sex_ratio_at_birth(result.births[..., MALE],
                                                result.births[..., FEMALE]))
    if result.life_expectancy is not None:
        le = np.broadcast_to(result.life_expectancy, (*lead, *result.life_expectancy.shape[-4:]))
        for i, age in enumerate(LE_AGES):
            out[f"e{age}_male"] = _flow(le[..., MALE, i])
            out[f"e{age}_female"] = _flow(le[..., FEMALE, i])
    else:
        e = _life_expectancies(inputs.effective_mx(), lead, inputs.a0_rule)
        for name, values in e.items():
            out[name] = _flow(values)
    e_both = (result.e0_both_sexes if result.e0_both_sexes is not None else
              _e0_both_sexes(pop, inputs.effective_mx(), inputs.a0_rule))
    out["e0"] = _flow(np.broadcast_to(e_both, births.shape))
    out.update(_structure(pop, grouped[..., MALE, :] + grouped[..., FEMALE, :], total))
    return {k: np.asarray(out[k], dtype=np.float64) for k in SUMMARY_INDICATORS}


def _structure(pop: FloatArray, grouped: FloatArray, total: FloatArray
               ) -> dict[str, FloatArray]:
    """Shares, dependency ratios and median age (the definitions of
    :mod:`renkou.demography.rates`) from the sums of both sexes by five-year group
    ``grouped`` (..., G) and the single-year population ``pop`` (..., 2, A)."""
    top = pop.shape[-1] - 1
    cum = np.cumsum(grouped, axis=-1)

    def upto(age: int) -> FloatArray:  # people aged 0..age
        if age >= top:
            return total
        assert (age + 1) % AGE_GROUP == 0
        return np.asarray(cum[..., (age + 1) // AGE_GROUP - 1], dtype=np.float64)

    groups = {"0_14": upto(14), "15_59": upto(59) - upto(14), "15_64": upto(64) - upto(14),
              "60_plus": total - upto(59), "65_plus": total - upto(64),
              "80_plus": total - upto(79)}
    out = {f"share_{k}": rates.safe_ratio(v, total, 100.0) for k, v in groups.items()}
    out["young_dependency"] = rates.safe_ratio(groups["0_14"], groups["15_64"], 100.0)
    out["old_age_dependency"] = rates.safe_ratio(groups["65_plus"], groups["15_64"], 100.0)
    out["total_dependency"] = rates.safe_ratio(groups["0_14"] + groups["65_plus"],
                                           groups["15_64"], 100.0)
    out["young_dependency_15_59"] = rates.safe_ratio(groups["0_14"], groups["15_59"], 100.0)
    out["old_age_dependency_15_59"] = rates.safe_ratio(groups["60_plus"], groups["15_59"], 100.0)
    out["total_dependency_15_59"] = rates.safe_ratio(groups["0_14"] + groups["60_plus"],
                                                 groups["15_59"], 100.0)
    out["median_age"] = _median_age(pop, cum, total)
    return out


def _median_age(pop: FloatArray, cum: FloatArray, total: FloatArray) -> FloatArray:
    """Median age x + (N/2 − people below x) / people aged x, where x is the first age at
    which the cumulated population reaches N/2: found first among the five-year groups
    (cumulated sums ``cum``), then among the single ages of that group."""
    top = pop.shape[-1] - 1
    half = total / 2.0
    groups = cum.shape[-1]
    g = np.minimum((cum < half[..., None]).sum(axis=-1), groups - 1)  # the group
    # Flat indices into the contiguous arrays are much cheaper than take_along_axis.
    rows = np.arange(g.size).reshape(g.shape)
    flat_cum = np.ascontiguousarray(cum).reshape(-1)
    below_group = np.where(g > 0, flat_cum[rows * groups + np.maximum(g - 1, 0)], 0.0)
    ages = g[..., None] * AGE_GROUP + np.arange(AGE_GROUP)  # (..., 5), may pass the top
    inside = ages <= top
    cell = (rows[..., None] * 2) * pop.shape[-1] + np.minimum(ages, top)
    flat_pop = np.ascontiguousarray(pop).reshape(-1)
    single = (flat_pop[cell + MALE * pop.shape[-1]] + flat_pop[cell + FEMALE * pop.shape[-1]]
              ) * inside
    run = below_group[..., None] + np.cumsum(single, axis=-1)
    j = np.minimum((run < half[..., None]).sum(axis=-1), AGE_GROUP - 1)
    x = np.minimum(g * AGE_GROUP + j, top)
    at = np.take_along_axis(single, j[..., None], axis=-1)[..., 0]
    below = np.take_along_axis(run, j[..., None], axis=-1)[..., 0] - at
    frac = np.divide(half - below, at, out=np.zeros(at.shape), where=at > 0)
    return np.asarray(np.where(total > 0, x + frac, np.nan), dtype=np.float64)


def _e0_both_sexes(pop: FloatArray, mx: FloatArray, a0_rule: A0Rule) -> FloatArray:
    """e0 of both sexes (人均预期寿命) per step: the life table of the sexes' death rates
    weighted by the step's exposure (mean of start and end population), as WPP's both-sex
    tables are built from both-sex rates. (..., Y, R); computed per step and per block of
    trajectories so that the temporaries stay small and in cache."""
    steps, r, n_age = pop.shape[-4] - 1, pop.shape[-3], pop.shape[-1]
    lead = np.broadcast_shapes(pop.shape[:-4], mx.shape[:-4])
    n_lead = int(np.prod(lead)) if lead else 1
    p = np.broadcast_to(pop, (*lead, *pop.shape[-4:])).reshape(n_lead, *pop.shape[-4:])
    shared = mx.ndim == 4  # one set of rates for every trajectory: no copy per trajectory
    m_all = mx if shared else np.broadcast_to(mx, (*lead, *mx.shape[-4:])).reshape(
        n_lead, *mx.shape[-4:])
    out = np.empty((n_lead, steps, r))
    block = max(1, BLOCK_CELLS // (r * n_age))
    for b0 in range(0, n_lead, block):
        rows = slice(b0, min(b0 + block, n_lead))
        for t in range(steps):
            w_m = p[rows, t, :, MALE] + p[rows, t + 1, :, MALE]  # (B, R, A)
            w_f = p[rows, t, :, FEMALE] + p[rows, t + 1, :, FEMALE]
            m = m_all[t] if shared else m_all[rows, t]  # (R, 2, A) or (B, R, 2, A)
            mixed = m[..., MALE, :] * w_m
            mixed += m[..., FEMALE, :] * w_f
            w_m += w_f
            empty = w_m <= 0
            if empty.any():  # nobody at that age: the plain mean of the two rates
                w_m[empty] = 1.0
                plain = 0.5 * (m[..., MALE, :] + m[..., FEMALE, :])
                mixed[empty] = np.broadcast_to(plain, mixed.shape)[empty]
            mixed /= w_m
            out[rows, t] = life_expectancy_at(mixed, None, (0,), a0_rule)[..., 0]
    return out.reshape(*lead, steps, r)


def _life_expectancies(mx: FloatArray, lead: tuple[int, ...],
                       a0_rule: A0Rule) -> dict[str, FloatArray]:
    """e0/e60/e65 by sex for each step; year by year to bound memory with trajectories."""
    female = np.array([False, True])
    steps = mx.shape[-4]
    mx_lead = mx.shape[:-4]
    res = {k: np.empty((*mx_lead, steps, mx.shape[-3]))
           for k in ("e0_male", "e0_female", "e60_male", "e60_female", "e65_male",
                     "e65_female")}
    n_age = mx.shape[-1]
    for t in range(steps):
        ages = tuple(x for x in LE_AGES if x < n_age)
        e = life_expectancy_at(mx[..., t, :, :, :], female, ages, a0_rule)
        for i, age in enumerate(LE_AGES):  # e: (..., R, 2, len(ages))
            res[f"e{age}_male"][..., t, :] = e[..., MALE, i] if age < n_age else np.nan
            res[f"e{age}_female"][..., t, :] = e[..., FEMALE, i] if age < n_age else np.nan
    return {k: np.broadcast_to(v, (*lead, *v.shape[-2:])) for k, v in res.items()}
