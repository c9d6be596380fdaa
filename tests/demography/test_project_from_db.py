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
