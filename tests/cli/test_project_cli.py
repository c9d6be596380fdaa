"""``renkou project``: the file contract, variants, formats, and clear errors for bad input."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from renkou.cli.main import main
from renkou.projection.sample import write_sample_inputs

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "project_sample"
REQUIRED_INDICATORS = {"total", "births", "deaths", "tfr", "e0_male", "e0_female", "share_0_14",
                       "share_15_64", "share_60_plus", "share_65_plus", "old_age_dependency",
                       "total_dependency"}


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    shutil.copytree(SAMPLE, d)
    return d


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(args)
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def test_fixture_is_what_the_generator_writes(tmp_path: Path) -> None:
    fresh = write_sample_inputs(tmp_path / "s", 2020, 2025)
    for f in SAMPLE.glob("*.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(f), pd.read_csv(fresh / f.name))


def test_outputs_follow_the_contract(sample: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    rc, stdout, _ = _run(["project", str(sample), "--out", str(out)], capsys)
    assert rc == 0 and "预测完成" in stdout
    pop = pd.read_csv(out / "population.csv", dtype={"region": str})
    assert list(pop.columns) == ["year", "region", "sex", "age", "value"]
    assert sorted(pop.year.unique()) == list(range(2020, 2026))
    base = pd.read_csv(sample / "population.csv", dtype={"region": str})
    merged = base.merge(pop[pop.year == 2020], on=["region", "sex", "age"])
    assert len(merged) == len(base)
    np.testing.assert_allclose(merged.value_x, merged.value_y, atol=1e-6)
    births = pd.read_csv(out / "births.csv")
    assert list(births.columns) == ["year", "region", "sex", "value"]
    assert sorted(births.year.unique()) == list(range(2020, 2025))
    deaths = pd.read_csv(out / "deaths.csv")
    assert list(deaths.columns) == ["year", "region", "sex", "age", "value"]
    summary = pd.read_csv(out / "summary.csv", dtype={"region": str})
    assert list(summary.columns) == ["year", "region", "indicator", "value"]
    assert REQUIRED_INDICATORS <= set(summary.indicator)
    s = summary.set_index(["year", "region", "indicator"]).value
    assert s[(2020, "120111", "tfr")] == pytest.approx(1.0, abs=1e-4)
    total_2021 = pop[(pop.year == 2021) & (pop.region == "120111")].value.sum()
    assert s[(2021, "120111", "total")] == pytest.approx(total_2021, rel=1e-9)
    assert s[(2020, "120111", "births")] == pytest.approx(
        births[(births.year == 2020) & (births.region == 120111)].value.sum(), rel=1e-9)
    assert s[(2020, "120111", "deaths")] == pytest.approx(
        deaths[(deaths.year == 2020) & (deaths.region == 120111)].value.sum(), rel=1e-9)
    assert np.isnan(s[(2025, "120111", "births")])  # no step starts in the end year
    assert not (out / "quantiles.csv").exists()


def test_variants_order_births(sample: Path, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    births = {}
    for v in ("low", "medium", "high", "constant-fertility", "zero-migration"):
        out = tmp_path / v
        assert _run(["project", str(sample), "--out", str(out), "--variant", v], capsys)[0] == 0
        births[v] = pd.read_csv(out / "births.csv").value.sum()
    assert births["low"] < births["medium"] < births["high"]
    assert births["constant-fertility"] == pytest.approx(births["medium"], rel=1e-9)
    assert births["zero-migration"] < births["medium"]  # immigrants are young adults
    rc, _, err = _run(["project", str(sample), "--out", str(tmp_path / "x"), "--variant",
                       "extreme"], capsys)
    assert rc == 2 and "extreme" in err


def test_parquet_and_xlsx_inputs_give_the_same_result(sample: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["project", str(sample), "--out", str(tmp_path / "csv")], capsys)[0] == 0
    pq = tmp_path / "pq"
    pq.mkdir()
    shutil.copy(sample / "projection.toml", pq)
    for f in sample.glob("*.csv"):
        pd.read_csv(f, dtype=str).to_parquet(pq / f"{f.stem}.parquet")
    assert _run(["project", str(pq), "--out", str(tmp_path / "pq_out")], capsys)[0] == 0
    xl = tmp_path / "xl"
    xl.mkdir()
    shutil.copy(sample / "projection.toml", xl)
    with pd.ExcelWriter(xl / "inputs.xlsx") as w:
        for stem in ("population", "asfr", "mortality", "srb"):
            pd.read_csv(sample / f"{stem}.csv").to_excel(w, sheet_name=stem, index=False)
    assert _run(["project", str(xl), "--out", str(tmp_path / "xl_out")], capsys)[0] == 0
    # Settings may also be a sheet "projection" (key, value) instead of projection.toml.
    (xl / "projection.toml").unlink()
    with pd.ExcelWriter(xl / "inputs.xlsx", mode="a") as w:
        pd.DataFrame({"key": ["base_year", "end_year"], "value": [2020, 2025]}).to_excel(
            w, sheet_name="projection", index=False)
    assert _run(["project", str(xl), "--out", str(tmp_path / "xl_out2")], capsys)[0] == 0
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "xl_out" / "population.csv"),
                                  pd.read_csv(tmp_path / "xl_out2" / "population.csv"))
    a = pd.read_csv(tmp_path / "csv" / "population.csv")
    b = pd.read_csv(tmp_path / "pq_out" / "population.csv")
    pd.testing.assert_frame_equal(a, b)
    c = pd.read_csv(tmp_path / "xl_out" / "population.csv")
    assert c.value.sum() != a.value.sum()  # no migration sheets in the workbook
    assert c[c.year == 2020].value.sum() == pytest.approx(a[a.year == 2020].value.sum())


def _edit(path: Path, row: int, column: str, value: str) -> None:
    """Set a cell; ``row`` is spreadsheet-style (header = row 1)."""
    df = pd.read_csv(path, dtype=str)
    df.loc[row - 2, column] = value
    df.to_csv(path, index=False)


@pytest.mark.parametrize(("file", "row", "column", "value", "expect"), [
    ("asfr.csv", 7, "value", "-0.01", ["asfr.csv", "第 7 行", "负数"]),
    ("mortality.csv", 12, "value", "abc", ["mortality.csv", "第 12 行", "不是有效数字"]),
    ("population.csv", 5, "age", "150", ["population.csv", "第 5 行", "超出范围"]),
    ("population.csv", 9, "sex", "unknown", ["population.csv", "第 9 行", "性别"]),
    ("srb.csv", 3, "region", "999999", ["srb.csv", "第 3 行", "999999"]),
    ("asfr.csv", 4, "age", "12", ["asfr.csv", "第 4 行", "15–49"]),
    ("migration.csv", 6, "region", "120101", ["migration.csv", "第 6 行", "120101"]),
    ("internal_migration.csv", 8, "value", "1.5", ["internal_migration.csv", "第 8 行"]),
])
def test_bad_values_name_file_and_row(sample: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str], file: str, row: int,
                                      column: str, value: str, expect: list[str]) -> None:
    _edit(sample / file, row, column, value)
    rc, _, err = _run(["project", str(sample), "--out", str(tmp_path / "o")], capsys)
    assert rc == 2
    for text in expect:
        assert text in err, err
    assert not (tmp_path / "o" / "population.csv").exists()


def test_duplicate_rows_are_reported(sample: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    df = pd.read_csv(sample / "srb.csv", dtype=str)
    pd.concat([df, df.iloc[[2]]]).to_csv(sample / "srb.csv", index=False)
    rc, _, err = _run(["project", str(sample), "--out", str(tmp_path / "o")], capsys)
    assert rc == 2 and "重复" in err and "第 4、" in err


def test_missing_file_column_and_config(sample: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    (sample / "mortality.csv").unlink()
    rc, _, err = _run(["project", str(sample), "--out", str(tmp_path / "o")], capsys)
    assert rc == 2 and "mortality" in err
    shutil.copy(SAMPLE / "mortality.csv", sample)
    pd.read_csv(sample / "asfr.csv").rename(columns={"age": "age_group"}).to_csv(
        sample / "asfr.csv", index=False)
    rc, _, err = _run(["project", str(sample), "--out", str(tmp_path / "o")], capsys)
    assert rc == 2 and "asfr.csv" in err and "age" in err
    shutil.copy(SAMPLE / "asfr.csv", sample)
    (sample / "projection.toml").write_text("base_year = 2020\n", encoding="utf-8")
    rc, _, err = _run(["project", str(sample), "--out", str(tmp_path / "o")], capsys)
    assert rc == 2 and "end_year" in err
    rc, _, err = _run(["project", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")],
                      capsys)
    assert rc == 2


def test_missing_ages_and_regions(sample: Path, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    df = pd.read_csv(sample / "mortality.csv", dtype=str)
    df = df[~((df.region == "120112") & (df.age == "37"))]
    df.to_csv(sample / "mortality.csv", index=False)
    rc, _, err = _run(["project", str(sample), "--out", str(tmp_path / "o")], capsys)
    assert rc == 2 and "mortality.csv" in err and "age=37" in err and "120112" in err


def test_rates_for_fewer_years_are_held_with_a_warning(
        sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (sample / "projection.toml").write_text("base_year = 2020\nend_year = 2030\n",
                                            encoding="utf-8")
    rc, _, err = _run(["project", str(sample), "--out", str(tmp_path / "o")], capsys)
    assert rc == 0 and "警告" in err and "沿用 2024" in err
    s = pd.read_csv(tmp_path / "o" / "summary.csv")
    tfr = s[s.indicator == "tfr"].dropna()
    assert tfr.year.max() == 2029 and np.allclose(tfr.value, 1.0, atol=1e-4)
    # The base year itself is required.
    (sample / "projection.toml").write_text("base_year = 2019\nend_year = 2030\n",
                                            encoding="utf-8")
    rc, _, err = _run(["project", str(sample), "--out", str(tmp_path / "o2")], capsys)
    assert rc == 2 and "2019" in err


def test_srb_per_hundred_is_accepted(sample: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["project", str(sample), "--out", str(tmp_path / "a")], capsys)[0] == 0
    df = pd.read_csv(sample / "srb.csv")
    df["value"] = df.value * 100
    df.to_csv(sample / "srb.csv", index=False)
    rc, _, err = _run(["project", str(sample), "--out", str(tmp_path / "b")], capsys)
    assert rc == 0 and "100" in err
    a = pd.read_csv(tmp_path / "a" / "births.csv")
    b = pd.read_csv(tmp_path / "b" / "births.csv")
    np.testing.assert_allclose(a.value, b.value, rtol=1e-9)


def test_sample_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = _run(["project-sample", str(tmp_path / "s")], capsys)
    assert rc == 0 and "renkou project" in out and (tmp_path / "s" / "projection.toml").exists()
    assert _run(["project", str(tmp_path / "s"), "--out", str(tmp_path / "o")], capsys)[0] == 0


def test_trajectories_write_quantiles(sample: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    args = ["project", str(sample), "--trajectories", "40", "--seed", "11", "--out"]
    assert _run([*args, str(tmp_path / "a")], capsys)[0] == 0
    assert _run([*args, str(tmp_path / "b")], capsys)[0] == 0
    q = pd.read_csv(tmp_path / "a" / "quantiles.csv", dtype={"region": str})
    assert list(q.columns) == ["year", "region", "indicator", "quantile", "value"]
    assert sorted(q["quantile"].unique()) == [0.025, 0.1, 0.5, 0.9, 0.975]
    assert REQUIRED_INDICATORS <= set(q.indicator)
    pd.testing.assert_frame_equal(q, pd.read_csv(tmp_path / "b" / "quantiles.csv",
                                                 dtype={"region": str}))  # same seed
    tot = q[(q.indicator == "total") & (q.year == 2025) & (q.region == "120111")]
    v = tot.set_index("quantile").value
    assert v[0.025] < v[0.5] < v[0.975]
    det = pd.read_csv(tmp_path / "a" / "summary.csv", dtype={"region": str})
    centre = det[(det.indicator == "total") & (det.year == 2025) & (det.region == "120111")]
    assert v[0.1] < float(centre.value.iloc[0]) < v[0.9]
    rc, _, err = _run(["project", str(sample), "--seed", "3", "--out", str(tmp_path / "c")],
                      capsys)
    assert rc == 2 and "--trajectories" in err


def _wpp_module():  # type: ignore[no-untyped-def]
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "demography" / "test_wpp_validation.py"
    spec = importlib.util.spec_from_file_location("_wpp_validation", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reproduces_wpp_through_files(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """India's WPP 2024 medium variant written as an input directory (steps labelled by
    their start year, calendar-year rates averaged) and run through the CLI."""
    from renkou.projection.output import write_input_directory

    wpp = _wpp_module()
    inputs = wpp.wpp_inputs(356)
    write_input_directory(dataclasses.replace(inputs, region_codes=("356",)), tmp_path / "in")
    assert _run(["project", str(tmp_path / "in"), "--out", str(tmp_path / "out")], capsys)[0] == 0
    s = pd.read_csv(tmp_path / "out" / "summary.csv")
    total = s[s.indicator == "total"].sort_values("year").value.to_numpy()
    rel = total / wpp.wpp_mid_year_totals(356) - 1
    assert np.abs(rel).max() < 0.002
    e0 = s[(s.indicator == "e0_female") & (s.year == 2030)].value.iloc[0]
    assert 70 < e0 < 80


def test_input_directory_round_trip(tmp_path: Path) -> None:
    from renkou.projection.io import load_projection
    from renkou.projection.output import write_input_directory

    first = load_projection(SAMPLE).inputs
    again = load_projection(write_input_directory(first, tmp_path / "copy")).inputs
    for name in ("population", "asfr", "mx", "srb", "net_migration", "internal_rates"):
        np.testing.assert_allclose(getattr(again, name), getattr(first, name), rtol=1e-9)
    assert again.region_codes == first.region_codes


def test_chinese_variant_names_and_output_guard(sample: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["project", str(sample), "--out", str(tmp_path / "a"), "--variant", "低方案"],
                capsys)[0] == 0
    assert _run(["project", str(sample), "--out", str(tmp_path / "b"), "--variant", "low"],
                capsys)[0] == 0
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "a" / "births.csv"),
                                  pd.read_csv(tmp_path / "b" / "births.csv"))
    rc, _, err = _run(["project", str(sample), "--out", str(sample)], capsys)
    assert rc == 2 and "输出目录" in err
    assert pd.read_csv(sample / "population.csv").shape[1] == 4  # input untouched


def test_open_age_written_with_plus_and_chinese_sexes(sample: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["project", str(sample), "--out", str(tmp_path / "a")], capsys)[0] == 0
    for name in ("population.csv", "mortality.csv"):
        df = pd.read_csv(sample / name, dtype=str)
        df.loc[df.age == "100", "age"] = "100+"
        df["sex"] = df.sex.map({"male": "男", "female": "女"})
        df.to_csv(sample / name, index=False)
    assert _run(["project", str(sample), "--out", str(tmp_path / "b")], capsys)[0] == 0
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "a" / "population.csv"),
                                  pd.read_csv(tmp_path / "b" / "population.csv"))


def test_death_rates_per_thousand_are_caught(sample: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    df = pd.read_csv(sample / "mortality.csv")
    df["value"] = df.value * 1000
    df.loc[df.value > 9, "value"] = 9.0  # stay under the per-cell cap: the pattern must tell
    df.to_csv(sample / "mortality.csv", index=False)
    rc, _, err = _run(["project", str(sample), "--out", str(tmp_path / "o")], capsys)
    assert rc == 2 and "mortality.csv" in err and "‰" in err


@pytest.mark.slow
def test_projection_inputs_from_a_registry(ingested_city: tuple[object, Path]) -> None:
    """The application service builds inputs from the store's counts: the base population
    is the store's residents of the area at the end of the base year, and the run goes on
    from there."""
    import datetime as dt

    from renkou.app.projection import registry_inputs
    from renkou.app.stores import registry_at
    from renkou.demography.projection import project

    _, db = ingested_city
    with registry_at(db) as registry:
        inputs = registry_inputs(registry, "120111", 2023, 2030)
        residents = registry.caliber(dt.date(2023, 12, 31), "resident", level="district",
                                     by=("region",))
    expected = float(residents.loc[residents["region"].astype(str) == "120111",
                                   "value"].sum())
    assert inputs.region_codes == ("120111",)
    assert (inputs.base_year, inputs.end_year) == (2023, 2030)
    assert float(inputs.population.sum()) == pytest.approx(expected)
    assert 0.5 < float(inputs.asfr[0, 0].sum()) < 3.0  # a TFR, from the store's births
    result = project(inputs)
    assert result.population.shape[0] == 2030 - 2023 + 1


def test_typed_parquet_inputs_give_the_same_result(sample: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Parquet with typed columns (integer years and ages, float values) is read as it is;
    region codes stay text even when a file gives them as integers."""
    assert _run(["project", str(sample), "--out", str(tmp_path / "csv")], capsys)[0] == 0
    pq = tmp_path / "pq"
    pq.mkdir()
    shutil.copy(sample / "projection.toml", pq)
    for f in sample.glob("*.csv"):
        df = pd.read_csv(f)  # typed: region read as integer here
        assert df["value"].dtype == np.float64 or df["value"].dtype == np.int64
        df.to_parquet(pq / f"{f.stem}.parquet")
    assert _run(["project", str(pq), "--out", str(tmp_path / "pq_out")], capsys)[0] == 0
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "csv" / "population.csv"),
                                  pd.read_csv(tmp_path / "pq_out" / "population.csv"))


