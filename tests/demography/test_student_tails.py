"""Heavy-tailed migration deviations whose degrees of freedom follow the bounds' 95/80 width
ratio by horizon: fitted ν, the drawn deviations' quantiles, and the tails' persistence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import stdtrit

from renkou.demography.projection import ProjectionInputs
from renkou.demography.stochastic import draw_paths
from renkou.demography.student_tails import (
    MIN_DF,
    NORMAL_RATIO,
    smooth,
    t_scale,
    tail_df,
    tail_dfs,
)
from renkou.projection.bounds import TAIL_WINDOW, calibrated_settings

BASE, STEPS, AGES = 2025, 60, 101


def _ratio(nu: np.ndarray | float) -> np.ndarray:
    return np.asarray(stdtrit(nu, 0.975) / stdtrit(nu, 0.9))


def _inputs() -> ProjectionInputs:
    """A one-region input of STEPS years: only the shapes matter to the calibration."""
    mx = np.full((STEPS, 1, 2, AGES), 0.01)
    return ProjectionInputs(base_year=BASE, end_year=BASE + STEPS,
                            population=np.full((1, 2, AGES), 1000.0),
                            asfr=np.full((STEPS, 1, 35), 0.05), mx=mx,
                            srb=np.full((STEPS, 1), 1.05),
                            net_migration=np.full((STEPS, 1, 2, AGES), 10.0))


def test_tail_df_inverts_the_t_width_ratio_and_is_bounded() -> None:
    for nu in (3.0, 6.0, 15.0, 60.0):
        assert tail_df(float(_ratio(nu))) == pytest.approx(nu, rel=1e-3)
    assert tail_df(NORMAL_RATIO) is None and tail_df(1.4) is None
    assert tail_df(float(_ratio(1.5))) == MIN_DF  # heavier than the floor: held at it


def test_smoothing_keeps_a_trend_and_averages_noise() -> None:
    h = np.arange(40.0)
    line = 1.6 + 0.01 * h
    np.testing.assert_allclose(smooth(line, 11)[5:-5], line[5:-5], rtol=1e-12)
    assert smooth(line, 11)[0] == pytest.approx(line[:6].mean())
    noisy = line + np.where(h % 2 == 0, 0.05, -0.05)
    assert np.abs(smooth(noisy, 11) - line)[5:-5].max() < 0.006
    np.testing.assert_allclose(smooth(np.full((7, 3), 2.0), 11), 2.0)


def test_fitted_nu_follows_the_width_ratio_by_horizon() -> None:
    """Near-normal early and heavy late, as WPP's bounds for the Republic of Korea."""
    nu = np.geomspace(40.0, 3.0, STEPS)
    fitted = tail_dfs(_ratio(nu), window=1)
    np.testing.assert_allclose(fitted, nu, rtol=1e-3)
    ratio = np.r_[np.full(10, NORMAL_RATIO), _ratio(np.full(5, 4.0))]
    fitted = tail_dfs(ratio[:, None], window=1)
    assert np.isinf(fitted[:10]).all() and fitted.shape == (15, 1)
    np.testing.assert_allclose(fitted[10:], 4.0, rtol=1e-3)


def test_each_step_of_a_deviation_has_its_own_t_and_the_tails_persist() -> None:
    df = np.array([30.0, 8.0, 3.0, np.inf])
    n = 200_000
    rng = np.random.default_rng(3)
    scale = t_scale(rng, df, n, (4,))
    dev = rng.standard_normal((n, 4)) * scale
    q = np.quantile(dev, [0.025, 0.1, 0.9, 0.975], axis=0)
    width80, width95 = q[2] - q[1], q[3] - q[0]
    # 200 000 draws: the quantiles are within about 1 % of the t's; 3 % is the tolerance.
    np.testing.assert_allclose(width95 / width80, _ratio(df), rtol=0.03)
    np.testing.assert_allclose(width80 / 2, stdtrit(df, 0.9), rtol=0.03)
    # One uniform draw per trajectory: a trajectory's scale ranks alike in every step.
    assert (np.argsort(scale[:, 0]) == np.argsort(scale[:, 2])).all()
    np.testing.assert_array_equal(scale[:, 3], 1.0)


def _write_bounds(directory: Path, ratio: np.ndarray, half80: float) -> None:
    years = BASE + np.arange(ratio.size)
    pd.DataFrame({"year": years, "region": "*", "lower80": -half80, "upper80": half80,
                  "lower95": -half80 * ratio, "upper95": half80 * ratio}
                 ).to_csv(directory / "migration_bounds.csv", index=False)


def test_migration_bounds_heavy_late_give_heavy_late_deviations(tmp_path: Path) -> None:
    inputs = _inputs()
    h = np.arange(STEPS, dtype=np.float64)
    ratio = 1.58 + 0.6 * h / (STEPS - 1)  # 1.58 → 2.18, Korea's 2030 and 2099
    _write_bounds(tmp_path, ratio, 1000.0)
    st, notes = calibrated_settings(tmp_path, inputs)
    assert st is not None and st.migration_df is not None and st.migration_sd is not None
    df = np.asarray(st.migration_df)[:, 0]
    half = TAIL_WINDOW // 2
    # A linear ratio survives the moving average away from the ends.
    expected = np.array([tail_df(float(r)) or np.inf for r in ratio])
    np.testing.assert_allclose(df[half:-half], expected[half:-half], rtol=1e-3)
    assert df[0] > 10 and df[-1] == MIN_DF and np.all(np.diff(df) <= 1e-9)
    assert "自由度" in notes[-1] and f"{BASE} 年" in notes[-1]

    add = draw_paths(inputs, 40_000, 7, st).migration_add
    assert add is not None
    for step in (10, 30, 50):
        q = np.quantile(add[:, step, 0], [0.025, 0.1, 0.9, 0.975])
        # The drawn deviation reproduces that year's bounds: 80 % half-width and 95/80 ratio.
        assert (q[3] - q[0]) / (q[2] - q[1]) == pytest.approx(ratio[step], rel=0.05)
        assert (q[2] - q[1]) / 2 == pytest.approx(1000.0, rel=0.05)


def test_normal_bounds_keep_a_normal_deviation(tmp_path: Path) -> None:
    _write_bounds(tmp_path, np.full(STEPS, NORMAL_RATIO), 500.0)
    st, notes = calibrated_settings(tmp_path, _inputs())
    assert st is not None and st.migration_df is None and "自由度" not in notes[-1]
    np.testing.assert_allclose(st.migration_sd, 500.0 / 1.2815515655446004, rtol=1e-9)
