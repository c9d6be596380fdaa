"""Cohort-component engine: analytic cases (stationary population), multi-region and
trajectory consistency, migration timing, variants and summary indicators."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from renkou.demography.lifetable import life_table
from renkou.demography.projection import (
    ProjectionInputs,
    period_to_cohort_counts,
    project,
)
from renkou.demography.summary import SUMMARY_INDICATORS, summary_indicators
from renkou.demography.variants import (
    apply_variant,
    fertility_offset,
    with_e0_path,
    with_migration_path,
    with_tfr_path,
)

A = 101
AGES = np.arange(A)


def _mx(scale: float = 1.0) -> np.ndarray:
    m = 0.0002 + 0.00003 * np.exp(0.095 * AGES)
    m[0] = 0.004
    out = np.stack([m * 1.3, m * 0.8]) * scale
    return np.asarray(np.minimum(out, 0.9))


def _asfr(tfr: float = 1.4) -> np.ndarray:
    x = np.arange(15, 50)
    f = np.exp(-0.5 * ((x - 29) / 5.5) ** 2)
    return tfr * f / f.sum()


def _inputs(r: int = 2, y: int = 20, **kw: object) -> ProjectionInputs:
    pop = np.broadcast_to(1000.0 * np.exp(-0.008 * AGES), (r, 2, A)).copy()
    pop[1:] *= 1.7
    base = dict(base_year=2020, end_year=2020 + y, population=pop,
                asfr=np.broadcast_to(_asfr(), (y, r, 35)).copy(),
                mx=np.broadcast_to(_mx(), (y, r, 2, A)).copy(),
                srb=np.full((y, r), 1.06))
    base.update(kw)
    return ProjectionInputs(**base)  # type: ignore[arg-type]


def test_stationary_population_stays_stationary() -> None:
    """P(x) = B·L(x) with births B every year is reproduced exactly: survival from
    person-years, newborns by L0, the open group by T(ω)/T(ω−1)."""
    mx = _mx()
    lm = life_table(mx[0], sex="male")
    lf = life_table(mx[1], sex="female")
    srb = 1.05
    pop = np.stack([srb * lm.Lx, lf.Lx])[None] * 1000  # 1000 girls, 1050 boys a year
    f = _asfr()
    f = f * (1000 * (1 + srb)) / (f * pop[0, 1, 15:50]).sum()  # births = 2050 a year
    y = 30
    res = project(ProjectionInputs(2000, 2000 + y, pop, np.broadcast_to(f, (y, 1, 35)),
                                   np.broadcast_to(mx, (y, 1, 2, A)), np.full((y, 1), srb)))
    np.testing.assert_allclose(res.population, np.broadcast_to(pop, res.population.shape),
                               rtol=1e-10)
    np.testing.assert_allclose(res.births.sum(axis=-1), 2050.0, rtol=1e-10)
    np.testing.assert_allclose(res.deaths.sum(axis=(-1, -2)), 2050.0, rtol=1e-10)


@pytest.mark.parametrize("timing", ["mid-year", "start", "end"])
def test_population_balance_and_deaths_convention(timing: str) -> None:
    rng = np.random.default_rng(3)
    inp = _inputs(net_migration=rng.normal(0, 3, (20, 2, 2, A)),
                  internal_rates=rng.uniform(0, 0.01, (20, 2, 2, 2, A)), migration_timing=timing)
    res = project(inp)
    tot = res.population.sum(axis=(-1, -2, -3))
    assert inp.net_migration is not None
    change = (res.births.sum(axis=(-1, -2)) - res.deaths.sum(axis=(-1, -2, -3))
              + inp.net_migration.sum(axis=(-1, -2, -3)))
    np.testing.assert_allclose(np.diff(tot), change, atol=1e-8)
    # Closed population: deaths at age a ≥ 1 are those aged a at the start who did not
    # reach a+1.
    closed = project(_inputs())
    p0, p1 = closed.population[0], closed.population[1]
    np.testing.assert_allclose(closed.deaths[0, ..., 5], p0[..., 5] - p1[..., 6], rtol=1e-12)
    assert np.all(closed.deaths >= 0)


def test_regions_with_equal_rates_add_up_to_one_region() -> None:
    """Internal moves only redistribute: with equal rates everywhere the sum over regions
    equals the projection of the summed population."""
    rng = np.random.default_rng(5)
    multi = project(_inputs(r=3, internal_rates=rng.uniform(0, 0.03, (20, 3, 3, 2, A))))
    single = project(_inputs(r=1, population=multi.population[0].sum(axis=0, keepdims=True)))
    np.testing.assert_allclose(multi.population.sum(axis=1), single.population[:, 0],
                               rtol=1e-10)
    # … and they did move people: the regions differ from a run without moves.
    still = project(_inputs(r=3))
    assert np.abs(multi.population[-1] - still.population[-1]).max() > 1.0


def test_internal_flow_direction() -> None:
    rates = np.zeros((5, 2, 2, 2, A))
    rates[:, 0, 1] = 0.1  # 10 % of region 0 moves to region 1 every year
    moved = project(_inputs(y=5, internal_rates=rates))
    still = project(_inputs(y=5))
    assert moved.population[-1, 0].sum() < 0.65 * still.population[-1, 0].sum()
    assert moved.population[-1, 1].sum() > still.population[-1, 1].sum()


def test_trajectory_axis_equals_separate_runs() -> None:
    inp = _inputs()
    tfrs = np.array([1.0, 1.5, 2.1])
    stacked = dataclasses.replace(
        inp, asfr=inp.asfr[None] * (tfrs / inp.asfr[0, 0].sum())[:, None, None, None])
    res = project(stacked)
    assert res.population.shape == (3, 21, 2, 2, A)
    for i, t in enumerate(tfrs):
        one = project(with_tfr_path(inp, np.full(20, t)))
        np.testing.assert_allclose(res.population[i], one.population, rtol=1e-12)
        np.testing.assert_allclose(res.deaths[i], one.deaths, rtol=1e-12)


def test_migration_timing() -> None:
    mig = np.zeros((10, 2, 2, A))
    mig[:, :, :, 30] = 100.0  # 100 migrants aged 30 at the move, each sex and region
    closed = project(_inputs(y=10))
    cohort = period_to_cohort_counts(mig[0])
    end = project(_inputs(y=10, net_migration=mig, migration_timing="end"))
    diff = end.population[1] - closed.population[1]
    np.testing.assert_allclose(diff[..., 30:32], cohort[..., 30:32], rtol=1e-12)
    gains = {}
    for timing in ("start", "mid-year", "end"):
        r = project(_inputs(y=10, net_migration=mig, migration_timing=timing))
        gains[timing] = (r.population[1] - closed.population[1])[..., 1:].sum()
    # Earlier arrival means more exposure to mortality, so fewer survive to the end
    # (age 0 is left out: migrant women also add births).
    assert gains["start"] < gains["mid-year"] < gains["end"] == pytest.approx(400.0)


def test_emigration_cannot_make_people_negative() -> None:
    mig = np.full((5, 2, 2, A), -1e6)
    res = project(_inputs(y=5, net_migration=mig))
    assert np.all(res.population >= 0)


def test_invalid_inputs() -> None:
    inp = _inputs()
    with pytest.raises(ValueError, match="asfr"):
        project(dataclasses.replace(inp, asfr=inp.asfr[:, :, :30]))
    with pytest.raises(ValueError, match="negative"):
        project(dataclasses.replace(inp, mx=-inp.mx))
    with pytest.raises(ValueError, match="migration_timing"):
        project(dataclasses.replace(inp, migration_timing="sometime"))
    with pytest.raises(ValueError, match="internal_rates"):
        project(dataclasses.replace(inp, internal_rates=np.full((20, 2, 2, 2, A), 1.5)))


def test_low_high_variants_shift_tfr_by_wpp_steps() -> None:
    inp = _inputs(y=15)
    low, high = apply_variant(inp, "low"), apply_variant(inp, "high")
    tfr = inp.asfr.sum(axis=-1)[:, 0]
    np.testing.assert_allclose(tfr - low.asfr.sum(axis=-1)[:, 0], fertility_offset(15))
    np.testing.assert_allclose(high.asfr.sum(axis=-1)[:, 0] - tfr, [0.25] * 5 + [0.4] * 5
                               + [0.5] * 5)
    assert project(low).population[-1].sum() < project(inp).population[-1].sum() < project(
        high).population[-1].sum()


def test_constant_fertility_and_zero_migration() -> None:
    inp = _inputs(y=5, net_migration=np.ones((5, 2, 2, A)))
    inp = with_tfr_path(inp, [1.0, 1.1, 1.2, 1.3, 1.4])
    const = apply_variant(inp, "constant-fertility")
    np.testing.assert_allclose(const.asfr.sum(axis=-1), 1.0)
    zero = apply_variant(inp, "zero-migration")
    assert zero.net_migration is None and zero.internal_rates is None
    with pytest.raises(ValueError):
        apply_variant(inp, "very-high")


def test_migration_and_e0_paths() -> None:
    inp = _inputs(y=5, net_migration=np.ones((5, 2, 2, A)))
    scaled = with_migration_path(inp, [1000.0, 2000.0, 0.0, -500.0, 100.0])
    assert scaled.net_migration is not None
    np.testing.assert_allclose(scaled.net_migration.sum(axis=(-1, -2))[:, 0],
                               [1000, 2000, 0, -500, 100])
    target = np.array([80.0, 80.5, 81.0, 81.5, 82.0])
    e0 = summary_indicators(project(with_e0_path(inp, target - 5, target)))
    np.testing.assert_allclose(e0["e0_male"][:-1, 0], target - 5, atol=1e-3)
    np.testing.assert_allclose(e0["e0_female"][:-1, 1], target, atol=1e-3)


def test_summary_indicators() -> None:
    res = project(_inputs())
    s = summary_indicators(res)
    assert set(SUMMARY_INDICATORS) <= set(s)
    for v in s.values():
        assert v.shape == (21, 2)
    np.testing.assert_allclose(s["total"], res.population.sum(axis=(-1, -2)))
    np.testing.assert_allclose(s["tfr"][:-1], 1.4)
    assert np.isnan(s["tfr"][-1]).all() and np.isnan(s["births"][-1]).all()
    np.testing.assert_allclose(s["srb"][:-1], 106.0)
    e0 = life_table(_mx()[0], sex="male").e0
    np.testing.assert_allclose(s["e0_male"][:-1], e0)
    np.testing.assert_allclose(s["share_0_14"] + s["share_15_64"] + s["share_65_plus"], 100)
    np.testing.assert_allclose(s["total_dependency"],
                               s["young_dependency"] + s["old_age_dependency"])
    np.testing.assert_allclose(s["net_migration"][:-1], 0.0, atol=1e-8)


def test_two_leading_axes_broadcast() -> None:
    inp = _inputs(y=6)
    fert = np.array([0.8, 1.2])[:, None, None, None, None]  # (2, 1, Y, R, 35)
    mort = np.array([0.9, 1.0, 1.1])[:, None, None, None, None]  # (3, Y, R, 2, A)
    res = project(dataclasses.replace(inp, asfr=inp.asfr * fert, mx=inp.mx * mort))
    assert res.population.shape == (2, 3, 7, 2, 2, A)
    assert res.life_expectancy is not None and res.life_expectancy.shape[:2] == (2, 3)
    one = project(dataclasses.replace(inp, asfr=inp.asfr * 1.2, mx=inp.mx * 0.9))
    np.testing.assert_allclose(res.population[1, 0], one.population, rtol=1e-12)
    np.testing.assert_allclose(res.births[1, 0], one.births, rtol=1e-12)
    s = summary_indicators(res)
    assert s["e0_female"].shape == (2, 3, 7, 2)
    np.testing.assert_allclose(s["e0_female"][0, 2], s["e0_female"][1, 2])


def test_both_sexes_e0_lies_between_the_sexes() -> None:
    inp = _inputs(y=4)
    pop = np.stack([inp.population, inp.population * 2])  # two trajectories, shared rates
    pop[1, :, :, 90:] = 0.0  # nobody at 90+: the sexes' rates are averaged there
    s = summary_indicators(project(dataclasses.replace(inp, population=pop)))
    e0, m, f = s["e0"][:, :-1], s["e0_male"][:, :-1], s["e0_female"][:, :-1]
    assert np.all((m < e0) & (e0 < f))
    single = summary_indicators(project(inp))
    np.testing.assert_allclose(s["e0"][0], single["e0"])


def test_engine_and_summary_agree_on_both_sexes_e0() -> None:
    rng = np.random.default_rng(9)
    inp = _inputs(y=5, net_migration=rng.normal(0, 20, (5, 2, 2, A)))
    res = project(inp)
    from_engine = summary_indicators(res)["e0"]
    rebuilt = summary_indicators(dataclasses.replace(res, e0_both_sexes=None))["e0"]
    np.testing.assert_allclose(from_engine, rebuilt, rtol=1e-12)
