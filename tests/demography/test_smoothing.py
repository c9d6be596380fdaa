"""Small-area rate models: each recovers known parameters from large simulated counts, and a
thin area is drawn towards the jurisdiction while a large one keeps its own rates."""

from __future__ import annotations

import numpy as np
import pytest

from renkou.demography.lifetable import life_expectancy_at_birth
from renkou.demography.mortality_model import brass_mx
from renkou.demography.smoothing import (
    FertilityFit,
    fit_brass,
    fit_fertility,
    fit_siler,
    migration_profile,
    reconciled_net_migration,
    siler_mx,
    smoothed_srb,
)

RNG = np.random.default_rng(3)
WOMEN = np.full(35, 200_000.0)


def test_fertility_recovers_the_schedule_of_a_large_population() -> None:
    truth = FertilityFit(tfr=1.3, mean_age=30.5, sd=5.0, births=0.0)
    births = RNG.poisson(WOMEN * truth.asfr()).astype(float)
    fit = fit_fertility(births, WOMEN)
    assert fit.tfr == pytest.approx(1.3, rel=0.01)
    assert fit.mean_age == pytest.approx(30.5, abs=0.1)
    assert fit.sd == pytest.approx(5.0, abs=0.1)


def test_thin_area_fertility_leans_on_the_jurisdiction() -> None:
    whole = FertilityFit(tfr=1.0, mean_age=30.0, sd=5.5, births=1e5)
    women = np.full(35, 100.0)
    births = np.zeros(35)
    births[12] = 2.0  # two births to 100 women aged 27: a crude TFR of 0.02
    fit = fit_fertility(births, women, prior=whole)
    crude = float(np.sum(births / women))
    assert abs(fit.tfr - whole.tfr) < abs(crude - whole.tfr)
    big = FertilityFit(tfr=1.8, mean_age=28.0, sd=5.0, births=0.0)
    many = RNG.poisson(WOMEN * big.asfr()).astype(float)
    own = fit_fertility(many, WOMEN, prior=whole)
    assert own.tfr == pytest.approx(1.8, rel=0.02)  # the data outweigh the prior


def test_siler_and_brass_recover_mortality() -> None:
    ages = 101
    standard = siler_mx(np.log([0.004, 1.5, 2e-4, 3e-5, 0.095]), ages)
    exposure = np.full(ages, 50_000.0)
    deaths = RNG.poisson(exposure * standard).astype(float)
    fitted = fit_siler(deaths, exposure)
    assert life_expectancy_at_birth(fitted, sex="male") == pytest.approx(
        life_expectancy_at_birth(standard, sex="male"), abs=0.3)
    area = brass_mx(standard, 0.2, 1.1, sex="male")
    big = RNG.poisson(np.full(ages, 200_000.0) * area).astype(float)
    thin = np.zeros(ages)
    thin[80] = 3.0
    fit = fit_brass(np.stack([big, thin]), np.stack([np.full(ages, 200_000.0),
                                                     np.full(ages, 20.0)]), standard, "male")
    assert fit.alpha[0] == pytest.approx(0.2, abs=0.03)
    assert fit.beta[0] == pytest.approx(1.1, abs=0.03)
    assert abs(fit.alpha[1]) < 1.0 and abs(fit.beta[1] - 1.0) < 0.3  # held near the standard
    assert fit.mx.shape == (2, ages) and np.all(fit.mx > 0)


def test_srb_prior_weight() -> None:
    srb = smoothed_srb(np.array([3.0, 60_000.0]), np.array([0.0, 50_000.0]), 1.06)
    assert srb[0] == pytest.approx((3 + 200 * 1.06 / 2.06) / (200 / 2.06))
    assert srb[1] == pytest.approx(1.2, abs=0.002)


def test_migration_profile_and_reconciliation() -> None:
    ages = np.arange(101)
    peak = np.exp(-((ages - 24) / 6.0) ** 2) * 1000 + np.exp(-ages / 3.0) * 200 + 5
    p = migration_profile(RNG.poisson(peak).astype(float))
    assert p.sum() == pytest.approx(1.0) and 20 <= int(np.argmax(p[5:])) + 5 <= 28
    assert np.all(migration_profile(np.zeros(101)) == 0)
    net = reconciled_net_migration(np.array([[100.0, 80.0]]), np.array([[60.0, 70.0]]), p,
                                   p[::-1] / p.sum(), np.array([[10.0, 30.0]]))
    np.testing.assert_allclose(net.sum(axis=-1), [[10.0, 30.0]])
