"""Rates and measures: hand-worked examples and WPP's published TFR."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from renkou.demography import rates
from renkou.demography.lifetable import life_table

DATA = Path(__file__).resolve().parents[1] / "data" / "wpp2024"


def test_tfr_of_wpp_rates_equals_published_tfr() -> None:
    asfr = pd.read_parquet(DATA / "derived" / "asfr_age1_annual_DERIVED.parquet")
    tfr = pd.read_parquet(DATA / "tfr_annual.parquet")
    for code in (156, 840):
        f = asfr[asfr.country_code == code].pivot(index="year", columns="age", values="value")
        rows = tfr[(tfr.country_code == code) & tfr.variant.isin(["medium", "estimate"])]
        published = rows.set_index("year").value.loc[f.index]
        np.testing.assert_allclose(rates.total_fertility_rate(f.to_numpy()),
                                   published.to_numpy(), atol=1e-3)


def test_asfr_and_five_year_tfr() -> None:
    f = rates.age_specific_fertility_rates(np.array([10.0, 0.0, 5.0]),
                                           np.array([100.0, 0.0, 50.0]))
    assert f[0] == pytest.approx(0.1) and np.isnan(f[1]) and f[2] == pytest.approx(0.1)
    assert rates.total_fertility_rate(np.full(7, 0.04), width=5) == pytest.approx(1.4)


def test_reproduction_rates_and_mean_age() -> None:
    f = np.zeros(35)
    f[15] = 1.0  # all births at age 30
    assert rates.gross_reproduction_rate(f, 1.05) == pytest.approx(1 / 2.05)
    # Without mortality NRR equals GRR; with it, it is GRR · L(30).
    assert rates.net_reproduction_rate(f, 1.05, np.ones(35)) == pytest.approx(1 / 2.05)
    t = life_table(np.full(101, 0.01), sex="female")
    nrr = rates.net_reproduction_rate(f, 1.05, t.Lx[15:50])
    assert nrr == pytest.approx(t.Lx[30] / 2.05)
    assert rates.mean_age_at_childbearing(f) == pytest.approx(30.5)


def test_crude_rates_on_average_population() -> None:
    # 1,000,000 → 1,010,000 with 9,000 births and 7,000 deaths: per 1000 of 1,005,000.
    assert rates.crude_birth_rate(9000, 1e6, 1.01e6) == pytest.approx(8.955, abs=1e-3)
    assert rates.crude_death_rate(7000, 1e6, 1.01e6) == pytest.approx(6.965, abs=1e-3)
    assert rates.natural_growth_rate(9000, 7000, 1e6, 1.01e6) == pytest.approx(1.990, abs=1e-3)


def test_srb_imr_mmr_asdr() -> None:
    assert rates.sex_ratio_at_birth(5300, 5000) == pytest.approx(106.0)
    assert rates.infant_mortality_rate(54, 10000) == pytest.approx(5.4)
    assert rates.maternal_mortality_ratio(2, 12500) == pytest.approx(16.0)
    assert rates.age_specific_death_rates(np.array([3.0]), np.array([1500.0]))[0] == 0.002
    assert np.isnan(rates.infant_mortality_rate(1, 0))


def test_dependency_ratios_and_shares() -> None:
    pop = np.zeros(101)
    pop[:15] = 10.0  # 150 children
    pop[15:60] = 10.0  # 450 aged 15–59
    pop[60:65] = 20.0  # 100 aged 60–64
    pop[65:80] = 10.0  # 150 aged 65–79
    pop[80:] = 50.0 / 21  # 50 aged 80+
    dep = rates.dependency_ratios(pop)
    assert dep.young == pytest.approx(100 * 150 / 550)
    assert dep.old == pytest.approx(100 * 200 / 550)
    assert dep.total == pytest.approx(100 * 350 / 550)
    dep59 = rates.dependency_ratios(pop, "15-59")
    assert dep59.old == pytest.approx(100 * 300 / 450)
    sh = rates.age_shares(pop)
    assert sh["share_0_14"] == pytest.approx(100 * 150 / 900)
    assert sh["share_60_plus"] == pytest.approx(100 * 300 / 900)
    assert sh["share_65_plus"] == pytest.approx(100 * 200 / 900)
    assert sh["share_80_plus"] == pytest.approx(100 * 50 / 900)
    assert sh["share_0_14"] + sh["share_15_64"] + sh["share_65_plus"] == pytest.approx(100)


def test_median_age() -> None:
    pop = np.zeros(101)
    pop[20] = pop[40] = 50.0
    assert rates.median_age(pop) == pytest.approx(21.0)  # the 50th person ends age 20
    flat = np.ones(101)
    assert rates.median_age(flat) == pytest.approx(50.5)
    both = rates.median_age(np.stack([flat, np.zeros(101)]))
    assert both[0] == pytest.approx(50.5) and np.isnan(both[1])


def test_mean_years_of_schooling() -> None:
    counts = {"未上过学": 5.0, "小学": 25.0, "初中": 35.0, "高中": 15.0, "大学专科": 10.0,
              "大学本科": 8.0, "研究生": 2.0}
    expected = (0 * 5 + 6 * 25 + 9 * 35 + 12 * 15 + 15 * 10 + 16 * 8 + 19 * 2) / 100
    assert rates.mean_years_of_schooling(counts) == pytest.approx(expected)
    assert rates.schooling_years("本科") == 16.0
    with pytest.raises(KeyError):
        rates.schooling_years("幼儿园")
