"""``renkou demography lifetable`` against UN WPP 2024: e0 from WPP's abridged death rates
within 0.1 years of WPP's own e0, each sex, every location and estimate period."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from renkou.cli.main import main

WPP = Path(__file__).resolve().parents[1] / "data" / "wpp2024"


def test_lifetable_reproduces_wpp_e0(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                     ) -> None:
    mx = pd.read_parquet(WPP / "mx_abridged_5yr.parquet")
    e0 = pd.read_parquet(WPP / "e0_5yr_estimates.parquet")
    src = mx.rename(columns={"age_start": "age", "value": "mx"})[
        ["country_code", "period", "sex", "age", "mx"]]
    src.to_csv(tmp_path / "mx.csv", index=False)
    out = tmp_path / "lt.csv"
    assert main(["demography", "lifetable", "--mortality", str(tmp_path / "mx.csv"),
                 "--out", str(out)]) == 0
    capsys.readouterr()
    lt = pd.read_csv(out)
    assert list(lt.columns) == ["country_code", "period", "sex", "age", "mx", "qx", "ax", "lx",
                                "dx", "Lx", "Tx", "ex"]
    ours = lt[lt.age == 0].assign(sex=lambda d: d.sex.replace({"total": "both"}))
    both = ours.merge(e0, on=["country_code", "period", "sex"], suffixes=("", "_wpp"))
    assert len(both) == len(e0) == 6 * 14 * 3  # every location, period and sex matched
    assert np.abs(both.ex - both.value).max() < 0.1


def test_abridged_table_columns_are_consistent(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    mx = pd.read_parquet(WPP / "mx_abridged_5yr.parquet")
    one = mx[(mx.country_code == 392) & (mx.period == "2015-2020") & (mx.sex == "female")]
    one[["sex", "age_start", "value"]].set_axis(["sex", "age", "mx"], axis=1).to_csv(
        tmp_path / "m.csv", index=False)
    assert main(["demography", "lifetable", "--mortality", str(tmp_path / "m.csv"),
                 "--out", str(tmp_path / "lt.csv")]) == 0
    assert "e0 =" in capsys.readouterr().out
    lt = pd.read_csv(tmp_path / "lt.csv")
    n = np.append(np.diff(lt.age), np.inf)
    assert lt.lx.iloc[0] == 100_000
    np.testing.assert_allclose(lt.dx.sum(), 100_000)
    np.testing.assert_allclose(lt.lx.iloc[1:], (lt.lx - lt.dx).iloc[:-1].to_numpy())
    np.testing.assert_allclose(lt.mx.iloc[:-1], (lt.dx / lt.Lx).iloc[:-1], rtol=1e-12)
    assert lt.ax.iloc[1] != 2.0 and (lt.ax.iloc[2:-1] == n[2:-1] / 2).all()  # 4a1 by rule
    assert lt.qx.iloc[-1] == 1.0
    assert lt.Lx.iloc[-1] == pytest.approx(lt.lx.iloc[-1] / lt.mx.iloc[-1])
