"""The engine's fast paths give the numbers of the plain definitions: closed-form survival,
block-wise reduced projection, perturbations applied inside the engine."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from renkou.demography.lifetable import (
    life_expectancy_at,
    single_year_person_years,
    step_life_table,
    survival_from_person_years,
)
from renkou.demography.projection import ProjectionInputs, project, project_reduced
from renkou.demography.stochastic import apply_paths, draw_paths, shocked_inputs
from renkou.demography.summary import summary_indicators

AGES = np.arange(101)
STANDARD = 0.004 * np.exp(-1.5 * AGES) + 0.0002 + 0.00003 * np.exp(0.098 * AGES)


def _rates(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return STANDARD * np.exp(rng.normal(0.0, 0.3, (*shape, 101)))


@pytest.mark.parametrize("extreme", [False, True])
def test_step_life_table_matches_the_life_table_route(extreme: bool) -> None:
    m = _rates(np.random.default_rng(0), (7, 3, 2))
    if extreme:  # q capped at 1 at age 50: the general route
        m[..., 50] = 2.5
    female = np.array([False, True])
    s, e = step_life_table(m, female, "andreev-kingkade", (0, 60, 65))
    assert s is not None
    lx, person_years = single_year_person_years(m, female, "andreev-kingkade")
    np.testing.assert_allclose(s, survival_from_person_years(person_years), rtol=1e-12,
                               atol=1e-15)
    # e(x) is undefined (NaN) where nobody reaches x, as the engine has always reported it.
    expected = np.where(lx[..., [0, 60, 65]] > 0, life_expectancy_at(m, female, (0, 60, 65)),
                        np.nan)
    assert np.isnan(expected).any() == extreme
    np.testing.assert_allclose(e, expected, rtol=1e-12)


def _inputs(trajectories: int | None = None) -> ProjectionInputs:
    rng = np.random.default_rng(1)
    r, y = 3, 6
    pop = rng.uniform(500, 1500, (r, 2, 101))
    internal = np.full((y, r, r, 2, 101), 0.01)
    internal[2:] *= 1.5  # the rates change once: the move matrices are rebuilt then
    inputs = ProjectionInputs(
        base_year=2025, end_year=2025 + y, population=pop,
        asfr=np.full((y, r, 35), 1.3 / 35), mx=_rates(rng, (y, r, 2)),
        srb=np.full((y, r), 1.06), net_migration=rng.normal(0, 5, (y, r, 2, 101)),
        internal_rates=internal)
    if trajectories is None:
        return inputs
    return dataclasses.replace(inputs, asfr=inputs.asfr * rng.uniform(
        0.8, 1.2, (trajectories, y, r, 1)))


def test_project_reduced_equals_reducing_the_full_result() -> None:
    inputs = _inputs(trajectories=45)
    full = summary_indicators(project(inputs))
    # Small blocks: 45 trajectories in blocks of 2, the last one short.
    reduced = project_reduced(inputs, summary_indicators, block_cells=2 * 3 * 2 * 101)
    assert set(reduced) == set(full)
    for name, values in full.items():
        np.testing.assert_allclose(reduced[name], values, rtol=1e-12, atol=1e-9,
                                   err_msg=name)


def test_perturbations_inside_the_engine_equal_perturbed_inputs() -> None:
    inputs = _inputs()
    paths = draw_paths(inputs, 12, seed=4)
    materialised = project(apply_paths(inputs, paths))
    inside = project(shocked_inputs(inputs, paths))
    np.testing.assert_allclose(inside.population, materialised.population, rtol=1e-12)
    np.testing.assert_allclose(inside.deaths, materialised.deaths, rtol=1e-10, atol=1e-9)
    for ours, theirs in ((inside.life_expectancy, materialised.life_expectancy),
                         (inside.e0_both_sexes, materialised.e0_both_sexes)):
        assert ours is not None and theirs is not None
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    np.testing.assert_allclose(shocked_inputs(inputs, paths).effective_mx(),
                               apply_paths(inputs, paths).mx, rtol=1e-12)


def test_move_matrices_follow_the_yearly_rates() -> None:
    # Rates equal in years 0–1 and 2–5 (matrices reused within each run), changing at 2: a
    # restart from year 2 builds them afresh and must give the same populations.
    inputs = _inputs()
    whole = project(inputs)
    restart = project(ProjectionInputs(
        base_year=2027, end_year=inputs.end_year, population=whole.population[2],
        asfr=inputs.asfr[2:], mx=inputs.mx[2:], srb=inputs.srb[2:],
        net_migration=None if inputs.net_migration is None else inputs.net_migration[2:],
        internal_rates=None if inputs.internal_rates is None else inputs.internal_rates[2:]))
    np.testing.assert_allclose(restart.population, whole.population[2:], rtol=1e-12)
    assert inputs.internal_rates is not None
    closed = project(dataclasses.replace(inputs, internal_rates=inputs.internal_rates * 0))
    assert not np.allclose(closed.population, whole.population)
