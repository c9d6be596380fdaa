"""Hukou and non-hukou residents as two linked states (户籍与非户籍常住人口联动预测).

The resident population of each area is split into residents who hold the jurisdiction's
hukou (户籍常住) and those who do not (非户籍常住). The two states are projected with the
resident rates of their area — the same fertility, mortality and sex ratio at birth — and
linked by settlement (落户): in each step a non-hukou resident aged ``a`` at the start of the
step acquires local hukou with probability ``settlement_rate`` (estimated from the registry),
and/or a given number of people settle (``settlement_count``, e.g. a points-settlement
simulation's admitted applicants, at most the cohort). Settlers leave the non-hukou state
and join the hukou state, counted like migrants of the step (by age at the start of the
step; with the projection's migration timing). Children take their mother's state, so a
child of a non-hukou mother is non-hukou until it settles. External net migration is split
by ``hukou_migration`` — the hukou residents' own net migration; the rest is the
non-hukou residents'.

Because settlement in a step depends on the non-hukou population at its start, which
depends on earlier settlement, the non-hukou state is projected repeatedly with the
settlement of the previous pass until the settlers change by less than a tolerance: step
*t*'s settlers depend only on steps before *t*, so the passes reach the fixed point in at
most Y passes (a handful at settlement rates of a few per cent).

The linked states are then **controlled to the resident projection**: in every year, area,
sex and age the hukou residents are the resident value times the linked projection's hukou
share, and the non-hukou residents the rest — so the two sum to the resident projection in
every cell (a cell the linked states leave empty takes the area's hukou share of that
year). The resident projection keeps its own composition effects; the split says who among
the residents holds hukou.

Pure NumPy; no I/O."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from renkou.demography.projection import ProjectionInputs, ProjectionResult, project
from renkou.types import FloatArray

STATUSES = ("hukou", "nonhukou")
MAX_PASSES = 200


@dataclass(frozen=True)
class HukouSplit:
    """What a split adds to the resident inputs (shapes of ``ProjectionInputs``)."""

    hukou_population: FloatArray  # (R, 2, A) residents holding local hukou at the base date
    settlement_rate: FloatArray | None = None  # (Y, R, 2, A) probability per step
    settlement_count: FloatArray | None = None  # (Y, R, 2, A) settlers per step
    hukou_migration: FloatArray | None = None  # (Y, R, 2, A) hukou residents' net migrants


@dataclass(frozen=True)
class SplitProjection:
    """The two states controlled to the resident projection, and the linked run."""

    hukou: FloatArray  # (Y+1, R, 2, A)
    nonhukou: FloatArray  # (Y+1, R, 2, A); hukou + nonhukou = resident population
    settled: FloatArray  # (Y, R, 2, A) settlers of each step (linked run)
    hukou_run: ProjectionResult  # the hukou state before control
    nonhukou_run: ProjectionResult
    passes: int  # passes of the non-hukou projection until the settlers converged


def check_split(inputs: ProjectionInputs, split: HukouSplit) -> None:
    """ValueError when the split does not fit the inputs."""
    pop = np.asarray(inputs.population, dtype=np.float64)
    h = np.asarray(split.hukou_population, dtype=np.float64)
    if h.shape != pop.shape:
        raise ValueError(f"hukou population shape {h.shape} differs from {pop.shape}")
    if np.any(h < 0) or np.any(h > pop * (1 + 1e-9) + 1e-9):
        raise ValueError("hukou residents must lie between 0 and the resident population")
    flows = (split.settlement_rate, split.settlement_count, split.hukou_migration)
    for name, values in zip(("settlement_rate", "settlement_count", "hukou_migration"),
                            flows, strict=True):
        if values is not None and np.shape(values) != (inputs.steps, *pop.shape):
            raise ValueError(f"{name} shape {np.shape(values)} differs from "
                             f"{(inputs.steps, *pop.shape)}")
    if split.settlement_rate is not None and (
            np.any(split.settlement_rate < 0) or np.any(split.settlement_rate > 1)):
        raise ValueError("settlement rates must lie in [0, 1]")
    if split.settlement_count is not None and np.any(split.settlement_count < 0):
        raise ValueError("settlers must not be negative")


def state_inputs(inputs: ProjectionInputs, split: HukouSplit, settled: FloatArray
                 ) -> tuple[ProjectionInputs, ProjectionInputs]:
    """Inputs of the hukou and the non-hukou state given the settlers of each step: the
    area's rates, the split base population, and net migration split (hukou: its own net
    migration plus the settlers; non-hukou: the rest minus the settlers)."""
    pop = np.asarray(inputs.population, dtype=np.float64)
    h0 = np.minimum(np.asarray(split.hukou_population, dtype=np.float64), pop)
    shape = (inputs.steps, *pop.shape)
    total = (np.zeros(shape) if inputs.net_migration is None
             else np.asarray(inputs.net_migration, dtype=np.float64))
    own = (np.zeros(shape) if split.hukou_migration is None or inputs.net_migration is None
           else np.asarray(split.hukou_migration, dtype=np.float64))
    hukou = dataclasses.replace(inputs, population=h0, net_migration=own + settled)
    nonhukou = dataclasses.replace(inputs, population=pop - h0,
                                   net_migration=total - own - settled)
    return hukou, nonhukou


def _settlers(split: HukouSplit, start: FloatArray) -> FloatArray:
    """Settlers of each step from the non-hukou population at the steps' starts."""
    out = np.zeros_like(start)
    if split.settlement_rate is not None:
        out += np.asarray(split.settlement_rate) * start
    if split.settlement_count is not None:
        out += np.asarray(split.settlement_count)
    return np.asarray(np.minimum(out, np.maximum(start, 0.0)), dtype=np.float64)


