"""Stochastic spreads calibrated to the input directory's tfr_bounds / e0_bounds."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from renkou.cli.main import main
from renkou.demography.stochastic_calibration import ar1_sd
from renkou.demography.student_tails import tail_df
from renkou.projection.bounds import TFR_MIN_PHI, calibrated_settings
from renkou.projection.io import load_projection

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "project_sample"
Z80, Z95 = 1.2815515655446004, 1.959963984540054


def _bounds(years: np.ndarray, sd: np.ndarray, centre: float, **keys: object) -> pd.DataFrame:
    return pd.DataFrame({"year": years, **keys, "lower80": centre - Z80 * sd,
                         "upper80": centre + Z80 * sd, "lower95": centre - Z95 * sd,
                         "upper95": centre + Z95 * sd})


def _write(directory: Path, base: int, end: int) -> None:
    years = np.arange(base, end)
    h = years - base + 1.0
    _bounds(years, ar1_sd(h, 0.995, 0.1, 0.2), 1.3, region="*").to_csv(
        directory / "tfr_bounds.csv", index=False)
    e0 = [_bounds(years, ar1_sd(h, 1.0, s, s0), 80.0, region="*", sex=sex)
          for sex, s, s0 in (("male", 0.6, 1.0), ("female", 0.5, 0.8))]
    pd.concat(e0).to_csv(directory / "e0_bounds.csv", index=False)


def test_settings_reproduce_the_bounds(tmp_path: Path) -> None:
    shutil.copytree(SAMPLE, tmp_path / "in")
    src = tmp_path / "in"
    inputs = load_projection(src).inputs
    none, notes = calibrated_settings(src, inputs)
    assert none is None and notes == []
    _write(src, inputs.base_year, inputs.end_year)
    st, notes = calibrated_settings(src, inputs)
    assert st is not None and len(notes) == 2 and "tfr_bounds.csv" in notes[0]
    assert st.tfr_phi == pytest.approx(0.995, abs=0.002)
    assert st.tfr_sigma == pytest.approx(0.1, rel=0.05)
    assert st.tfr_sigma0 == pytest.approx(0.2, rel=0.05)
    np.testing.assert_allclose(st.e0_sigma, (0.6, 0.5), rtol=1e-6)
    np.testing.assert_allclose(st.e0_sigma0, (1.0, 0.8), rtol=1e-6)


def test_bounds_in_the_wrong_order_are_refused(tmp_path: Path) -> None:
    shutil.copytree(SAMPLE, tmp_path / "in")
    src = tmp_path / "in"
    inputs = load_projection(src).inputs
    bad = _bounds(np.arange(inputs.base_year, inputs.end_year),
                  np.full(inputs.steps, 0.1), 1.3, region="*")
    bad["lower95"] = bad["upper95"] + 1
    bad.to_csv(src / "tfr_bounds.csv", index=False)
    from renkou.errors import InputError

    with pytest.raises(InputError, match="lower95"):
        calibrated_settings(src, inputs)


@pytest.mark.slow
def test_a_run_with_wider_bounds_is_wider_and_says_so(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(SAMPLE, tmp_path / "in")
    src = tmp_path / "in"
    args = ["--trajectories", "200", "--seed", "5"]
    assert main(["project", str(src), "--out", str(tmp_path / "a"), *args]) == 0
    assert "默认" in capsys.readouterr().out
    inputs = load_projection(src).inputs
    _write(src, inputs.base_year, inputs.end_year)
    assert main(["project", str(src), "--out", str(tmp_path / "b"), *args]) == 0
    out = capsys.readouterr().out
    assert "tfr_bounds.csv" in out and "e0_bounds.csv" in out

    def width(d: Path, indicator: str) -> float:
        q = pd.read_csv(d / "quantiles.csv", dtype={"region": str})
        q = q[(q.indicator == indicator) & (q.year == inputs.end_year - 1)]
        return float(q[q["quantile"] == 0.9].value.sum() - q[q["quantile"] == 0.1].value.sum())

    assert width(tmp_path / "b", "tfr") > 1.2 * width(tmp_path / "a", "tfr")
    assert width(tmp_path / "b", "e0_female") > width(tmp_path / "a", "e0_female")


def test_tfr_persistence_has_a_floor(tmp_path: Path) -> None:
    """Yearly bounds do not identify the autocorrelation: a fit that would choose a short
    memory keeps φ at the floor (WPP's TFR trajectories are persistent)."""
    shutil.copytree(SAMPLE, tmp_path / "in")
    src = tmp_path / "in"
    inputs = load_projection(src).inputs
    years = np.arange(inputs.base_year, inputs.end_year)
    _bounds(years, ar1_sd(years - inputs.base_year + 1.0, 0.8, 0.1, 0.2), 1.3,
            region="*").to_csv(src / "tfr_bounds.csv", index=False)
    st, _ = calibrated_settings(src, inputs)
    assert st is not None and st.tfr_phi >= TFR_MIN_PHI


def test_heavy_tailed_migration_bounds_give_a_t_deviation(tmp_path: Path) -> None:
    from scipy.stats import t as student

    from renkou.demography.stochastic import draw_paths

    assert tail_df(Z95 / Z80) is None  # normal bounds stay normal
    assert tail_df(float(student.ppf(0.975, 4) / student.ppf(0.9, 4))) == pytest.approx(4, rel=1e-3)
    shutil.copytree(SAMPLE, tmp_path / "in")
    src = tmp_path / "in"
    inputs = load_projection(src).inputs
    q80, q95 = student.ppf(0.9, 4), student.ppf(0.975, 4)
    pd.DataFrame({"year": inputs.base_year, "region": "*", "lower80": -1000 * q80,
                  "upper80": 1000 * q80, "lower95": -1000 * q95, "upper95": 1000 * q95},
                 index=[0]).to_csv(src / "migration_bounds.csv", index=False)
    st, notes = calibrated_settings(src, inputs)
    assert st is not None and st.migration_df is not None
    np.testing.assert_allclose(st.migration_df, 4, rtol=1e-3)  # one year given: held
    np.testing.assert_allclose(st.migration_sd, 1000.0, rtol=1e-9)
    assert "自由度" in notes[-1]
    add = draw_paths(inputs, 20_000, 1, st).migration_add
    assert add is not None
    q = np.quantile(add[:, 0, 0], [0.025, 0.1, 0.9, 0.975])
    assert (q[3] - q[0]) / (q[2] - q[1]) == pytest.approx(q95 / q80, rel=0.05)
    assert (q[2] - q[1]) / 2 == pytest.approx(1000 * q80, rel=0.05)
