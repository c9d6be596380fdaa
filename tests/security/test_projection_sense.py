"""Projection inputs checked for sense: rates and populations outside their domain are
InputErrors naming file, row and column; net emigration larger than a cohort is capped at
zero, reported by region and year, and never leaves negative deaths or populations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from renkou.demography.projection import ProjectionInputs, project
from renkou.errors import InputError
from renkou.projection.io import load_projection
from renkou.projection.output import write_outputs
from renkou.projection.sample import write_sample_inputs

A = 101
AGES = np.arange(A)


def _inputs(migration: np.ndarray, timing: str = "mid-year") -> ProjectionInputs:
    y, r = migration.shape[0], migration.shape[-3]
    m = 0.0002 + 0.00003 * np.exp(0.095 * AGES)
    mx = np.minimum(np.stack([m * 1.3, m * 0.8]), 0.9)
    x = np.arange(15, 50)
    f = np.exp(-0.5 * ((x - 29) / 5.5) ** 2)
    return ProjectionInputs(
        base_year=2020, end_year=2020 + y,
        population=np.broadcast_to(1000.0 * np.exp(-0.008 * AGES), (r, 2, A)).copy(),
        asfr=np.broadcast_to(1.4 * f / f.sum(), (y, r, 35)).copy(),
        mx=np.broadcast_to(mx, (y, r, 2, A)).copy(), srb=np.full((y, r), 1.06),
        net_migration=migration, migration_timing=timing, region_codes=("A", "B")[:r])


@pytest.mark.parametrize("timing", ["start", "mid-year", "end"])
def test_emigration_beyond_a_cohort_is_capped_and_reported(timing: str) -> None:
    mig = np.zeros((3, 2, 2, A))
    mig[1, 0, 0, 30] = -50_000.0  # region A, men aged 30, in the second step: far beyond
    res = project(_inputs(mig, timing))
    assert res.deaths.min() >= 0.0
    assert res.population.min() >= 0.0
    capped = res.emigration_capped
    assert capped is not None and capped.shape == (3, 2)
    # Half of the movers fall in each end-of-step slot; the cohorts held about 1,600 men.
    cohorts = res.population[1, 0, 0, 29:31].sum()
    assert capped[1, 0] == pytest.approx(50_000.0 - cohorts, rel=0.05)
    assert capped[0].sum() == 0.0 and capped[2].sum() == 0.0 and capped[:, 1].sum() == 0.0


def test_no_cap_is_reported_when_emigration_fits() -> None:
    mig = np.zeros((3, 1, 2, A))
    mig[:, 0, :, 20:40] = -5.0
    res = project(_inputs(mig))
    assert res.emigration_capped is None


def test_summary_reports_capped_persons(tmp_path: Path) -> None:
    mig = np.zeros((3, 2, 2, A))
    mig[1, 1, 1, 50] = -20_000.0
    res = project(_inputs(mig))
    write_outputs(res, tmp_path)
    summary = pd.read_csv(tmp_path / "summary.csv", dtype={"region": str})
    cut = summary[summary["indicator"] == "emigration_capped"]
    assert list(zip(cut["year"], cut["region"], strict=True)) == [(2021, "B")]
    capped = res.emigration_capped
    assert capped is not None
    assert cut["value"].iloc[0] == pytest.approx(capped[1, 1], abs=1e-6)
    deaths = pd.read_csv(tmp_path / "deaths.csv")
    assert deaths["value"].min() >= 0.0


@pytest.fixture()
def sample(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    write_sample_inputs(d, 2020, 2023)
    return d


def _edit(d: Path, stem: str, row: int, value: str) -> None:
    """Set ``value`` of spreadsheet row ``row`` (header = 1) of ``stem``.csv."""
    df = pd.read_csv(d / f"{stem}.csv", dtype=str, keep_default_na=False)
    df.loc[row - 2, "value"] = value
    df.to_csv(d / f"{stem}.csv", index=False)


@pytest.mark.parametrize(("stem", "value", "words"), [
    ("population", "1e308", "10000000000"),
    ("population", "2e10", "10000000000"),
    ("population", "-3", "负数"),
    ("population", "inf", "不是有效数字"),
    ("population", "nan", "不是有效数字"),
    ("mortality", "1.5", "大于 1"),
    ("mortality", "1e308", "大于 1"),
    ("mortality", "-0.01", "负数"),
    ("asfr", "1.2", "大于 1"),
    ("asfr", "-0.1", "负数"),
    ("srb", "1e308", ""),
    ("migration", "1e308", "10000000000"),
    ("migration", "-inf", "不是有效数字"),
])
def test_value_outside_its_domain_names_file_row_and_column(
        sample: Path, stem: str, value: str, words: str) -> None:
    if not (sample / f"{stem}.csv").exists():
        pytest.fail(f"the sample input directory has no {stem}.csv")
    df = pd.read_csv(sample / f"{stem}.csv", dtype=str)
    row = 2 + len(df) // 2
    if stem == "asfr":
        row = 2 + int(np.flatnonzero(df["age"].astype(int) == 30)[0])
    _edit(sample, stem, row, value)
    with pytest.raises(InputError) as exc:
        load_projection(sample)
    err = exc.value
    assert (err.file, err.row, err.column) == (f"{stem}.csv", row, "value")
    assert words in err.message


def test_mortality_above_one_is_accepted_when_the_input_says_so(sample: Path) -> None:
    df = pd.read_csv(sample / "mortality.csv", dtype=str)
    row = 2 + int(np.flatnonzero(df["age"].astype(int) == 100)[0])
    _edit(sample, "mortality", row, "1.4")
    with pytest.raises(InputError):
        load_projection(sample)
    with (sample / "projection.toml").open("a", encoding="utf-8") as f:
        f.write("mx_max = 2.0\n")
    loaded = load_projection(sample)
    assert loaded.inputs.mx.max() == pytest.approx(1.4)
    (sample / "projection.toml").write_text(
        (sample / "projection.toml").read_text(encoding="utf-8").replace("2.0", "3.0"),
        encoding="utf-8")
    with pytest.raises(InputError, match="mx_max"):
        load_projection(sample)


def test_migration_path_beyond_any_population_is_refused(sample: Path, tmp_path: Path) -> None:
    from renkou.projection.paths import read_migration_path

    inputs = load_projection(sample).inputs
    path = tmp_path / "mig.csv"
    code = inputs.region_codes[0]
    path.write_text(f"year,region,value\n2020,{code},100\n2021,{code},1e308\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_migration_path(path, inputs)
    assert (exc.value.file, exc.value.row, exc.value.column) == ("mig.csv", 3, "value")


def test_written_inputs_with_rates_above_one_read_back(tmp_path: Path) -> None:
    import dataclasses

    from renkou.projection.output import write_input_directory

    inputs = _inputs(np.zeros((3, 1, 2, A)))
    mx = inputs.mx.copy()
    mx[..., -1] = 1.3
    d = write_input_directory(dataclasses.replace(inputs, mx=mx), tmp_path / "in")
    assert load_projection(d).inputs.mx.max() == pytest.approx(1.3)


def test_project_run_reports_the_cap_in_its_summary(sample: Path, tmp_path: Path) -> None:
    from renkou.app.projection import run_projection

    df = pd.read_csv(sample / "migration.csv", dtype=str, keep_default_na=False)
    row = int(np.flatnonzero((df["year"] == "2021") & (df["sex"] == "female")
                             & (df["age"] == "40"))[0])
    df.loc[row, "value"] = "-1000000"
    df.to_csv(sample / "migration.csv", index=False)
    run = run_projection(sample, tmp_path / "out")
    summary = pd.read_csv(tmp_path / "out" / "summary.csv", dtype={"region": str})
    cut = summary[summary["indicator"] == "emigration_capped"]
    assert list(cut["year"]) == [2021]
    assert list(cut["region"]) == [df.loc[row, "region"]]
    # All but the women of the two cohorts the movers fall in (some thousands) are cut off.
    women = run.result.population[1, :, 1, 39:42].max()
    assert 1_000_000 - 3 * women < cut["value"].iloc[0] < 1_000_000
    assert run.result.deaths.min() >= 0.0 and run.result.population.min() >= 0.0
    assert any("emigration_capped" in w for w in run.warnings)  # the command says so
