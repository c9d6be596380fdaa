"""``renkou project --tfr-path / --e0-path / --migration-path``: user scenario paths on top of
a variant, through the CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from renkou.cli.main import main

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "project_sample"  # 2020–2025, 2 regions


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    shutil.copytree(SAMPLE, d)
    return d


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(args)
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def _summary(out: Path, indicator: str) -> pd.DataFrame:
    s = pd.read_csv(out / "summary.csv", dtype={"region": str})
    return s[s.indicator == indicator].pivot(index="year", columns="region", values="value")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _project(sample: Path, out: Path, capsys: pytest.CaptureFixture[str], *extra: str
             ) -> tuple[int, str, str]:
    return _run(["project", str(sample), "--out", str(out), *extra], capsys)


def test_tfr_path_raises_births_and_is_interpolated(sample: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    medium = tmp_path / "medium"
    assert _project(sample, medium, capsys)[0] == 0
    base_tfr = _summary(medium, "tfr")
    assert float(base_tfr.max().max()) < 1.3  # the sample's fertility is well below 1.5
    flat = _write(tmp_path / "tfr.csv", "year,region,value\n2020,*,1.5\n")
    out = tmp_path / "flat"
    rc, stdout, err = _project(sample, out, capsys, "--tfr-path", str(flat))
    assert rc == 0 and "情景路径" in stdout
    assert "沿用" in err  # one given year: held to the end, with a warning
    tfr = _summary(out, "tfr").dropna()
    np.testing.assert_allclose(tfr.to_numpy(), 1.5, rtol=1e-6)
    births, births_medium = _summary(out, "births").dropna(), _summary(medium, "births").dropna()
    assert (births.to_numpy() > births_medium.to_numpy() * 1.2).all()
    # Milestones: linear in between; a named region overrides "*"; steps before the first
    # given year keep the variant's value.
    region = str(tfr.columns[0])
    other = str(tfr.columns[1])
    path = _write(tmp_path / "tfr2.csv", "year,region,value\n2021,*,1.2\n2023,*,1.6\n"
                  f"2020,{region},2.0\n2024,{region},1.0\n")
    out2 = tmp_path / "milestones"
    assert _project(sample, out2, capsys, "--tfr-path", str(path))[0] == 0
    tfr2 = _summary(out2, "tfr")
    np.testing.assert_allclose(tfr2.loc[[2020], other], base_tfr.loc[[2020], other], rtol=1e-6)
    np.testing.assert_allclose(tfr2.loc[[2021, 2022, 2023, 2024], other],
                               [1.2, 1.4, 1.6, 1.6], rtol=1e-6)
    np.testing.assert_allclose(tfr2.loc[[2020, 2022, 2024], region], [2.0, 1.5, 1.0],
                               rtol=1e-6)


def test_tfr_path_applies_on_top_of_the_variant(sample: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "tfr.csv", "year,region,value\n2022,*,1.8\n")
    out = tmp_path / "low"
    assert _project(sample, out, capsys, "--variant", "low", "--tfr-path", str(path))[0] == 0
    low = tmp_path / "low_only"
    assert _project(sample, low, capsys, "--variant", "low")[0] == 0
    tfr, tfr_low = _summary(out, "tfr"), _summary(low, "tfr")
    np.testing.assert_allclose(tfr.loc[[2020, 2021]], tfr_low.loc[[2020, 2021]], rtol=1e-9)
    np.testing.assert_allclose(tfr.loc[[2022, 2023, 2024]], 1.8, rtol=1e-6)


def test_e0_path_sets_life_expectancy(sample: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    medium = tmp_path / "medium"
    assert _project(sample, medium, capsys)[0] == 0
    region = str(_summary(medium, "e0_female").columns[0])
    path = _write(tmp_path / "e0.csv", "year,region,sex,value\n"
                  f"2020,{region},female,86\n2024,{region},female,88\n"
                  "2020,*,male,80\n")
    out = tmp_path / "e0"
    assert _project(sample, out, capsys, "--e0-path", str(path))[0] == 0
    e0f, e0m = _summary(out, "e0_female"), _summary(out, "e0_male")
    np.testing.assert_allclose(e0f.loc[2020:2024, region], [86, 86.5, 87, 87.5, 88], atol=0.01)
    np.testing.assert_allclose(e0m.loc[2020:2024].to_numpy(), 80, atol=0.01)
    # The other region's women keep their rates exactly.
    other = next(c for c in e0f.columns if c != region)
    np.testing.assert_allclose(e0f.loc[2020:2024, other],
                               _summary(medium, "e0_female").loc[2020:2024, other], rtol=1e-12)


def test_migration_path_totals_with_and_without_a_pattern(
        sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "mig.csv", "year,region,value\n2020,*,500\n2024,*,-300\n")
    out = tmp_path / "mig"
    assert _project(sample, out, capsys, "--migration-path", str(path))[0] == 0
    expected = [500, 300, 100, -100, -300]
    # The sample also moves people between its two regions: net migration per region
    # includes those moves, their sum over the regions is the external total.
    np.testing.assert_allclose(_summary(out, "net_migration").loc[2020:2024].sum(axis=1),
                               np.array(expected) * 2, rtol=1e-6)
    # zero-migration removes the input's pattern: the totals follow a Rogers–Castro profile.
    out0 = tmp_path / "mig0"
    rc, _, _ = _project(sample, out0, capsys, "--variant", "zero-migration",
                        "--migration-path", str(path))
    assert rc == 0
    np.testing.assert_allclose(_summary(out0, "net_migration").loc[2020:2024].to_numpy(),
                               np.array(expected)[:, None] * [1, 1], rtol=1e-6)


@pytest.mark.parametrize(("option", "text", "row", "column"), [
    ("--tfr-path", "year,region,value\n2020,*,1.5\n2021,*,abc\n", 3, "value"),
    ("--tfr-path", "year,region,value\n2020,*,1.5\n2021,*,-1\n", 3, "value"),
    ("--tfr-path", "year,region,value\n2019,*,1.5\n", 2, "year"),
    ("--tfr-path", "year,region,value\n2020,nowhere,1.5\n", 2, "region"),
    ("--e0-path", "year,region,sex,value\n2020,*,female,86\n2021,*,other,86\n", 3, "sex"),
    ("--e0-path", "year,region,sex,value\n2020,*,female,186\n", 2, "value"),
    ("--migration-path", "year,region,value\n2020,*,100\n2020.5,*,100\n", 3, "year"),
])
def test_bad_path_rows_exit_2_naming_file_row_and_column(
        sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str,
        text: str, row: int, column: str) -> None:
    path = _write(tmp_path / "path_file.csv", text)
    rc, _, err = _project(sample, tmp_path / "out", capsys, option, str(path))
    assert rc == 2
    assert "path_file.csv" in err and f"第 {row} 行" in err and f"列 {column}" in err


def test_path_file_problems_exit_2(sample: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = _project(sample, tmp_path / "o1", capsys, "--tfr-path",
                          str(tmp_path / "missing.csv"))
    assert rc == 2 and "missing.csv" in err
    wrong = _write(tmp_path / "wrong.csv", "year,value\n2020,1.5\n")
    rc, _, err = _project(sample, tmp_path / "o2", capsys, "--tfr-path", str(wrong))
    assert rc == 2 and "wrong.csv" in err and "region" in err
    dup = _write(tmp_path / "dup.csv", "year,region,value\n2020,*,1.5\n2020,*,1.6\n")
    rc, _, err = _project(sample, tmp_path / "o3", capsys, "--tfr-path", str(dup))
    assert rc == 2 and "dup.csv" in err and "重复" in err
