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

from renkou.demography.lifetable import (
    A0Rule,
    single_year_person_years,
    survival_from_person_years,
)
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
    # e0, e60, e65 (LE_AGES) of each step's life tables: (..., Y, R, 2, 3); NaN beyond the
    # open age. Computed on the way, so that summaries need not rebuild the tables.
    life_expectancy: FloatArray | None = None
    # e0 of both sexes (..., Y, R): the life table of the sexes' rates weighted by the step's
    # exposure (start + end population), as WPP builds its both-sex tables.
    e0_both_sexes: FloatArray | None = None


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
    leads: list[tuple[int, ...]] = []

    def check(name: str, arr: FloatArray | None, core: tuple[int, ...],
              lo: float | None = None, hi: float | None = None) -> None:
        if arr is None:
            return
        arr = np.asarray(arr)
        if arr.ndim < len(core) or tuple(arr.shape[-len(core):]) != core:
            raise ValueError(f"{name} must end with shape {core}, got {arr.shape}")
        # min/max propagate NaN, so two reductions check finiteness and bounds at once.
        smallest, largest = float(arr.min()), float(arr.max())
        if not (np.isfinite(smallest) and np.isfinite(largest)):
            raise ValueError(f"{name} has non-finite values")
        if lo is not None and smallest < lo:
            raise ValueError(f"{name} has negative values" if lo == 0 else
                             f"{name} has values below {lo}")
        if hi is not None and largest > hi:
            raise ValueError(f"{name} must be probabilities in [0, 1]" if hi == 1 else
                             f"{name} has values above {hi}")
        leads.append(_lead(arr.shape, len(core)))

    check("population", pop, (r, 2, a), lo=0)
    check("asfr", inputs.asfr, (y, r, N_FERTILE), lo=0)
    check("mx", inputs.mx, (y, r, 2, a), lo=0)
    check("srb", inputs.srb, (y, r), lo=0)
    check("net_migration", inputs.net_migration, (y, r, 2, a))
    check("internal_rates", inputs.internal_rates, (y, r, r, 2, a), lo=0, hi=1)
    if float(np.asarray(inputs.mx)[..., -1].min()) <= 0:
        raise ValueError("mx of the open age group must be positive")
    if inputs.migration_timing not in MIGRATION_TIMINGS:
        raise ValueError(f"migration_timing must be one of {MIGRATION_TIMINGS}")
    if inputs.region_codes and len(inputs.region_codes) != r:
        raise ValueError("region_codes must have one code per region")
    return tuple(np.broadcast_shapes(*leads))


def period_to_cohort_counts(migrants: FloatArray, scale: float = 1.0) -> FloatArray:
    """Counts by age at the move (..., A) → counts by age slot at the end of the step
    (times ``scale``, folded in to save a pass over the array)."""
    m = np.asarray(migrants, dtype=np.float64)
    out = np.empty(m.shape, dtype=np.float64)
    out[..., 0] = m[..., 0]
    np.add(m[..., 1:], m[..., :-1], out=out[..., 1:])
    out[..., -1] += m[..., -1]
    out *= 0.5 * scale
    return out


def period_to_cohort_rates(rates: FloatArray) -> FloatArray:
    """Rates by age (..., A) → rates by end-of-step age slot (mean of the two ages lived)."""
    r = np.asarray(rates, dtype=np.float64)
    out = r.copy()
    out[..., 1:-1] = 0.5 * (r[..., :-2] + r[..., 1:-1])
    out[..., -1] = 0.5 * (r[..., -2] + r[..., -1])
    return out


def _prepare_moves(rates: FloatArray, scale: float = 1.0) -> FloatArray:
    """Moving rates by age at the move (..., R, R, 2, A) → net-flow matrices by end-of-step
    age slot: off the diagonal the rate of moving o → d, on it minus the exit rate of o, so
    that Σ_o P[o]·M[o, d] is the net gain of d.

    Slot rates are the mean of the two ages lived in the step (:func:`period_to_cohort_rates`);
    what the input has on its diagonal (staying) is ignored."""
    m = period_to_cohort_rates(rates)
    r = m.shape[-3]
    diag = np.arange(r)
    m[..., diag, diag, :, :] = 0.0
    m[..., diag, diag, :, :] = -m.sum(axis=-3)
    if scale != 1.0:
        m *= scale
    return m


# Above this many cells per step einsum's BLAS path pays for its set-up cost.
_EINSUM_BLAS_CELLS = 20_000


class _InternalMoves:
    """Origin→destination moves of one step as net-flow matrices (..., R, R, 2, A)."""

    def __init__(self, matrix: FloatArray) -> None:
        self.matrix = matrix

    def slot0(self) -> _InternalMoves:
        return _InternalMoves(self.matrix[..., :1])

    def net(self, pop: FloatArray) -> FloatArray:
        """Net internal migrants by destination: Σ_o P[o]·p[o,d] − P[d]·Σ_d' p[d,d']."""
        big = pop.size >= _EINSUM_BLAS_CELLS and self.matrix.ndim == 4
        return np.asarray(np.einsum("...osa,...odsa->...dsa", pop, self.matrix,
                                    optimize=big), dtype=np.float64)


