"""Stochastic projection: calibration to WPP 2024's intervals, reproducibility, summaries."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from renkou.demography.lifetable import life_expectancy
from renkou.demography.projection import ProjectionInputs, project
from renkou.demography.stochastic import (
    StochasticSettings,
    apply_paths,
    ar1_sd,
    calibrate_ar1,
    draw_paths,
    exceedance_probability,
    quantiles,
    sd_from_bounds,
    simulate,
    simulate_indicators,
)
from renkou.demography.summary import summary_indicators

DATA = Path(__file__).resolve().parents[1] / "data" / "wpp2024"
BASE, END = 2025, 2050
Z80 = 1.2815515655446004


@cache
def _read(name: str) -> pd.DataFrame:
    return pd.read_parquet(DATA / f"{name}.parquet")


def _bounds(name: str, code: int, sex: str | None = None) -> pd.DataFrame:
    d = _read(name)
    d = d[d.country_code == code]
    if sex is not None:
        d = d[d.sex == sex]
    return d.pivot(index="year", columns="variant", values="value")


def _sex_age(name: str, code: int, years: list[int]) -> np.ndarray:
    d = _read(name)
    d = d[d.country_code == code]
    return np.stack([d[d.sex == s].pivot(index="year", columns="age", values="value")
                     .loc[years].to_numpy() for s in ("male", "female")], axis=1)


@cache
def china_inputs() -> ProjectionInputs:
    """WPP 2024 medium for China from 1 July 2025, rates aligned to mid-year steps."""
    years = list(range(BASE, END + 1))
    pop = _sex_age("derived/pop_age1_2025jul_DERIVED", 156, [BASE])[0]
    mx = _sex_age("derived/mx_age1_annual_DERIVED", 156, years)
    mig = _sex_age("netmig_age1", 156, years)
    a = _read("derived/asfr_age1_annual_DERIVED")
    asfr = a[a.country_code == 156].pivot(index="year", columns="age", values="value").loc[
        years].to_numpy()
    s = _read("srb_annual")
    srb = s[s.country_code == 156].set_index("year").value.loc[years].to_numpy()

    def mid(x: np.ndarray) -> np.ndarray:
        return 0.5 * (x[:-1] + x[1:])

    return ProjectionInputs(
        base_year=BASE, end_year=END, population=pop[None], asfr=mid(asfr)[:, None],
        mx=np.exp(mid(np.log(mx)))[:, None], srb=mid(srb)[:, None],
        net_migration=mid(mig)[:, None])


@pytest.mark.parametrize("code", [156, 392, 840, 410])
def test_ar1_reproduces_wpp_tfr_spread(code: int) -> None:
    w = _bounds("st_tfr_annual", code).loc[2024:2100]
    sd = sd_from_bounds(w["80l"], w["80u"], w["95l"], w["95u"])
    h = w.index.to_numpy(float) - 2023
    phi, sigma, sigma0 = calibrate_ar1(h, sd)
    rel = ar1_sd(h, phi, sigma, sigma0) / sd - 1
    assert np.abs(rel).max() < 0.06
    if code == 156:
        # The module's defaults are this calibration (rounded).
        st = StochasticSettings()
        assert (phi, sigma, sigma0) == pytest.approx(
            (st.tfr_phi, st.tfr_sigma, st.tfr_sigma0), abs=0.005)


@pytest.mark.parametrize("sex", ["male", "female"])
def test_random_walk_reproduces_wpp_e0_spread_for_china(sex: str) -> None:
    w = _bounds("as_e0_annual", 156, sex).loc[2024:2100]
    sd = sd_from_bounds(w["80l"], w["80u"], w["95l"], w["95u"])
    h = w.index.to_numpy(float) - 2023
    _, sigma, sigma0 = calibrate_ar1(h, sd, phis=np.array([1.0]))
    st = StochasticSettings()
    i = 0 if sex == "male" else 1
    assert (sigma, sigma0) == pytest.approx((st.e0_sigma[i], st.e0_sigma0[i]), abs=0.01)
    rel = np.abs(ar1_sd(h, 1.0, sigma, sigma0) / sd - 1)
    # A random walk fits WPP's e0 spread closely except in the first year for men (≈ 20 %).
    assert rel.max() < 0.25
    assert rel.mean() < 0.08


@pytest.mark.slow
def test_china_intervals_resemble_wpp() -> None:
    inputs = china_inputs()
    ind = simulate_indicators(inputs, 600, seed=2024)
    det = summary_indicators(project(inputs))
    years = np.arange(BASE, END + 1)

    def width80(values: np.ndarray) -> float:
        q = quantiles(values, (0.1, 0.9))
        return float(q[1] - q[0])

    tfr = _bounds("st_tfr_annual", 156)
    for year in (2030, 2045):
        i = int(np.nonzero(years == year)[0][0])
        # Mid-year step t covers calendar years t and t+1: compare with their mean width.
        wpp = float(((tfr["80u"] - tfr["80l"]).loc[[year, year + 1]]).mean())
        assert width80(ind["tfr"][:, i, 0]) == pytest.approx(wpp, rel=0.15)
        e0f = _bounds("as_e0_annual", 156, "female")
        wpp_e0 = float(((e0f["80u"] - e0f["80l"]).loc[[year, year + 1]]).mean())
        assert width80(ind["e0_female"][:, i, 0]) == pytest.approx(wpp_e0, rel=0.15)
    # Total population on 1 July 2050: WPP's 80 % interval is about 0.13 billion wide. Our
    # spread comes only from fertility, mortality and migration noise around the medium, so
    # we ask for the same width within 25 % and a median on the deterministic path.
    pop = _bounds("st_pop_total_projections", 156)
    wpp_width = float(((pop["80u"] - pop["80l"]).loc[[2049, 2050]]).mean())
    total = ind["total"][:, -1, 0]
    assert width80(total) == pytest.approx(wpp_width, rel=0.25)
    assert float(np.median(total)) == pytest.approx(float(det["total"][-1, 0]), rel=0.005)


def test_same_seed_same_paths_and_chunking_is_invisible() -> None:
    inputs = china_inputs()
    short = ProjectionInputs(base_year=BASE, end_year=BASE + 8, population=inputs.population,
                             asfr=inputs.asfr[:8], mx=inputs.mx[:8], srb=inputs.srb[:8],
                             net_migration=inputs.net_migration[:8]
                             if inputs.net_migration is not None else None)
    a = simulate(short, 30, seed=7)
    b = simulate(short, 30, seed=7)
    c = simulate(short, 30, seed=8)
    np.testing.assert_array_equal(a.population, b.population)
    assert not np.allclose(a.population, c.population)
    assert a.population.shape == (30, 9, 1, 2, 101)
    whole = summary_indicators(a)
    for workers in (1, 2):
        chunked = simulate_indicators(short, 30, seed=7, chunk=7, workers=workers)
        np.testing.assert_allclose(chunked["total"], whole["total"], rtol=1e-12)
        np.testing.assert_allclose(chunked["tfr"], whole["tfr"], rtol=1e-12)
        np.testing.assert_allclose(chunked["e0_female"], whole["e0_female"], rtol=1e-12)


def test_perturbed_mortality_moves_e0_by_the_drawn_deviation() -> None:
    inputs = china_inputs()
    paths = draw_paths(inputs, 200, seed=3)
    perturbed = apply_paths(inputs, paths)
    female = np.array([False, True])
    e0_det = life_expectancy(inputs.mx, female)  # (Y, R, 2)
    e0_new = life_expectancy(perturbed.mx, female)  # (N, Y, R, 2)
    # k comes from inverting e0(k) on a grid: the drawn deviations are met to 0.02 year
    # even when they are several years.
    err = np.abs(e0_new - e0_det - paths.e0_deviation)
    assert np.max(np.abs(paths.e0_deviation)) > 3.0
    assert err.max() < 0.02
    # TFR of the trajectories is what was drawn; the age pattern is kept.
    np.testing.assert_allclose(perturbed.asfr.sum(axis=-1), paths.tfr, rtol=1e-12)
    shares = perturbed.asfr / perturbed.asfr.sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(shares, np.broadcast_to(
        inputs.asfr / inputs.asfr.sum(axis=-1, keepdims=True), shares.shape), atol=1e-12)


def test_multi_region_with_internal_migration_and_correlation() -> None:
    rng = np.random.default_rng(0)
    r, y, a = 4, 10, 101
    pop = rng.uniform(500, 1500, size=(r, 2, a))
    x = np.arange(a, dtype=float)
    mx = np.broadcast_to(0.003 * np.exp(-1.5 * x) + 0.0002 + 0.00003 * np.exp(0.098 * x),
                         (y, r, 2, a)).copy()
    asfr = np.broadcast_to(np.full(35, 1.2 / 35), (y, r, 35)).copy()
    internal = np.full((y, r, r, 2, a), 0.01)
    mig = np.full((y, r, 2, a), 2.0)
    inputs = ProjectionInputs(base_year=2025, end_year=2025 + y, population=pop, asfr=asfr,
                              mx=mx, srb=np.full((y, r), 1.06), net_migration=mig,
                              internal_rates=internal)
    result = simulate(inputs, 50, seed=1)
    assert result.population.shape == (50, y + 1, r, 2, a)
    assert np.all(np.isfinite(result.population))
    paths = draw_paths(inputs, 400, seed=1)
    dev = paths.tfr - 1.2
    # Default: fertility moves together across districts, migration only partly.
    np.testing.assert_allclose(dev[..., 0], dev[..., 3], atol=1e-12)
    m = paths.migration_factor[:, 0, :]
    corr = np.corrcoef(m[:, 0], m[:, 1])[0, 1]
    assert 0.35 < corr < 0.65
    independent = draw_paths(inputs, 400, seed=1, settings=StochasticSettings(
        tfr_region_correlation=0.0))
    d0 = independent.tfr[:, 0, :] - 1.2
    assert abs(np.corrcoef(d0[:, 0], d0[:, 1])[0, 1]) < 0.2


def test_quantiles_and_exceedance() -> None:
    values = np.arange(100.0)[:, None] * np.array([1.0, 2.0])  # (N=100, 2)
    q = quantiles(values, (0.1, 0.5))
    np.testing.assert_allclose(q[:, 0], [9.9, 49.5])
    np.testing.assert_allclose(exceedance_probability(values, 90.0), [0.10, 0.55])
    np.testing.assert_allclose(exceedance_probability(values, 90.0, ">"), [0.09, 0.54])
    np.testing.assert_allclose(exceedance_probability(values, 10.0, "<"), [0.10, 0.05])
    with_nan = np.array([1.0, 2.0, np.nan, 4.0])
    assert exceedance_probability(with_nan, 2.0) == pytest.approx(2 / 3)
    assert np.isnan(exceedance_probability(np.full(3, np.nan), 1.0))
    with pytest.raises(ValueError):
        exceedance_probability(values, 1.0, "=")  # type: ignore[arg-type]


def test_flat_e0_grid_segment_gives_finite_k() -> None:
    """Where e0 does not change along a grid segment (no deaths in a small area), the
    inversion returns the segment's lower k instead of NaN."""
    from renkou.demography.stochastic import E0Grid, k_for_e0_deviation

    k = np.array([[-1.0, -1.0], [0.0, 0.0], [1.0, 1.0]])  # (G=3, sex=2)
    e0 = np.array([[80.0, 85.0], [80.0, 85.0], [79.0, 84.0]])  # first segment flat
    grid = E0Grid(k=k, e0=e0, base=np.array([80.0, 85.0]))
    with np.errstate(all="raise"):
        got = k_for_e0_deviation(grid, np.array([[0.0, 0.0], [-0.5, -0.5]]))
    assert np.isfinite(got).all()
    assert got[1] == pytest.approx([0.5, 0.5])  # the sloped segment still interpolates
