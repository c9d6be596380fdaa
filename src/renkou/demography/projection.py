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

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from renkou.demography.lifetable import A0Rule
from renkou.demography.projection_run import BLOCK_CELLS, LE_AGES, BlockRunner
from renkou.demography.projection_step import (
    FEMALE,
    MALE,
    period_to_cohort_counts,
    period_to_cohort_rates,
)
from renkou.types import FloatArray, IntArray

__all__ = [
    "BLOCK_CELLS", "FEMALE", "FERTILE_AGE_MAX", "FERTILE_AGE_MIN", "LE_AGES", "MALE",
    "MIGRATION_TIMINGS", "N_FERTILE", "ProjectionInputs", "ProjectionResult",
    "period_to_cohort_counts", "period_to_cohort_rates", "project", "project_reduced",
    "validate_inputs",
]

FERTILE_AGE_MIN = 15
FERTILE_AGE_MAX = 49
N_FERTILE = FERTILE_AGE_MAX - FERTILE_AGE_MIN + 1
MIGRATION_TIMINGS = ("mid-year", "start", "end")


@dataclass(frozen=True)
class ProjectionInputs:
    """Inputs of a cohort-component projection (预测输入). Shapes in the module docstring:

    population (..., R, 2, A); asfr (..., Y, R, 35) for ages 15–49; mx (..., Y, R, 2, A);
    srb (..., Y, R) males per female; net_migration (..., Y, R, 2, A);
    internal_rates (..., Y, R, R, 2, A) probability of moving origin → destination in the
    step (the diagonal is ignored). Sex 0 = male, 1 = female; Y = end_year − base_year.
    With ``mx_bx``/``mx_k`` set the engine uses :meth:`effective_mx`, not ``mx`` alone."""

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
    # Perturbations applied inside the engine, step by step, so that per-trajectory copies
    # of the largest inputs need not exist (stochastic runs): the rates used are
    # mx · exp(mx_bx · mx_k) and the migrants net_migration · migration_scale.
    mx_bx: FloatArray | None = None  # (2, A) age pattern of a Lee–Carter shock
    mx_k: FloatArray | None = None  # (..., Y, R, 2) its level per step, region and sex
    migration_scale: FloatArray | None = None  # (..., Y, R)
    # Extra net migrants of each step (..., Y, R), spread by ``migration_pattern`` (R, 2, A;
    # shares summing to 1 per region): an additive migration deviation, which unlike the
    # scale also moves a region whose net migration is near zero. Needs ``net_migration``.
    migration_add: FloatArray | None = None
    migration_pattern: FloatArray | None = None

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

    def effective_mx(self) -> FloatArray:
        """The death rates the engine uses: mx with the ``mx_bx``/``mx_k`` shock applied."""
        mx = np.asarray(self.mx, dtype=np.float64)
        if self.mx_bx is None or self.mx_k is None:
            return mx
        return np.asarray(mx * np.exp(np.asarray(self.mx_bx) * np.asarray(self.mx_k)[..., None]),
                          dtype=np.float64)


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
    # Net emigrants beyond their cohort, cut off at zero (..., Y, R); None when none was.
    emigration_capped: FloatArray | None = None


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
    if (inputs.mx_bx is None) != (inputs.mx_k is None):
        raise ValueError("mx_bx and mx_k go together")
    if inputs.mx_bx is not None:
        bx = np.asarray(inputs.mx_bx)
        if bx.shape != (2, a) or not np.all(np.isfinite(bx)):
            raise ValueError(f"mx_bx must be finite with shape (2, {a})")
    check("mx_k", inputs.mx_k, (y, r, 2))
    check("migration_scale", inputs.migration_scale, (y, r))
    check("migration_add", inputs.migration_add, (y, r))
    if (inputs.migration_add is None) != (inputs.migration_pattern is None):
        raise ValueError("migration_add and migration_pattern go together")
    if inputs.migration_add is not None:
        pattern = np.asarray(inputs.migration_pattern)
        if inputs.net_migration is None:
            raise ValueError("migration_add needs net_migration (zeros will do)")
        if pattern.shape != (r, 2, a) or not np.all(np.isfinite(pattern)):
            raise ValueError(f"migration_pattern must be finite with shape ({r}, 2, {a})")
    if float(np.asarray(inputs.mx)[..., -1].min()) <= 0:
        raise ValueError("mx of the open age group must be positive")
    if inputs.migration_timing not in MIGRATION_TIMINGS:
        raise ValueError(f"migration_timing must be one of {MIGRATION_TIMINGS}")
    if inputs.region_codes and len(inputs.region_codes) != r:
        raise ValueError("region_codes must have one code per region")
    return tuple(np.broadcast_shapes(*leads))