def _advance(c: FloatArray, s: FloatArray, early_mig: FloatArray | None,
             late_mig: FloatArray | None, early_moves: _InternalMoves | None,
             late_moves: _InternalMoves | None) -> tuple[FloatArray, FloatArray]:
    """Survivors at the end of the step and deaths, by end-of-step age slot, of the cohorts
    ``c`` with their migrants.

    With w the share of the step migrants are exposed to (1 start, ½ mid-year, 0 end), the
    people exposed to the step's mortality are E = c + w·(internal net at the start + external
    net migrants); the survivors are S·E plus the (1 − w) part added at the end (internal moves
    among the survivors, external migrants); deaths are (1 − S)·E. The ``early_*`` inputs
    come already multiplied by w and the ``late_*`` ones by 1 − w (None when zero)."""
    exposed = c
    if early_mig is not None or early_moves is not None:
        early = np.zeros(c.shape) if early_mig is None else early_mig
        if early_moves is not None:
            early = early + early_moves.net(c)
        exposed = c + early
    survivors = exposed * s
    deaths = exposed - survivors
    if late_mig is not None:
        survivors += late_mig
    if late_moves is not None:
        survivors += late_moves.net(c * s)
    return survivors, deaths


# Trajectories are processed in blocks of about this many cells (trajectory × region × sex ×
# age) so that the step's temporaries stay in the CPU cache; within a block everything is
# vectorised. Blocking changes no result.
BLOCK_CELLS = 1 << 17
LE_AGES = (0, 60, 65)


