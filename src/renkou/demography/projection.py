"""Cohort-component projection (队列要素法人口预测), multi-regional, annual steps.

Conventions (see docs/methods.md, "Demography"):

* ``population[..., t, r, s, a]`` is the population at the reference date of year t (the same
  date every year, e.g. 1 July or 1 November); ``a`` is completed age, the last one open.
* Rates labelled year t (ASFR, mx, SRB, migration) apply to the step from the reference date
  in year t to the one in year t+1.
* Survival uses person-years of the period life table of the step (UN WPP, PHG 2001 ch. 6):
  L(a)/L(a−1) for the cohort entering age a, T(ω)/T(ω−1) for the open group, L0/l0 for births.
* Births = Σ ASFR(x) · ½ (women aged x at the start + women aged x at the end of the step),
  split by the sex ratio at birth.
* Net migration (external, ``net_migration``) and internal moving rates (``internal_rates``)
  are given by age at the time of the move, as WPP and registers tabulate them. A mover aged x
  mid-step is aged x or x+1 at the end of the step, so half of the count joins each of those
  age slots (rates: the slot takes the mean of the two ages). With the default mid-year
  timing movers are half exposed to the mortality of the step, ``start`` exposes them to the
  whole step, ``end`` not at all. This reproduced WPP 2024 best (docs/methods.md).
* Deaths are reported by the age at the start of the step: ``deaths[..., a]`` counts deaths in
  the step among those aged a at the start; index 0 also holds the deaths of the babies born
  in the step. They are the balancing item, so P(t+1) = P(t) + B − D + M holds exactly.

A leading trajectory axis (or any number of leading axes) broadcasts across all inputs; the
computation is vectorised over it and over regions; only the years are looped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from renkou.demography.lifetable import A0Rule, cohort_survival, complete_columns
from renkou.types import FloatArray, IntArray

FERTILE_AGE_MIN = 15
FERTILE_AGE_MAX = 49
N_FERTILE = FERTILE_AGE_MAX - FERTILE_AGE_MIN + 1
MIGRATION_TIMINGS = ("mid-year", "start", "end")
MALE, FEMALE = 0, 1


@dataclass(frozen=True)
class ProjectionInputs:
    """Inputs of a cohort-component projection (预测输入). Shapes in the module docstring:

    population (..., R, 2, A); asfr (..., Y, R, 35) for ages 15–49; mx (..., Y, R, 2, A);
    srb (..., Y, R) males per female; net_migration (..., Y, R, 2, A);
    internal_rates (..., Y, R, R, 2, A) probability of moving origin → destination in the
    step (the diagonal is ignored). Sex 0 = male, 1 = female; Y = end_year − base_year."""

    base_year: int
    end_year: int
    population: FloatArray
    asfr: FloatArray
    mx: FloatArray
    srb: FloatArray
    net_migration: FloatArray | None = None
    internal_rates: FloatArray | None = None
    migration_timing: str = "mid-year"
    region_codes: tuple[str, ...] = ()
    a0_rule: A0Rule = "andreev-kingkade"

    @property
    def steps(self) -> int:
        return self.end_year - self.base_year

    @property
    def n_regions(self) -> int:
        return int(self.population.shape[-3])

    @property
    def n_ages(self) -> int:
        return int(self.population.shape[-1])

    @property
    def open_age(self) -> int:
        return self.n_ages - 1


@dataclass(frozen=True)
class ProjectionResult:
    """Output of :func:`project` (预测结果).

    years (Y+1,); population (..., Y+1, R, 2, A); births (..., Y, R, 2) during each step;
    deaths (..., Y, R, 2, A) by age at the start of the step (index 0 includes deaths of
    the step's births)."""

    years: IntArray
    population: FloatArray
    births: FloatArray
    deaths: FloatArray
    inputs: ProjectionInputs


def _lead(shape: tuple[int, ...], core: int) -> tuple[int, ...]:
    return shape[: len(shape) - core]


def validate_inputs(inputs: ProjectionInputs) -> tuple[int, ...]:
    """Check shapes and values; return the broadcast leading (trajectory) shape."""
    y = inputs.steps
    if y < 1:
        raise ValueError("end_year must be after base_year")
    pop = np.asarray(inputs.population)
    if pop.ndim < 3 or pop.shape[-2] != 2:
        raise ValueError("population must be (..., R, 2, A)")
    r, a = pop.shape[-3], pop.shape[-1]
    if a < FERTILE_AGE_MAX + 2:
        raise ValueError(f"need ages to at least {FERTILE_AGE_MAX + 1} (open age)")
    leads = [_lead(pop.shape, 3)]

    def check(name: str, arr: FloatArray | None, core: tuple[int, ...]) -> None:
        if arr is None:
            return
        arr = np.asarray(arr)
        if arr.ndim < len(core) or tuple(arr.shape[-len(core):]) != core:
            raise ValueError(f"{name} must end with shape {core}, got {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} has non-finite values")
        leads.append(_lead(arr.shape, len(core)))

    check("asfr", inputs.asfr, (y, r, N_FERTILE))
    check("mx", inputs.mx, (y, r, 2, a))
    check("srb", inputs.srb, (y, r))
    check("net_migration", inputs.net_migration, (y, r, 2, a))
    check("internal_rates", inputs.internal_rates, (y, r, r, 2, a))
    for name, arr in (("asfr", inputs.asfr), ("mx", inputs.mx), ("srb", inputs.srb),
                      ("population", inputs.population)):
        if np.any(np.asarray(arr) < 0):
            raise ValueError(f"{name} has negative values")
    if np.any(np.asarray(inputs.mx)[..., -1] <= 0):
        raise ValueError("mx of the open age group must be positive")
    if inputs.internal_rates is not None:
        ir = np.asarray(inputs.internal_rates)
        if np.any(ir < 0) or np.any(ir > 1):
            raise ValueError("internal_rates must be probabilities in [0, 1]")
    if inputs.migration_timing not in MIGRATION_TIMINGS:
        raise ValueError(f"migration_timing must be one of {MIGRATION_TIMINGS}")
    if inputs.region_codes and len(inputs.region_codes) != r:
        raise ValueError("region_codes must have one code per region")
    return tuple(np.broadcast_shapes(*leads))


def period_to_cohort_counts(migrants: FloatArray) -> FloatArray:
    """Counts by age at the move (..., A) → counts by age slot at the end of the step."""
    m = np.asarray(migrants, dtype=np.float64)
    out = 0.5 * m
    out[..., 1:] += 0.5 * m[..., :-1]
    out[..., -1] += 0.5 * m[..., -1]
    return out


def period_to_cohort_rates(rates: FloatArray) -> FloatArray:
    """Rates by age (..., A) → rates by end-of-step age slot (mean of the two ages lived)."""
    r = np.asarray(rates, dtype=np.float64)
    out = r.copy()
    out[..., 1:-1] = 0.5 * (r[..., :-2] + r[..., 1:-1])
    out[..., -1] = 0.5 * (r[..., -2] + r[..., -1])
    return out


def _without_diagonal(rates: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Origin→destination rates with staying put removed, and each origin's exit rate."""
    r = rates.shape[-3]
    p = rates * (1.0 - np.eye(r)[:, :, None, None])
    return p, p.sum(axis=-3)


def _internal_net(pop: FloatArray, p: FloatArray, out_rate: FloatArray) -> FloatArray:
    """Net internal migrants by destination: Σ_o P[o]·p[o,d] − P[d]·Σ_d' p[d,d'].

    pop (..., R, 2, A); p (..., R, R, 2, A) without diagonal; out_rate (..., R, 2, A)."""
    inflow = np.einsum("...osa,...odsa->...dsa", pop, p)
    return np.asarray(inflow - pop * out_rate, dtype=np.float64)


def project(inputs: ProjectionInputs) -> ProjectionResult:
    """Run the cohort-component projection (see the module docstring for conventions)."""
    lead = validate_inputs(inputs)
    y_steps = inputs.steps
    r = inputs.n_regions
    n_age = inputs.n_ages
    timing = inputs.migration_timing
    pop0 = np.broadcast_to(np.asarray(inputs.population, dtype=np.float64),
                           (*lead, r, 2, n_age))
    population = np.empty((*lead, y_steps + 1, r, 2, n_age), dtype=np.float64)
    births = np.empty((*lead, y_steps, r, 2), dtype=np.float64)
    deaths = np.empty((*lead, y_steps, r, 2, n_age), dtype=np.float64)
    population[..., 0, :, :, :] = pop0
    female = np.array([False, True])  # broadcasts against m0 of shape (..., R, 2)
    mx_all = np.asarray(inputs.mx, dtype=np.float64)
    asfr_all = np.asarray(inputs.asfr, dtype=np.float64)
    srb_all = np.asarray(inputs.srb, dtype=np.float64)
    mig_all = (None if inputs.net_migration is None
               else period_to_cohort_counts(inputs.net_migration))
    int_all, out_all = (None, None) if inputs.internal_rates is None else _without_diagonal(
        period_to_cohort_rates(inputs.internal_rates))
    fert = slice(FERTILE_AGE_MIN, FERTILE_AGE_MAX + 1)
    cohort = np.empty((*lead, r, 2, n_age), dtype=np.float64)

    for t in range(y_steps):
        p = population[..., t, :, :, :]
        mx = mx_all[..., t, :, :, :]
        cols = complete_columns(mx, female, inputs.a0_rule)
        s = np.broadcast_to(cohort_survival(cols), cohort.shape)
        # The cohort entering each age slot at the end of the step, before births.
        cohort[..., 1:-1] = p[..., :-2]
        cohort[..., -1] = p[..., -2] + p[..., -1]
        cohort[..., 0] = 0.0
        mig = None if mig_all is None else np.broadcast_to(mig_all[..., t, :, :, :],
                                                           cohort.shape)
        rates = None if int_all is None else int_all[..., t, :, :, :, :]
        exits = None if out_all is None else out_all[..., t, :, :, :]

        def advance(c: FloatArray, s: FloatArray = s, mig: FloatArray | None = mig,
                    rates: FloatArray | None = rates, exits: FloatArray | None = exits,
                    ) -> tuple[FloatArray, FloatArray]:
            """End-of-step population of the cohorts c, and the migrants they gained."""
            end = c * s
            moved = np.zeros(c.shape)
            if rates is not None and exits is not None:
                if timing == "start":
                    net_i = _internal_net(c, rates, exits)
                    end = end + net_i * s
                elif timing == "end":
                    net_i = _internal_net(end, rates, exits)
                    end = end + net_i
                else:
                    net_start = _internal_net(c, rates, exits)
                    net_end = _internal_net(end, rates, exits)
                    net_i = 0.5 * (net_start + net_end)
                    end = end + 0.5 * (net_start * s + net_end)
                moved = moved + net_i
            if mig is not None:
                if timing == "start":
                    end = end + mig * s
                elif timing == "end":
                    end = end + mig
                else:
                    end = end + mig * 0.5 * (1.0 + s)
                moved = moved + mig
            return end, moved

        end, moved = advance(cohort)
        # Births from the average of women at the start and the end of the step.
        women = 0.5 * (p[..., FEMALE, fert] + end[..., FEMALE, fert])
        total_births = np.einsum("...a,...a->...", women, asfr_all[..., t, :, :])
        srb = srb_all[..., t, :]
        b = np.empty((*np.broadcast_shapes(total_births.shape, srb.shape), 2))
        b[..., MALE] = total_births * srb / (1.0 + srb)
        b[..., FEMALE] = total_births / (1.0 + srb)
        births[..., t, :, :] = b
        # The newborn cohort (slot 0) is advanced on its own, now that births are known.
        end0, moved0 = advance(
            np.broadcast_to(b[..., None], (*cohort.shape[:-1], 1)), s[..., :1],
            None if mig is None else mig[..., :1],
            None if rates is None else rates[..., :1],
            None if exits is None else exits[..., :1])
        end[..., 0] = end0[..., 0]
        moved[..., 0] = moved0[..., 0]
        c_with_births = cohort.copy()
        c_with_births[..., 0] = b
        d_slot = c_with_births + moved - end
        # Emigration larger than the population would leave negative people: stop at zero.
        np.maximum(end, 0.0, out=end)
        population[..., t + 1, :, :, :] = end
        # Deaths by age at the start of the step (slot a+1 holds those aged a at the start).
        d = np.empty(cohort.shape)
        d[..., :-2] = d_slot[..., 1:-1]
        older = p[..., -2] + p[..., -1]
        share = np.divide(p[..., -2], older, out=np.full(older.shape, 0.5), where=older > 0)
        d[..., -2] = d_slot[..., -1] * share
        d[..., -1] = d_slot[..., -1] * (1.0 - share)
        d[..., 0] += d_slot[..., 0]
        deaths[..., t, :, :, :] = d

    years = np.arange(inputs.base_year, inputs.end_year + 1, dtype=np.int64)
    return ProjectionResult(years=years, population=population, births=births, deaths=deaths,
                            inputs=inputs)