def project(inputs: ProjectionInputs) -> ProjectionResult:
    """Run the cohort-component projection (see the module docstring for conventions)."""
    run = BlockRunner(inputs, validate_inputs(inputs))
    n, y_steps, r, n_age = run.n_lead, inputs.steps, inputs.n_regions, inputs.n_ages
    population = np.empty((n, y_steps + 1, r, 2, n_age), dtype=np.float64)
    births = np.empty((n, y_steps, r, 2), dtype=np.float64)
    deaths = np.empty((n, y_steps, r, 2, n_age), dtype=np.float64)
    expectancy = np.empty((n if run.mortality_per_row else 1, y_steps, r, 2, len(LE_AGES)),
                          dtype=np.float64)
    e_both = np.empty((n, y_steps, r), dtype=np.float64)
    for rows in run.blocks():
        run.run(rows, population[rows], births[rows], deaths[rows],
                expectancy[rows] if run.mortality_per_row else expectancy, e_both[rows])
    return _result(run, population, births, deaths, expectancy, e_both, run.lead, inputs,
                   run.capped)


def project_reduced(inputs: ProjectionInputs,
                    reduce: Callable[[ProjectionResult], dict[str, FloatArray]],
                    block_cells: int = BLOCK_CELLS) -> dict[str, FloatArray]:
    """``reduce`` (e.g. ``summary.summary_indicators``) of :func:`project`'s result, computed
    block by block of trajectories so that the full (N, Y+1, R, 2, A) arrays never exist.

    ``reduce`` gets the result of one block (leading axis B, its ``inputs`` cut to those
    trajectories) and returns arrays with that leading axis; they are joined over the
    blocks and given the inputs' leading shape. Its arguments are reused buffers: it must
    not keep references to them. Same numbers as ``reduce(project(inputs))``."""
    run = BlockRunner(inputs, validate_inputs(inputs), block_cells)
    y_steps, r, n_age = inputs.steps, inputs.n_regions, inputs.n_ages
    size = run.block
    population = np.empty((size, y_steps + 1, r, 2, n_age), dtype=np.float64)
    births = np.empty((size, y_steps, r, 2), dtype=np.float64)
    deaths = np.empty((size, y_steps, r, 2, n_age), dtype=np.float64)
    expectancy = np.empty((size if run.mortality_per_row else 1, y_steps, r, 2, len(LE_AGES)),
                          dtype=np.float64)
    e_both = np.empty((size, y_steps, r), dtype=np.float64)
    out: dict[str, FloatArray] = {}
    for rows in run.blocks():
        b = rows.stop - rows.start
        ex = expectancy[:b] if run.mortality_per_row else expectancy
        run.run(rows, population[:b], births[:b], deaths[:b], ex, e_both[:b])
        capped = None if run.capped is None else run.capped[rows]
        part = reduce(_result(run, population[:b], births[:b], deaths[:b], ex, e_both[:b],
                              (b,), run.inputs_of(rows), capped))
        for name, values in part.items():
            if name not in out:
                out[name] = np.empty((run.n_lead, *values.shape[1:]), dtype=values.dtype)
            out[name][rows] = values
    return {k: v.reshape(*run.lead, *v.shape[1:]) for k, v in out.items()}


def _result(run: BlockRunner, population: FloatArray, births: FloatArray, deaths: FloatArray,
            expectancy: FloatArray, e_both: FloatArray, lead: tuple[int, ...],
            inputs: ProjectionInputs, capped: FloatArray | None) -> ProjectionResult:
    """Arrays with a flat leading axis → the result with leading shape ``lead``."""
    e_out = expectancy.reshape(*lead, *expectancy.shape[1:]) if run.mortality_per_row else (
        np.broadcast_to(expectancy[0], (*lead, *expectancy.shape[1:])))
    return ProjectionResult(
        years=np.arange(inputs.base_year, inputs.end_year + 1, dtype=np.int64),
        population=population.reshape(*lead, *population.shape[1:]),
        births=births.reshape(*lead, *births.shape[1:]),
        deaths=deaths.reshape(*lead, *deaths.shape[1:]), inputs=inputs,
        life_expectancy=e_out, e0_both_sexes=e_both.reshape(*lead, *e_both.shape[1:]),
        emigration_capped=None if capped is None else capped.reshape(*lead, *capped.shape[1:]))