def project(inputs: ProjectionInputs) -> ProjectionResult:
    """Run the cohort-component projection (see the module docstring for conventions)."""
    lead = validate_inputs(inputs)
    n_lead = int(np.prod(lead)) if lead else 1
    y_steps, r, n_age = inputs.steps, inputs.n_regions, inputs.n_ages

    def batched(arr: FloatArray | None, core: int) -> tuple[FloatArray | None, bool]:
        """(n_lead, *core) view of an input with leading axes, or the input itself."""
        if arr is None:
            return None, False
        a = np.asarray(arr, dtype=np.float64)
        if a.ndim == core:
            return a, False
        a = np.broadcast_to(a, (*lead, *a.shape[a.ndim - core:]))
        return a.reshape(n_lead, *a.shape[len(lead):]), True

    pop_in, _ = batched(inputs.population, 3)
    assert pop_in is not None
    arrays = {
        "mx": batched(inputs.mx, 4), "asfr": batched(inputs.asfr, 3),
        "srb": batched(inputs.srb, 2), "mig": batched(inputs.net_migration, 4),
        "internal": batched(inputs.internal_rates, 5),
    }
    population = np.empty((n_lead, y_steps + 1, r, 2, n_age), dtype=np.float64)
    births = np.empty((n_lead, y_steps, r, 2), dtype=np.float64)
    deaths = np.empty((n_lead, y_steps, r, 2, n_age), dtype=np.float64)
    e_shape_lead = n_lead if arrays["mx"][1] else 1
    expectancy = np.empty((e_shape_lead, y_steps, r, 2, len(LE_AGES)), dtype=np.float64)
    e_both = np.empty((n_lead, y_steps, r), dtype=np.float64)
    population[:, 0] = pop_in
    block = max(1, BLOCK_CELLS // (r * 2 * n_age))
    for b0 in range(0, n_lead, block):
        sl = slice(b0, min(b0 + block, n_lead))
        views = {k: (None if a is None else (a[sl] if has else a))
                 for k, (a, has) in arrays.items()}
        _run_block(inputs, population[sl], births[sl], deaths[sl],
                   expectancy[sl] if arrays["mx"][1] else (expectancy if b0 == 0 else None),
                   e_both[sl], views)
    years = np.arange(inputs.base_year, inputs.end_year + 1, dtype=np.int64)
    e_out = expectancy.reshape(*lead, *expectancy.shape[1:]) if arrays["mx"][1] else (
        np.broadcast_to(expectancy[0], (*lead, *expectancy.shape[1:])))
    return ProjectionResult(
        years=years, population=population.reshape(*lead, *population.shape[1:]),
        births=births.reshape(*lead, *births.shape[1:]),
        deaths=deaths.reshape(*lead, *deaths.shape[1:]), inputs=inputs,
        life_expectancy=e_out, e0_both_sexes=e_both.reshape(*lead, *e_both.shape[1:]))


def _run_block(inputs: ProjectionInputs, population: FloatArray, births: FloatArray,
               deaths: FloatArray, expectancy: FloatArray | None, e_both: FloatArray,
               arr: dict[str, FloatArray | None]) -> None:
    """Project one block of trajectories (leading axis B) in place, step by step."""
    w = {"start": 1.0, "mid-year": 0.5, "end": 0.0}[inputs.migration_timing]
    shape = (population.shape[0], *population.shape[2:])  # (B, R, 2, A)
    n_age = shape[-1]
    female = np.array([False, True])  # broadcasts against m0 of shape (..., R, 2)
    mx_all, asfr_all, srb_all = arr["mx"], arr["asfr"], arr["srb"]
    assert mx_all is not None and asfr_all is not None and srb_all is not None
    mig_all, int_all = arr["mig"], arr["internal"]
    fert = slice(FERTILE_AGE_MIN, FERTILE_AGE_MAX + 1)
    cohort = np.empty(shape, dtype=np.float64)
    le_idx = [x for x in LE_AGES if x < n_age]

    for t in range(inputs.steps):
        p = population[:, t]
        lx, L = single_year_person_years(mx_all[..., t, :, :, :], female, inputs.a0_rule)
        if expectancy is not None:
            # T(x) for the ages of LE_AGES from the top down, one pass over L in total.
            above = np.zeros(L.shape[:-1])
            stop = n_age
            for i in range(len(LE_AGES) - 1, -1, -1):
                x = LE_AGES[i]
                if x not in le_idx:
                    expectancy[..., t, :, :, i] = np.nan
                    continue
                above = above + L[..., x:stop].sum(axis=-1)
                stop = x
                with np.errstate(divide="ignore", invalid="ignore"):
                    expectancy[..., t, :, :, i] = above / lx[..., x]
        s = np.broadcast_to(survival_from_person_years(L), shape)
        # The cohort entering each age slot at the end of the step, before births.
        cohort[..., 1:-1] = p[..., :-2]
        np.add(p[..., -2], p[..., -1], out=cohort[..., -1])
        cohort[..., 0] = 0.0
        # Migrants by end-of-step slot, split into the part exposed to the step's mortality
        # (weight w) and the part added at the end (1 − w); the weights are folded in.
        mig_w = mig_1w = None
        if mig_all is not None:
            if w == 0.5:
                mig_w = mig_1w = period_to_cohort_counts(mig_all[..., t, :, :, :], 0.5)
            elif w == 1.0:
                mig_w = period_to_cohort_counts(mig_all[..., t, :, :, :])
            else:
                mig_1w = period_to_cohort_counts(mig_all[..., t, :, :, :])
        mv_w = mv_1w = None
        if int_all is not None:
            mv = _InternalMoves(_prepare_moves(int_all[..., t, :, :, :, :], max(w, 1 - w)))
            mv_w = mv if w > 0 else None
            mv_1w = mv if w < 1 else None
        end, d_slot = _advance(cohort, s, mig_w, mig_1w, mv_w, mv_1w)
        # Emigration larger than a cohort would leave negative people: stop at zero (before
        # the women are counted for births).
        np.maximum(end, 0.0, out=end)
        # Births from the average of women at the start and the end of the step.
        women = p[..., FEMALE, fert] + end[..., FEMALE, fert]
        total_births = 0.5 * np.einsum("...a,...a->...", women, asfr_all[..., t, :, :])
        srb = srb_all[..., t, :]
        b = births[:, t]
        b[..., MALE] = total_births * srb / (1.0 + srb)
        b[..., FEMALE] = total_births / (1.0 + srb)
        # The newborn cohort (slot 0) is advanced on its own, now that births are known.
        cohort[..., 0] = b
        end0, d0 = _advance(cohort[..., :1], s[..., :1],
                            None if mig_w is None else mig_w[..., :1],
                            None if mig_1w is None else mig_1w[..., :1],
                            None if mv_w is None else mv_w.slot0(),
                            None if mv_1w is None else mv_1w.slot0())
        end[..., :1] = end0
        d_slot[..., :1] = d0
        end = np.maximum(end, 0.0, out=population[:, t + 1])
        e_both[:, t] = _e0_both(mx_all[..., t, :, :, :], p, end, inputs.a0_rule)
        # Deaths by age at the start of the step (slot a+1 holds those aged a at the start).
        d = deaths[:, t]
        d[..., :-2] = d_slot[..., 1:-1]
        older = p[..., -2] + p[..., -1]
        share = np.divide(p[..., -2], older, out=np.full(older.shape, 0.5), where=older > 0)
        d[..., -2] = d_slot[..., -1] * share
        d[..., -1] = d_slot[..., -1] * (1.0 - share)
        d[..., 0] += d_slot[..., 0]


def _e0_both(mx: FloatArray, start: FloatArray, end: FloatArray, a0_rule: A0Rule
             ) -> FloatArray:
    """e0 of both sexes for one step: rates of the sexes weighted by start + end population
    (..., R, 2, A) → (..., R). Ages with nobody take the plain mean of the two rates."""
    w_m = start[..., MALE, :] + end[..., MALE, :]
    w_f = start[..., FEMALE, :] + end[..., FEMALE, :]
    mixed = mx[..., MALE, :] * w_m
    mixed += mx[..., FEMALE, :] * w_f
    w_m += w_f
    empty = w_m <= 0
    if empty.any():
        w_m[empty] = 1.0
        plain = 0.5 * (mx[..., MALE, :] + mx[..., FEMALE, :])
        mixed[empty] = np.broadcast_to(plain, mixed.shape)[empty]
    mixed /= w_m
    _, L = single_year_person_years(mixed, None, a0_rule)
    return np.asarray(L.sum(axis=-1), dtype=np.float64)  # T(0) / l(0), radix 1
