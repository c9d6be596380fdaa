"""Mortality schedules for a target e0 (Brass logit, Lee–Carter) on WPP 2024 rates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from renkou.demography.leecarter import fit_lee_carter
from renkou.demography.lifetable import life_expectancy, life_expectancy_at_birth, life_table
from renkou.demography.mortality_model import brass_mx, mx_for_e0

DATA = Path(__file__).resolve().parents[1] / "data" / "wpp2024"
ABRIDGED = [0, 1, *range(5, 101, 5)]


def _wide(country: int, sex: str) -> pd.DataFrame:
    d = pd.read_parquet(DATA / "lc_mx_abridged_5yr.parquet")
    d = d[(d.country_code == country) & (d.sex == sex)]
    return d.pivot(index="year", columns="age_start", values="value").sort_index()


def _single_year_standard() -> np.ndarray:
    """A smooth single-year schedule 0–100+ (Gompertz–Makeham with an infant term)."""
    x = np.arange(101, dtype=float)
    return 0.004 * np.exp(-1.5 * x) + 0.0002 + 0.00003 * np.exp(0.098 * x)


def test_abridged_e0_agrees_with_life_table_module() -> None:
    std = _wide(156, "female").loc[2018].to_numpy()
    ours = float(life_expectancy_at_birth(std, sex="female", ages=ABRIDGED))
    table = life_table(std, ABRIDGED, sex="female")
    assert ours == pytest.approx(table.e0, abs=1e-10)
    # And close to WPP's own e0 for the period (different ax conventions: within 0.3 year).
    e0 = pd.read_parquet(DATA / "lc_e0_5yr.parquet")
    wpp = e0[(e0.country_code == 156) & (e0.sex == "female") & (e0.year == 2018)
             & (e0.variant == "estimate")].value.iloc[0]
    assert ours == pytest.approx(wpp, abs=0.3)


@pytest.mark.parametrize("method", ["brass", "lee-carter"])
def test_hits_many_targets_within_001_year(method: str) -> None:
    std = _single_year_standard()
    targets = np.linspace(55.0, 92.0, 200)
    bx = np.linspace(2.0, 0.5, 101)
    bx = bx / bx.sum()
    out = mx_for_e0(std, targets, sex="female", method=method,  # type: ignore[arg-type]
                    bx=bx)
    assert out.shape == (200, 101)
    achieved = life_expectancy(out, True)
    assert np.max(np.abs(achieved - targets)) < 0.01
    # Higher targets mean lower mortality at every age (both models move all ages together).
    assert np.all(np.diff(out, axis=0) <= 1e-15)


def test_identity_and_beta() -> None:
    std = _single_year_standard()
    e0 = float(life_expectancy(std, False))
    same = mx_for_e0(std, e0, female=False)
    np.testing.assert_allclose(same, std, rtol=1e-6)
    np.testing.assert_allclose(brass_mx(std, 0.0, 1.0, sex="male"), std, rtol=1e-9)
    # β < 1 flattens the logit: relatively more deaths at young ages for the same e0.
    flat = mx_for_e0(std, e0, female=False, beta=0.8)
    assert float(life_expectancy(flat, False)) == pytest.approx(e0, abs=0.01)
    assert flat[1] > std[1] and flat[85] < std[85]


@pytest.mark.parametrize(("country", "sex"), [(392, "female"), (840, "male"), (156, "female")])
def test_reproduces_wpp_2048_schedule_from_2023(country: int, sex: str) -> None:
    # Given WPP's 2048 e0 (by our table), both models turn WPP's 2023 rates into a 2048
    # schedule whose rates are on average within 25 % (log scale) of WPP's own.
    wide = _wide(country, sex)
    hist = wide.loc[:2023]
    std, future = wide.loc[2023].to_numpy(), wide.loc[2048].to_numpy()
    target = float(life_expectancy_at_birth(future, sex=sex, ages=ABRIDGED))  # type: ignore[arg-type]
    fit = fit_lee_carter(hist.to_numpy(), hist.index.to_numpy(), hist.columns.to_numpy())
    for method in ("brass", "lee-carter"):
        out = mx_for_e0(std, target, sex=sex, ages=ABRIDGED,  # type: ignore[arg-type]
                        method=method, bx=fit)  # type: ignore[arg-type]
        achieved = float(life_expectancy_at_birth(out, sex=sex, ages=ABRIDGED))  # type: ignore[arg-type]
        assert achieved == pytest.approx(target, abs=0.01)
        assert np.mean(np.abs(np.log(out / future))) < 0.25


def test_elementwise_standards_and_targets() -> None:
    # The projection passes one standard per (year, region) and one target each.
    base = _single_year_standard()
    std = base * np.array([1.0, 1.3, 0.8])[:, None, None] * np.ones((3, 4, 1))
    targets = np.linspace(70, 85, 12).reshape(3, 4)
    out = mx_for_e0(std, targets, female=True)
    assert out.shape == (3, 4, 101)
    np.testing.assert_allclose(life_expectancy(out, True), targets, atol=0.01)


def test_unreachable_or_bad_input() -> None:
    std = _single_year_standard()
    with pytest.raises(ValueError):
        mx_for_e0(std, -5.0)
    with pytest.raises(ValueError):
        mx_for_e0(std, 80.0, method="lee-carter")
    with pytest.raises(ValueError):
        mx_for_e0(np.zeros(101), 80.0)
