"""Assumption paths: interpolation, fertility patterns, e0 and migration paths, inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from renkou.demography.assumptions import (
    asfr_from_tfr,
    build_inputs,
    fertility_pattern_from_groups,
    gamma_fertility_pattern,
    interpolate_path,
    migration_from_totals,
    mx_from_e0_path,
)
from renkou.demography.lifetable import life_expectancy
from renkou.demography.projection import project

DATA = Path(__file__).resolve().parents[1] / "data" / "wpp2024"
MID_AGES = np.arange(15, 50) + 0.5


def _pasfr(country: int, year: int) -> np.ndarray:
    p = pd.read_parquet(DATA / "as_pasfr_5x5.parquet")
    p = p[(p.country_code == country) & (p.year == year)].sort_values("age_start")
    return p.value.to_numpy(float)


def _standard_mx() -> np.ndarray:
    x = np.arange(101, dtype=float)
    return 0.004 * np.exp(-1.5 * x) + 0.0002 + 0.00003 * np.exp(0.098 * x)


def test_linear_path_through_plan_targets() -> None:
    # "到2025年 … 1.1，2035年 … 1.4": exact at the targets, straight between, flat outside.
    path = interpolate_path({2025: 1.1, 2035: 1.4}, range(2023, 2041))
    assert path[0] == pytest.approx(1.1) and path[2] == pytest.approx(1.1)
    assert path[7] == pytest.approx(1.25)  # 2030, half-way
    assert path[12] == pytest.approx(1.4) and path[-1] == pytest.approx(1.4)
    np.testing.assert_allclose(np.diff(path[2:13]), 0.03, atol=1e-12)


def test_logistic_path_is_s_shaped_and_exact_at_targets() -> None:
    years = range(2025, 2036)
    path = interpolate_path({2025: 1.1, 2035: 1.4}, years, method="logistic")
    assert path[0] == pytest.approx(1.1) and path[-1] == pytest.approx(1.4)
    assert path[5] == pytest.approx(1.25)  # symmetric around the midpoint
    steps = np.diff(path)
    assert np.all(steps > 0)
    assert steps[4] > steps[0] and steps[4] > steps[-1]


def test_path_per_region() -> None:
    path = interpolate_path({2025: np.array([80.0, 82.0]), 2030: np.array([81.0, 84.0])},
                            [2024, 2027, 2035])
    np.testing.assert_allclose(path, [[80.0, 82.0], [80.4, 82.8], [81.0, 84.0]])


@pytest.mark.parametrize("country", [156, 392, 840])
def test_pattern_from_wpp_pasfr_keeps_group_shares(country: int) -> None:
    shares = _pasfr(country, 2028)
    pattern = fertility_pattern_from_groups(shares)
    assert pattern.shape == (35,)
    assert np.all(pattern >= 0)
    np.testing.assert_allclose(pattern.reshape(7, 5).sum(axis=1) * 100, shares, atol=1e-9)
    # The mean age at childbearing from single years matches the 5-year mid-point
    # estimate to within 0.15 year.
    mac_groups = float((shares / 100) @ (np.arange(15, 50, 5) + 2.5))
    assert float(pattern @ MID_AGES) == pytest.approx(mac_groups, abs=0.15)
    # Tails fall: nothing rises after the 45–49 group starts.
    assert np.all(np.diff(pattern[-5:]) <= 1e-12)


def test_gamma_pattern_mean_and_asfr() -> None:
    pattern = gamma_fertility_pattern(np.array([28.0, 31.0]), 5.0)
    means = pattern @ MID_AGES
    np.testing.assert_allclose(means, [28.0, 31.0], atol=0.15)
    asfr = asfr_from_tfr(np.array([1.1, 1.5]), pattern)
    np.testing.assert_allclose(asfr.sum(axis=-1), [1.1, 1.5])
    with pytest.raises(ValueError):
        asfr_from_tfr(-1.0, pattern[0])


def test_mx_from_e0_path() -> None:
    e0 = interpolate_path({2025: 80.0, 2035: 82.5}, range(2025, 2036))
    mx = mx_from_e0_path(_standard_mx(), e0, female=True)
    assert mx.shape == (11, 101)
    np.testing.assert_allclose(life_expectancy(mx, True), e0, atol=0.01)


def test_migration_from_totals() -> None:
    totals = np.array([[5000.0, -1000.0]] * 3)
    mig = migration_from_totals(totals, male_share=0.52)
    assert mig.shape == (3, 2, 2, 101)
    np.testing.assert_allclose(mig.sum(axis=(-2, -1)), totals)
    assert int(np.argmax(mig[0, 0, 0])) in range(20, 27)


def test_build_inputs_runs_a_projection() -> None:
    r, a = 2, 101
    pop = np.full((r, 2, a), 1000.0)
    years = range(2025, 2035)
    inputs = build_inputs(
        base_year=2025, end_year=2035, population=pop,
        tfr=interpolate_path({2025: 1.0, 2035: 1.3}, years),
        fertility_pattern=fertility_pattern_from_groups(_pasfr(156, 2028)),
        e0_male=interpolate_path({2025: 76.0, 2035: 78.0}, years),
        e0_female=interpolate_path({2025: 81.0, 2035: 83.0}, years),
        standard_mx=np.stack([_standard_mx() * 1.3, _standard_mx()]),
        srb=1.08, net_migration_totals=np.array([[2000.0, -500.0]] * 10))
    assert inputs.asfr.shape == (10, r, 35)
    np.testing.assert_allclose(inputs.asfr.sum(axis=-1)[:, 0],
                               interpolate_path({2025: 1.0, 2035: 1.3}, years))
    np.testing.assert_allclose(life_expectancy(inputs.mx[:, :, 1, :], True)[:, 1],
                               interpolate_path({2025: 81.0, 2035: 83.0}, years), atol=0.01)
    result = project(inputs)
    assert result.population.shape == (11, r, 2, a)
    assert np.all(result.population >= 0)
