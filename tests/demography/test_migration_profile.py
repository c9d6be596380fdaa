"""Rogers–Castro schedules, standard sets, net-migration splits and fitting."""

from __future__ import annotations

import numpy as np
import pytest

from renkou.demography.migration_profile import (
    RogersCastro,
    age_profile,
    distribute_net_migration,
    fit_rogers_castro,
    standard_schedule,
)


def test_fundamental_schedule_shape() -> None:
    fund = standard_schedule("fundamental")
    # The published fundamental parameters: a1=0.02, α1=0.1, a2=0.06, α2=0.1, μ2=20, λ2=0.4,
    # c=0.003 (Rogers and Castro 1981).
    assert (fund.a2, fund.mu2, fund.lambda2) == (0.06, 20.0, 0.4)
    profile = age_profile(fund)
    assert profile.shape == (101,)
    assert profile.sum() == pytest.approx(1.0)
    # Labour-force peak at μ2 + ln(λ2/α2)/λ2 = 20 + ln 4 / 0.4 = 23.47 (RC 1981 eq. 5).
    assert fund.peak_age() == pytest.approx(20 + np.log(4) / 0.4)
    assert int(np.argmax(profile)) == 23
    # Children move with their parents: age 0 above the teenage trough.
    trough = int(np.argmin(profile[:20]))
    assert 10 <= trough <= 18 and profile[0] > profile[trough]


def test_us_schedule_has_retirement_component() -> None:
    us = standard_schedule("us-1970")
    profile = age_profile(us)
    without = age_profile(RogersCastro(a1=us.a1, alpha1=us.alpha1, a2=us.a2, alpha2=us.alpha2,
                                       mu2=us.mu2, lambda2=us.lambda2, c=us.c))
    assert profile[75] > without[75]
    with pytest.raises(ValueError):
        standard_schedule("nonexistent")


def test_population_weighting() -> None:
    pop = np.linspace(2.0, 0.1, 101)
    weighted = age_profile("fundamental", population=pop)
    plain = age_profile("fundamental")
    expected = plain * pop / (plain * pop).sum()
    np.testing.assert_allclose(weighted, expected, rtol=1e-12)


def test_distribute_keeps_totals_and_signs() -> None:
    totals = np.array([[12000.0, -3000.0], [8000.0, 500.0]])  # (years, regions)
    profile = age_profile("fundamental")
    out = distribute_net_migration(totals, profile, male_share=0.55)
    assert out.shape == (2, 2, 2, 101)
    np.testing.assert_allclose(out.sum(axis=(-2, -1)), totals, rtol=1e-12)
    np.testing.assert_allclose(out[..., 0, :].sum(-1), 0.55 * totals, rtol=1e-12)
    assert np.all(out[0, 1] <= 0)
    per_sex = np.stack([profile, age_profile("us-1970")])
    out2 = distribute_net_migration(100.0, per_sex)
    np.testing.assert_allclose(out2[1], 50.0 * per_sex[1], rtol=1e-12)
    with pytest.raises(ValueError):
        distribute_net_migration(1.0, profile, male_share=1.5)


def test_fit_recovers_shape_parameters() -> None:
    x = np.arange(80) + 0.5
    true = RogersCastro(a1=0.03, alpha1=0.12, a2=0.09, alpha2=0.13, mu2=22.0, lambda2=0.35,
                        c=0.002)
    shares = true.rates(x) / true.rates(x).sum()
    fit = fit_rogers_castro(x, shares)
    assert fit.alpha1 == pytest.approx(0.12, rel=1e-4)
    assert fit.mu2 == pytest.approx(22.0, rel=1e-4)
    assert fit.lambda2 == pytest.approx(0.35, rel=1e-4)
    assert fit.a1 / fit.a2 == pytest.approx(0.03 / 0.09, rel=1e-4)
    assert fit.rates(x).sum() == pytest.approx(1.0)
    noisy = shares * (1 + 0.03 * np.random.default_rng(5).standard_normal(x.size))
    rough = fit_rogers_castro(x, noisy)
    assert rough.peak_age() == pytest.approx(true.peak_age(), abs=0.5)
