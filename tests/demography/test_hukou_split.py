"""Hukou and non-hukou residents as two linked states (``renkou.demography.hukou_split``):
settlement moves people between the states at the given rate, births follow the mother,
and the controlled split sums to the resident projection in every cell."""

from __future__ import annotations

import dataclasses

import numpy as np

from renkou.demography.hukou_split import (
    HukouSplit,
    control_split,
    project_linked,
    project_split,
    settlement_rates,
)
from renkou.demography.projection import ProjectionInputs, project


def _inputs(steps: int = 10, regions: int = 2) -> ProjectionInputs:
    ages = 101
    a = np.arange(ages)
    pop = np.broadcast_to(1000.0 * np.exp(-a / 60.0), (regions, 2, ages)).copy()
    pop[regions - 1] *= 0.5 if regions > 1 else 1.0
    asfr = np.zeros((steps, regions, 35))
    asfr[..., 10:20] = 0.14  # TFR 1.4 at 25–34
    mx = np.broadcast_to(np.exp(-9.5 + 0.09 * a), (steps, regions, 2, ages)).copy()
    mig = np.zeros((steps, regions, 2, ages))
    mig[..., 20:30] = 15.0
    return ProjectionInputs(base_year=2024, end_year=2024 + steps, population=pop, asfr=asfr,
                            mx=mx, srb=np.full((steps, regions), 1.06), net_migration=mig,
                            region_codes=("A", "B")[:regions])


def test_states_sum_to_the_residents_and_settlers_follow_the_rate() -> None:
    inputs = _inputs()
    rate = np.zeros((inputs.steps, 2, 2, 101))
    rate[..., 18:45] = 0.03
    own = np.zeros_like(inputs.net_migration)
    own[..., 20:30] = 2.0
    split = HukouSplit(hukou_population=0.7 * inputs.population, settlement_rate=rate,
                       hukou_migration=own)
    resident = project(inputs)
    sp = project_split(inputs, split, resident.population)
    np.testing.assert_allclose(sp.hukou + sp.nonhukou, resident.population, rtol=1e-13,
                               atol=1e-9)
    assert np.all(sp.hukou >= 0) and np.all(sp.nonhukou >= 0)
    # The fixed point: each step's settlers are the rate times the non-hukou residents at
    # the start of the step of the linked run.
    np.testing.assert_allclose(sp.settled, rate * sp.nonhukou_run.population[:-1],
                               rtol=1e-8, atol=1e-8)
    assert sp.settled.sum() > 0
    # Without differential rates the linked states already sum to the residents.
    np.testing.assert_allclose(sp.hukou_run.population + sp.nonhukou_run.population,
                               resident.population, rtol=1e-8)
    # Settlement raises the hukou share over time against a run without it.
    none = project_split(inputs, dataclasses.replace(split, settlement_rate=None),
                         resident.population)
    assert sp.hukou[-1].sum() > none.hukou[-1].sum()
    # The hukou state's balancing equation: its change = births − deaths + own migration
    # + settlers.
    h = sp.hukou_run
    change = h.population[1:].sum(axis=(-1, -2, -3)) - h.population[:-1].sum(axis=(-1, -2, -3))
    flows = (h.births.sum(axis=(-1, -2)) - h.deaths.sum(axis=(-1, -2, -3))
             + own.sum(axis=(-1, -2, -3)) + sp.settled.sum(axis=(-1, -2, -3)))
    np.testing.assert_allclose(change, flows, rtol=1e-9)


def test_children_take_the_mothers_state() -> None:
    inputs = _inputs(steps=1, regions=1)
    none = HukouSplit(hukou_population=np.zeros_like(inputs.population))
    hukou, nonhukou, settled, _ = project_linked(
        dataclasses.replace(inputs, net_migration=None), none)
    assert hukou.births.sum() == 0 and nonhukou.births.sum() > 0
    assert settled.sum() == 0


def test_settlers_as_counts_are_capped_by_the_cohort() -> None:
    inputs = _inputs(steps=3, regions=1)
    count = np.zeros((3, 1, 2, 101))
    count[:, 0, 1, 30] = 1e6  # more than anybody there
    split = HukouSplit(hukou_population=0.5 * inputs.population, settlement_count=count)
    _, nonhukou, settled, _ = project_linked(inputs, split)
    assert np.all(nonhukou.population >= -1e-9)
    np.testing.assert_allclose(settled[:, 0, 1, 30], nonhukou.population[:-1, 0, 1, 30])


def test_control_keeps_cell_shares_and_fills_empty_cells_with_the_area_share() -> None:
    resident = np.array([[[[10.0, 4.0], [6.0, 0.0]]]])  # (1 year, 1 region, 2, 2)
    hukou = np.array([[[[3.0, 0.0], [3.0, 0.0]]]])
    nonhukou = np.array([[[[1.0, 0.0], [3.0, 0.0]]]])
    h, n = control_split(resident, hukou, nonhukou)
    np.testing.assert_allclose(h[0, 0], [[7.5, 4.0 * 0.6], [3.0, 0.0]])
    np.testing.assert_allclose(h + n, resident)


def test_settlement_rates_shrink_small_areas_to_the_jurisdiction() -> None:
    exposure = np.zeros((2, 2, 101))
    exposure[:, :, 20:40] = 1000.0
    exposure[1] *= 0.001  # a tiny area
    settled = 0.02 * exposure
    settled[1] = 0.0  # nobody settled in the tiny area: barely any evidence
    rate, factor = settlement_rates(settled, exposure)
    assert rate[0, 0, 30] == np.float64(rate[0, 1, 30])
    assert 0.015 < rate[0, 0, 30] < 0.025
    assert factor[1] > 0.9  # kept near the jurisdiction's level
