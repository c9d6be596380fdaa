"""``renkou project --from-db``: inputs built from the registry. The base year is the
registry's own count (as ``renkou registry stats`` gives it) cell for cell; a one-year run
without migration balances per area; the written inputs re-run to the same projection."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from renkou.cli.main import main
from renkou.registry import Registry

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from renkou.registry.synth import build_demo_store

    db = tmp_path_factory.mktemp("fromdb") / "store.duckdb"
    build_demo_store(db, 3_000, 5)
    return db


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(args)
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


@pytest.mark.parametrize(("caliber", "level"), [("resident", "district"), ("hukou", "street")])
def test_base_year_is_the_registry_count(store: Path, tmp_path: Path, caliber: str, level: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    as_of = Registry(store, read_only=True).data_through()
    assert as_of is not None
    out = tmp_path / "p"
    rc, stdout, err = _run(["project", "--from-db", str(store), "--as-of", as_of.isoformat(),
                            "--caliber", caliber, "--level", level, "--to",
                            str(as_of.year + 3), "--out", str(out)], capsys)
    assert rc == 0, err
    assert "预测完成" in stdout
    stats = tmp_path / "stats.csv"
    assert _run(["registry", "stats", "--db", str(store), "--as-of", as_of.isoformat(),
                 "--caliber", caliber, "--level", level, "--out", str(stats)], capsys)[0] == 0
    want = pd.read_csv(stats, dtype={"region": str})
    pop = pd.read_csv(out / "population.csv", dtype={"region": str})
    assert list(pop.columns) == ["year", "region", "sex", "age", "value"]
    base = pop[pop.year == as_of.year].drop(columns="year")
    both = base.merge(want, on=["region", "sex", "age"], how="outer",
                      suffixes=("", "_registry")).fillna(0.0)
    assert len(both) == len(base)  # every registry cell is a cell of the projection
    np.testing.assert_array_equal(both.value.to_numpy(), both.value_registry.to_numpy())
    assert set(base.region) == set(want.region)
    assert sorted(pop.year.unique()) == list(range(as_of.year, as_of.year + 4))
    for name in ("births.csv", "deaths.csv", "summary.csv"):
        assert (out / name).exists()
    config = tomllib.loads((out / "inputs" / "projection.toml").read_text(encoding="utf-8"))
    assert config["base_year"] == as_of.year and config["end_year"] == as_of.year + 3
    reg = config["registry"]
    assert reg["caliber"] == caliber and reg["level"] == level and reg["as_of"] == str(as_of)
    assert {"tfr_jurisdiction", "e0_male_standard", "e0_female_standard",
            "net_migration_per_year", "methods", "future"} <= set(reg)
    assert set(reg["areas"]) == set(want.region)
    assert 0.3 < reg["tfr_jurisdiction"] < 4 and 60 < reg["e0_female_standard"] < 100


def test_one_year_without_migration_balances_and_inputs_rerun(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    as_of = Registry(store, read_only=True).data_through()
    assert as_of is not None
    out = tmp_path / "p"
    assert _run(["project", "--from-db", str(store), "--as-of", as_of.isoformat(), "--to",
                 str(as_of.year + 1), "--out", str(out)], capsys)[0] == 0
    # The written inputs are a plain input directory: the same projection again.
    again = tmp_path / "again"
    assert _run(["project", str(out / "inputs"), "--out", str(again)], capsys)[0] == 0
    pd.testing.assert_frame_equal(pd.read_csv(out / "population.csv"),
                                  pd.read_csv(again / "population.csv"))
    # Net migration of the inputs adds up to the registry's balancing residual per year.
    mig = pd.read_csv(out / "inputs" / "migration.csv", dtype={"region": str})
    config = tomllib.loads((out / "inputs" / "projection.toml").read_text(encoding="utf-8"))
    assert mig.value.sum() == pytest.approx(config["registry"]["net_migration_per_year"],
                                            abs=0.01)
    # The spread of the window's yearly net migration sets the stochastic migration bounds,
    # centred on the yearly mean the inputs use.
    bounds = pd.read_csv(out / "inputs" / "migration_bounds.csv", dtype={"region": str})
    areas = config["registry"]["areas"]
    for row in bounds.itertuples():
        assert (row.lower80 + row.upper80) / 2 == pytest.approx(
            areas[row.region]["net_migration_per_year"], abs=0.01)
        assert row.lower95 <= row.lower80 <= row.upper80 <= row.upper95
    # Without migration: population change = births − deaths in every area and sex.
    plain = tmp_path / "nomig"
    shutil.copytree(out / "inputs", plain)
    (plain / "migration.csv").unlink()
    res = tmp_path / "res"
    assert _run(["project", str(plain), "--out", str(res)], capsys)[0] == 0
    pop = pd.read_csv(res / "population.csv", dtype={"region": str})
    births = pd.read_csv(res / "births.csv", dtype={"region": str})
    deaths = pd.read_csv(res / "deaths.csv", dtype={"region": str})
    p = pop.groupby(["year", "region"]).value.sum().unstack(0)
    change = p[as_of.year + 1] - p[as_of.year]
    natural = births.groupby("region").value.sum() - deaths.groupby("region").value.sum()
    np.testing.assert_allclose(change.sort_index(), natural.sort_index(), atol=1e-3)
    assert (births.groupby("region").value.sum() > 0).all()


def test_from_db_errors(store: Path, tmp_path: Path,
                        capsys: pytest.CaptureFixture[str]) -> None:
    through = Registry(store, read_only=True).data_through()
    assert through is not None
    late = f"{through.year + 1}-12-31"
    rc, _, err = _run(["project", "--from-db", str(store), "--as-of", late, "--to",
                       str(through.year + 5), "--out", str(tmp_path / "x")], capsys)
    assert rc != 0 and "库内数据截至" in err
    rc, _, err = _run(["project", str(tmp_path), "--from-db", str(store), "--as-of",
                       through.isoformat(), "--to", "2040", "--out", str(tmp_path / "y")],
                      capsys)
    assert rc != 0 and "二选一" in err
    rc, _, err = _run(["project", "--from-db", str(store), "--as-of", through.isoformat(),
                       "--to", "2040", "--level", "city", "--out", str(tmp_path / "z")], capsys)
    assert rc != 0 and "--level" in err


def test_streets_sum_to_districts_and_housing_adds_arrivals(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    as_of = Registry(store, read_only=True).data_through()
    assert as_of is not None
    common = ["project", "--from-db", str(store), "--as-of", as_of.isoformat(), "--level",
              "street", "--to", str(as_of.year + 4)]
    plain = tmp_path / "plain"
    assert _run([*common, "--out", str(plain)], capsys)[0] == 0
    streets = pd.read_csv(plain / "population.csv", dtype={"region": str})
    districts = pd.read_csv(plain / "districts" / "population.csv", dtype={"region": str})
    summed = (streets.assign(region=streets.region.str[:6])
              .groupby(["year", "region", "sex", "age"]).value.sum())
    both = districts.set_index(["year", "region", "sex", "age"]).value
    # Exact in memory; the files round each value to 6 decimals, sums of up to ~30 streets.
    np.testing.assert_allclose(summed.reindex(both.index, fill_value=0.0), both, atol=2e-5)
    for name in ("births.csv", "deaths.csv"):
        s = pd.read_csv(plain / name, dtype={"region": str})
        d = pd.read_csv(plain / "districts" / name, dtype={"region": str})
        keys = [c for c in d.columns if c not in ("region", "value")]
        np.testing.assert_allclose(
            s.assign(region=s.region.str[:6]).groupby(["region", *keys]).value.sum().sort_index(),
            d.groupby(["region", *keys]).value.sum().sort_index(), atol=2e-5)
    # Housing: 50 dwellings of 3 people in the most populous street in the second year.
    base = streets[streets.year == as_of.year].groupby("region").value.sum()
    street = str(base.idxmax())
    plan = tmp_path / "housing.csv"
    plan.write_text("region,year,dwellings,persons_per_dwelling,age_profile\n"
                    f"{street},{as_of.year + 1},50,3,fundamental\n", encoding="utf-8")
    built = tmp_path / "housing"
    assert _run([*common, "--out", str(built), "--housing", str(plan)], capsys)[0] == 0
    after = pd.read_csv(built / "population.csv", dtype={"region": str})
    year = as_of.year + 3
    gain = (after[(after.year == year) & (after.region == street)].value.sum()
            - streets[(streets.year == year) & (streets.region == street)].value.sum())
    assert 120 < gain < 170  # 150 arrivals, a few deaths and births since
    d_after = pd.read_csv(built / "districts" / "population.csv", dtype={"region": str})
    d_gain = (d_after[(d_after.year == year) & (d_after.region == street[:6])].value.sum()
              - districts[(districts.year == year) & (districts.region == street[:6])]
              .value.sum())
    assert d_gain == pytest.approx(gain, abs=15)
    assert (built / "inputs" / "housing.csv").exists()


def test_hukou_split_sums_to_the_residents_and_reruns(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    as_of = Registry(store, read_only=True).data_through()
    assert as_of is not None
    args = ["project", "--from-db", str(store), "--as-of", as_of.isoformat(), "--to",
            str(as_of.year + 5)]
    resident, split = tmp_path / "resident", tmp_path / "split"
    assert _run([*args, "--out", str(resident)], capsys)[0] == 0
    rc, stdout, err = _run([*args, "--split", "hukou", "--out", str(split)], capsys)
    assert rc == 0, err
    assert "户籍常住" in stdout
    keys = ["year", "region", "sex", "age"]
    pop = pd.read_csv(split / "population.csv", dtype={"region": str})
    assert list(pop.columns) == ["year", "region", "hukou_status", "sex", "age", "value"]
    assert set(pop.hukou_status) == {"hukou", "nonhukou"}
    assert (pop.value >= 0).all()
    want = pd.read_csv(resident / "population.csv", dtype={"region": str})
    both = pop.groupby(keys).value.sum().reset_index().merge(want, on=keys, how="outer",
                                                              suffixes=("", "_resident"))
    assert len(both) == len(want) and not both.isna().any().any()
    # Every cell, to the six decimals the files are written with.
    np.testing.assert_allclose(both.value, both.value_resident, rtol=0, atol=2e-6)
    # The base year splits the registry's residents by whether they hold local hukou.
    reg = Registry(store, read_only=True)
    status = reg.caliber(as_of, "resident", level="district",
                         by=("region", "sex", "age", "hukou_kind"))
    reg.close()
    local = status[status.hukou_kind != "none"].value.sum()
    base = pop[(pop.year == as_of.year) & (pop.hukou_status == "hukou")].value.sum()
    assert base == pytest.approx(local)
    assert 0 < local < status.value.sum()
    # The inputs re-run with plain ``renkou project`` to the same split.
    again = tmp_path / "again"
    assert _run(["project", str(split / "inputs"), "--out", str(again)], capsys)[0] == 0
    pd.testing.assert_frame_equal(pop, pd.read_csv(again / "population.csv",
                                                   dtype={"region": str}))
    config = tomllib.loads((split / "inputs" / "projection.toml").read_text(encoding="utf-8"))
    assert {"settlement", "settled_in_window", "hukou_residents",
            "nonhukou_residents"} <= set(config["hukou_split"])
    # Settlers from a file of admitted applicants replace the registry's rates: more
    # settlers, more hukou residents at the end.
    non = pop[(pop.year == as_of.year) & (pop.hukou_status == "nonhukou")]
    region = str(non.groupby("region").value.sum().idxmax())
    admitted = pd.DataFrame([(y, region, sex, age, 1.0) for y in range(as_of.year, as_of.year + 5)
                             for sex in ("male", "female") for age in range(20, 45)],
                            columns=["year", "district_code", "sex", "age", "settled"])
    admitted.to_csv(tmp_path / "admitted.csv", index=False)
    more = tmp_path / "more"
    rc, _, err = _run([*args, "--split", "hukou", "--settlement", str(tmp_path / "admitted.csv"),
                       "--out", str(more)], capsys)
    assert rc == 0, err
    assert (more / "inputs" / "settlement.csv").exists()
    assert not (more / "inputs" / "settlement_rate.csv").exists()
    got = pd.read_csv(more / "population.csv", dtype={"region": str})
    end = as_of.year + 5

    def hukou_at(df: pd.DataFrame) -> float:
        sel = (df.year == end) & (df.region == region) & (df.hukou_status == "hukou")
        return float(df[sel].value.sum())

    assert hukou_at(got) > hukou_at(pop)
    # A split needs the resident caliber.
    rc, _, err = _run([*args, "--caliber", "hukou", "--split", "hukou", "--out",
                       str(tmp_path / "bad")], capsys)
    assert rc == 2 and "--caliber resident" in err