def project_linked(inputs: ProjectionInputs, split: HukouSplit, *, tol: float = 1e-9
                   ) -> tuple[ProjectionResult, ProjectionResult, FloatArray, int]:
    """Project the two states linked by settlement: (hukou run, non-hukou run, settlers,
    passes)."""
    check_split(inputs, split)
    settled = np.zeros((inputs.steps, *np.shape(inputs.population)))
    passes = 0
    for passes in range(1, MAX_PASSES + 1):  # noqa: B007 - the count is reported
        _, nonhukou_in = state_inputs(inputs, split, settled)
        nonhukou = project(nonhukou_in)
        new = _settlers(split, nonhukou.population[:-1])
        change = float(np.max(np.abs(new - settled))) if new.size else 0.0
        settled = new
        if change <= tol * max(1.0, float(np.max(np.abs(new))) if new.size else 1.0):
            break
    hukou_in, nonhukou_in = state_inputs(inputs, split, settled)
    return project(hukou_in), project(nonhukou_in), settled, passes


def control_split(resident: FloatArray, hukou: FloatArray, nonhukou: FloatArray
                  ) -> tuple[FloatArray, FloatArray]:
    """(hukou, non-hukou) summing to ``resident`` (..., R, 2, A) in every cell: the resident
    value times the linked states' hukou share of the cell, the cell's rest non-hukou. A
    cell the linked states leave empty takes the area's hukou share over sex and age."""
    res = np.asarray(resident, dtype=np.float64)
    h = np.maximum(np.asarray(hukou, dtype=np.float64), 0.0)
    n = np.maximum(np.asarray(nonhukou, dtype=np.float64), 0.0)
    both = h + n
    area_h = h.sum(axis=(-1, -2), keepdims=True)
    area_both = both.sum(axis=(-1, -2), keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        fallback = np.where(area_both > 0, area_h / area_both, 0.0)
        share = np.where(both > 0, h / both, np.broadcast_to(fallback, both.shape))
    out_h = res * np.clip(share, 0.0, 1.0)
    return out_h, res - out_h


def project_split(inputs: ProjectionInputs, split: HukouSplit, resident: FloatArray
                  ) -> SplitProjection:
    """The linked projection of the two states controlled to ``resident`` (Y+1, R, 2, A),
    the resident projection of the same ``inputs`` (or a projection controlled to
    another level, e.g. streets to districts)."""
    hukou, nonhukou, settled, passes = project_linked(inputs, split)
    h, n = control_split(resident, hukou.population, nonhukou.population)
    return SplitProjection(hukou=h, nonhukou=n, settled=settled, hukou_run=hukou,
                           nonhukou_run=nonhukou, passes=passes)


# -- estimation from counts --------------------------------------------------------------------
def _kernel_smooth(values: FloatArray, bandwidth: float) -> FloatArray:
    """Gaussian kernel smoothing along the last (age) axis, weights renormalised at the
    edges."""
    n = values.shape[-1]
    x = np.arange(n, dtype=np.float64)
    w = np.exp(-0.5 * ((x[:, None] - x[None, :]) / bandwidth) ** 2)
    w /= w.sum(axis=0, keepdims=True)
    return np.asarray(values @ w, dtype=np.float64)


def settlement_rates(settled: FloatArray, exposure: FloatArray, *, bandwidth: float = 2.0,
                     prior: float = 10.0) -> tuple[FloatArray, FloatArray]:
    """Settlement probabilities (R, 2, A) from settlers and non-hukou residents exposed
    (R, 2, A, summed over the window's years, by age at the start of each year).

    The jurisdiction's schedule by sex and age is the ratio of kernel-smoothed settlers to
    kernel-smoothed exposure (Gaussian, ``bandwidth`` years); each area scales it by its
    observed over expected settlers with ``prior`` expected settlers at the jurisdiction's
    level (credibility: an area with few settlers keeps the jurisdiction's rate). Also the
    area factors (R,)."""
    s = np.asarray(settled, dtype=np.float64)
    e = np.asarray(exposure, dtype=np.float64)
    num = _kernel_smooth(s.sum(axis=0), bandwidth)
    den = _kernel_smooth(e.sum(axis=0), bandwidth)
    with np.errstate(divide="ignore", invalid="ignore"):
        schedule = np.where(den > 0, num / den, 0.0)  # (2, A)
    schedule = np.clip(schedule, 0.0, 1.0)
    expected = (schedule[None] * e).sum(axis=(1, 2))
    factor = (s.sum(axis=(1, 2)) + prior) / (expected + prior)
    return np.clip(factor[:, None, None] * schedule[None], 0.0, 1.0), factor


def births_share(asfr: FloatArray, women: FloatArray, hukou_women: FloatArray) -> FloatArray:
    """Share of an area's births born to hukou mothers (R,) at equal rates: Σ f·Wₕ ÷ Σ f·W
    over ages 15–49 (``asfr`` (R, 35), women (R, 35))."""
    num = (asfr * hukou_women).sum(axis=-1)
    den = (asfr * women).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.where(den > 0, num / den, 0.0), dtype=np.float64)
