"""The stochastic run's age pattern of mortality change: fitted (Lee–Carter) from the input
directory's ``mortality_history`` when it has enough years, else the default, and said."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from renkou.cli.main import main
from renkou.demography.leecarter import fit_lee_carter
from renkou.projection.history import DEFAULT_PATTERN, mortality_pattern

ROOT = Path(__file__).resolve().parents[1] / "data"
SAMPLE = ROOT / "project_sample"


def _history(years: range) -> pd.DataFrame:
    mx = pd.read_parquet(ROOT / "wpp2024" / "derived" / "mx_age1_annual_DERIVED.parquet")
    jp = mx[(mx.country_code == 392) & mx.year.isin(list(years))]
    return jp.rename(columns={"value": "value"})[["year", "sex", "age", "value"]]


def test_pattern_is_the_lee_carter_fit_of_the_history(tmp_path: Path) -> None:
    hist = _history(range(2023, 2038))
    hist.to_csv(tmp_path / "mortality_history.csv", index=False)
    pattern = mortality_pattern(tmp_path, 101)
    assert pattern.bx is not None and "2023–2037" in pattern.description
    male = hist[hist.sex == "male"].pivot(index="year", columns="age", values="value")
    want = fit_lee_carter(male.to_numpy(), male.index.to_numpy(float),
                          male.columns.to_numpy(float)).bx
    np.testing.assert_allclose(pattern.bx[0], want)


def test_short_or_absent_history_keeps_the_default(tmp_path: Path) -> None:
    assert mortality_pattern(tmp_path, 101).description == DEFAULT_PATTERN
    _history(range(2023, 2028)).to_csv(tmp_path / "mortality_history.csv", index=False)
    short = mortality_pattern(tmp_path, 101)
    assert short.bx is None and "不足" in short.description


@pytest.mark.slow
def test_stochastic_run_uses_and_names_the_fitted_pattern(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in"
    shutil.copytree(SAMPLE, src)
    args = ["--trajectories", "40", "--seed", "3"]
    assert main(["project", str(src), "--out", str(tmp_path / "a"), *args]) == 0
    assert DEFAULT_PATTERN in capsys.readouterr().out
    _history(range(2023, 2040)).to_csv(src / "mortality_history.csv", index=False)
    assert main(["project", str(src), "--out", str(tmp_path / "b"), *args]) == 0
    assert "Lee–Carter b(x) 由 mortality_history.csv" in capsys.readouterr().out
    a = pd.read_csv(tmp_path / "a" / "quantiles.csv", dtype={"region": str})
    b = pd.read_csv(tmp_path / "b" / "quantiles.csv", dtype={"region": str})
    # e0 deviations are drawn in years of e0, whatever the pattern: the same draws.
    e0a, e0b = a[a.indicator == "e0_female"], b[b.indicator == "e0_female"]
    np.testing.assert_allclose(e0a.value, e0b.value, atol=0.02)
    # Deaths by age follow the pattern, so the counts differ.
    da, db = a[a.indicator == "deaths"].value, b[b.indicator == "deaths"].value
    assert not np.allclose(da.to_numpy(), db.to_numpy(), rtol=1e-6)
