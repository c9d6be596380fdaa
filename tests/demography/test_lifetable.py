"""Life tables: hand-computed cases, published a0 rules, consistency with WPP e0."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from renkou.demography.lifetable import (
    a0_andreev_kingkade,
    a0_coale_demeny,
    a1_4_coale_demeny,
    complete_columns,
    life_expectancy,
    life_table,
    survivorship,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "wpp2024"


def test_three_age_table_by_hand() -> None:
    # mx at 0, 1 and 2+ with the Coale–Demeny a0 for males (m0 = 0.05 < 0.107).
    t = life_table([0.05, 0.01, 0.5], sex="male", a0_rule="coale-demeny")
    a0 = 0.045 + 2.684 * 0.05  # 0.1792
    q0 = 0.05 / (1 + (1 - a0) * 0.05)
    q1 = 0.01 / (1 + 0.5 * 0.01)
    l1, l2 = 1 - q0, (1 - q0) * (1 - q1)
    L0 = l1 + a0 * q0
    L1 = l2 + 0.5 * (l1 - l2)
    L2 = l2 / 0.5
    np.testing.assert_allclose(t.qx, [q0, q1, 1.0], rtol=1e-12)
    np.testing.assert_allclose(t.lx, [1.0, l1, l2], rtol=1e-12)
    np.testing.assert_allclose(t.Lx, [L0, L1, L2], rtol=1e-12)
    assert t.e0 == pytest.approx(L0 + L1 + L2, rel=1e-12)
    assert t.e(2) == pytest.approx(2.0, rel=1e-12)  # open interval: 1/m
    assert t.open_age == 2


def test_columns_are_consistent() -> None:
    ages = np.arange(101)
    mx = 0.0003 + 0.00003 * np.exp(0.095 * ages)
    mx[0] = 0.004
    t = life_table(mx, sex="female")
    assert t.dx.sum() == pytest.approx(1.0, abs=1e-12)  # everyone dies
    np.testing.assert_allclose(t.lx[:-1] - t.lx[1:], t.dx[:-1], atol=1e-15)
    np.testing.assert_allclose(t.dx / t.Lx, t.mx, rtol=1e-10)  # m = d / L in every row
    np.testing.assert_allclose(t.Tx[0], t.Lx.sum(), rtol=1e-12)
    assert 60 < t.e0 < 90 and t.e60 > t.e65 > 0
    assert not t.abridged


def test_constant_hazard_gives_one_over_m() -> None:
    # With a constant force of mortality e0 = 1/m; ax = ½ is off by ~m/12 per year lived.
    m = 0.02
    cols = complete_columns(np.full(301, m), False)
    assert cols.ex[..., 150] == pytest.approx(1 / m, rel=1e-9)  # beyond a0's reach
    t = life_table(np.full(301, m), a0_rule="coale-demeny")
    assert t.e0 == pytest.approx(1 / m, abs=0.1)


@pytest.mark.parametrize(("fn", "sex", "breaks"), [
    (a0_andreev_kingkade, "male", (0.02300, 0.08307)),
    (a0_andreev_kingkade, "female", (0.01724, 0.06891)),
    (a0_coale_demeny, "male", (0.107,)),
    (a0_coale_demeny, "female", (0.107,)),
    (a1_4_coale_demeny, "male", (0.107,)),
    (a1_4_coale_demeny, "female", (0.107,)),
])
def test_published_a0_rules_are_nearly_continuous(fn, sex, breaks) -> None:  # type: ignore[no-untyped-def]
    # The published coefficients make the segments meet (to rounding); a typo would not.
    for b in breaks:
        left, right = fn(np.array(b - 1e-9), sex), fn(np.array(b), sex)
        assert abs(float(left) - float(right)) < 0.003


def test_andreev_kingkade_values() -> None:
    # HMD methods protocol v6, table: male m0 = 0.005 → 0.14929 − 1.99545·0.005.
    assert float(a0_andreev_kingkade(0.005, "male")) == pytest.approx(0.13931, abs=1e-5)
    assert float(a0_andreev_kingkade(0.2, "female")) == pytest.approx(0.31411)
    assert float(a0_andreev_kingkade(0.05, "female")) == pytest.approx(0.04667 + 3.88089 * 0.05)


def test_abridged_table_agrees_with_complete_table() -> None:
    mx_df = pd.read_parquet(DATA / "derived" / "mx_age1_annual_DERIVED.parquet")
    d = mx_df[(mx_df.country_code == 156) & (mx_df.year == 2025) & (mx_df.sex == "female")]
    mx = d.sort_values("age").value.to_numpy()
    full = life_table(mx, sex="female")
    # Group deaths and person-years of the complete table into 0, 1–4, 5–9, …, 100+.
    edges = [0, 1, *range(5, 101, 5)]
    deaths = np.add.reduceat(full.dx, edges)
    years = np.add.reduceat(full.Lx, edges)
    abr = life_table(deaths / years, ages=edges, sex="female")
    assert abr.abridged
    assert abr.e0 == pytest.approx(full.e0, abs=0.1)
    assert abr.e65 == pytest.approx(full.e65, abs=0.1)


def test_e0_matches_wpp_for_china_2025() -> None:
    mx_df = pd.read_parquet(DATA / "derived" / "mx_age1_annual_DERIVED.parquet")
    e0_df = pd.read_parquet(DATA / "e0_annual.parquet")
    for sex in ("male", "female"):
        d = mx_df[(mx_df.country_code == 156) & (mx_df.year == 2025) & (mx_df.sex == sex)]
        w = e0_df[(e0_df.country_code == 156) & (e0_df.year == 2025) & (e0_df.sex == sex)]
        e0 = life_table(d.sort_values("age").value.to_numpy(), sex=sex).e0  # type: ignore[arg-type]
        assert e0 == pytest.approx(float(w.value.iloc[0]), abs=0.1)


def test_vectorised_e0_equals_scalar_tables() -> None:
    rng = np.random.default_rng(1)
    ages = np.arange(101)
    mx = np.exp(-9 + 0.09 * ages)[None, None, :] * rng.uniform(0.5, 2, (4, 2, 1))
    e0 = life_expectancy(mx, np.array([False, True]))
    for i in range(4):
        for s, sex in enumerate(("male", "female")):
            assert e0[i, s] == pytest.approx(life_table(mx[i, s], sex=sex).e0, rel=1e-12)  # type: ignore[arg-type]


def test_survivorship_ratios() -> None:
    ages = np.arange(101)
    mx = 0.0002 + 0.00003 * np.exp(0.1 * ages)
    t = life_table(mx, sex="male")
    s = survivorship(mx, False).cohort
    assert s[0] == pytest.approx(t.Lx[0])
    np.testing.assert_allclose(s[1:-1], t.Lx[1:-1] / t.Lx[:-2])
    assert s[-1] == pytest.approx(t.Tx[-1] / t.Tx[-2])
    np.testing.assert_allclose(t.survivorship_ratios(), s)
    assert np.all((s > 0) & (s <= 1))


def test_bad_input_is_rejected() -> None:
    with pytest.raises(ValueError):
        life_table([0.01, -0.1, 0.5])
    with pytest.raises(ValueError):
        life_table([0.01, 0.02, 0.0])  # open interval needs m > 0
    with pytest.raises(ValueError):
        life_table([0.01, 0.02], a0_rule="nope")  # type: ignore[arg-type]


def test_aliases_for_sex_and_a0_rule() -> None:
    mx = np.full(5, 0.05)
    assert life_table(mx, sex="both", a0_rule="CD").e0 == pytest.approx(
        life_table(mx, sex="total", a0_rule="coale-demeny").e0)
    assert life_table(mx, sex="f", a0_rule="hmd").sex == "female"
    with pytest.raises(ValueError):
        life_table(mx, sex="x")  # type: ignore[arg-type]


# Austria, males, 1992: PHG (2001) box 3.1, p. 49 (data: United Nations 1994). Population,
# deaths and the separation factors nax are the published inputs; lx and nLx the published
# results (radix 100,000, rounded to whole persons).
AUSTRIA_AGES = [0, 1, *range(5, 90, 5)]
AUSTRIA_POP = [47925, 189127, 234793, 238790, 254996, 326831, 355086, 324222, 269963, 261971,
               238011, 261612, 181385, 187962, 153832, 105169, 73694, 57512, 32248]
AUSTRIA_DEATHS = [419, 70, 36, 46, 249, 420, 403, 441, 508, 769, 1154, 1866, 2043, 3496, 4366,
                  4337, 5279, 6460, 6146]
AUSTRIA_AX = [0.068, 1.626, 2.5, 3.143, 2.724, 2.520, 2.481, 2.601, 2.701, 2.663, 2.698, 2.676,
              2.645, 2.624, 2.619, 2.593, 2.518, 2.423, 5.247]
AUSTRIA_LX = [100000, 99133, 98986, 98910, 98815, 98334, 97704, 97151, 96492, 95588, 94195,
              91937, 88711, 83845, 76377, 66225, 53803, 37441, 21134]
AUSTRIA_LLX = [99192, 396183, 494741, 494375, 492980, 490106, 487127, 484175, 480384, 474686,
               465777, 452188, 432096, 401480, 357713, 301224, 228404, 145182, 110889]


def test_reproduces_preston_austria_1992() -> None:
    mx = np.array(AUSTRIA_DEATHS) / np.array(AUSTRIA_POP)
    t = life_table(mx, ages=AUSTRIA_AGES, sex="male", ax=AUSTRIA_AX, radix=100_000)
    np.testing.assert_allclose(t.lx, AUSTRIA_LX, atol=1.0)
    np.testing.assert_allclose(t.Lx, AUSTRIA_LLX, atol=2.0)
    assert t.e0 == pytest.approx(sum(AUSTRIA_LLX) / 100_000, abs=1e-3)
    # With the Coale–Demeny rule instead of the observed a0 and 4a1, e0 moves very little.
    cd = life_table(mx, ages=AUSTRIA_AGES, sex="male", a0_rule="coale-demeny")
    assert cd.e0 == pytest.approx(t.e0, abs=0.05)
    assert cd.ax[0] == pytest.approx(0.045 + 2.684 * mx[0])