def test_written_input_directory_reads_back_alike_in_both_formats(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from renkou.projection.io import load_projection
    from renkou.projection.output import write_input_directory

    first = load_projection(SAMPLE).inputs
    for fmt in ("csv", "parquet"):
        d = write_input_directory(first, tmp_path / fmt, fmt=fmt)
        assert (d / f"mortality.{fmt}").exists()
        again = load_projection(d).inputs
        assert again.region_codes == first.region_codes
        np.testing.assert_allclose(again.mx, first.mx, rtol=1e-9)
        np.testing.assert_allclose(again.population, first.population, rtol=1e-9)


def test_a_typed_read_that_fails_falls_back_to_checking_cells(
        sample: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """"100+" ages and leading zeros read as in the text contract; a bad number is named by
    its row in CSV and in Parquet alike."""
    pop = pd.read_csv(sample / "population.csv", dtype=str)
    codes = {c: f"0{c}" for c in pop.region.unique()}
    for stem in ("population", "asfr", "mortality", "srb", "migration"):
        f = sample / f"{stem}.csv"
        if f.exists():
            df = pd.read_csv(f, dtype=str)
            df["region"] = df["region"].map(codes)
            if "age" in df and stem != "asfr":
                df.loc[df.age == df.age.astype(int).max().astype(str), "age"] += "+"
            df.to_csv(f, index=False)
    for f in sample.glob("internal_migration.csv"):
        f.unlink()
    rc, _, err = _run(["project", str(sample), "--out", str(tmp_path / "o")], capsys)
    assert rc == 0, err
    out = pd.read_csv(tmp_path / "o" / "population.csv", dtype={"region": str})
    assert set(out.region) == set(codes.values())
    srb = pd.read_csv(sample / "srb.csv", dtype=str)
    srb.loc[3, "value"] = "abc"
    srb.to_csv(sample / "srb.csv", index=False)
    rc, _, err = _run(["project", str(sample), "--out", str(tmp_path / "o2")], capsys)
    assert rc == 2 and "srb.csv" in err and "第 5 行" in err and "abc" in err
    (sample / "srb.csv").unlink()
    srb.to_parquet(sample / "srb.parquet")
    rc, _, err = _run(["project", str(sample), "--out", str(tmp_path / "o3")], capsys)
    assert rc == 2 and "srb.parquet" in err and "第 5 行" in err and "abc" in err
