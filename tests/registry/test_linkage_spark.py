"""The linkage on Spark (Splink's Spark backend) reaches the DuckDB engine's decisions on a
small dirty city, from the same model definition.

What is compared, and why two ways:

- With one model (the probabilities the DuckDB run trained, handed to both engines), the
  two engines score exactly the same candidate pairs with the same comparison weights: the
  blocking rules and every comparison level (DuckDB SQL, translated for Spark; Splink's
  Scala similarity functions in place of DuckDB's built-ins) agree pair for pair.
- Trained on each engine, the u probabilities come from random samples of pairs drawn by
  each engine's own random generator (a seed repeats a sample on one engine only) and
  expectation maximisation starts from them, so the probabilities, and with them the match
  probabilities, differ slightly. The decisions are compared: F1 against the truth at the
  default threshold within 0.002 of DuckDB's, and the accepted, duplicate and review rows
  (row → person) the same for all but 0.5 % of the dirty rows."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from renkou.app.linkage import run_link
from renkou.cli.main import app
from renkou.registry.ingest import ingest_directory
from renkou.registry.keyring import store_keys
from renkou.registry.linkage.link import LinkResult
from renkou.registry.linkage.model import SPARK_FUNCTIONS, Workspace, condition, levels, score
from renkou.registry.linkage.on_spark import score_on_spark
from renkou.registry.linkage.persons import comparison_tables, load_persons
from renkou.registry.linkage.settle import ensure_links, private_folder
from renkou.registry.linkage.source import linkable_feeds, pending_rows
from renkou.registry.spark.session import SparkOptions, start_session
from renkou.registry.store import Store
from renkou.registry.synth import generate_city, write_feeds
from renkou.settings import get_settings

PERSONS, SEED = 3000, 5
F1_TOLERANCE = 0.002
DIFFERENT_SHARE = 0.005


def test_every_level_translates_to_spark() -> None:
    spark = [condition(lv["sql_condition"], "spark").lower()
             for lvs in levels().values() for lv in lvs]
    text = " ".join(spark)
    for duck, theirs in SPARK_FUNCTIONS.items():
        assert f"{theirs}(" in text
        if duck != theirs:
            assert f"{duck}(" not in text
    assert "size(districts_l) = 0" in text and "array_length" not in text
    assert condition("ELSE", "spark") == "ELSE"
    # The source dialect runs the text as written.
    assert [condition(lv["sql_condition"], "duckdb") for lvs in levels().values()
            for lv in lvs] == [lv["sql_condition"] for lvs in levels().values() for lv in lvs]


def test_cli_refuses_an_unknown_engine(tmp_path: Path) -> None:
    got = CliRunner().invoke(app, ["registry", "link", "--db", str(tmp_path / "x.duckdb"),
                                   "--engine", "hive"])
    assert got.exit_code != 0 and "未知的计算引擎" in str(got.exception)


@pytest.fixture(scope="module")
def dirty_city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("dirty-spark")
    write_feeds(generate_city(PERSONS, SEED), out / "feeds", dirty_ids=0.05)
    db = out / "store.duckdb"
    with Store(db) as store:
        ingest_directory(store, out / "feeds")
    return out, db


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> object:
    """One local session (with Splink's similarity jar, as every session), joined by every
    Spark run here."""
    scratch = tmp_path_factory.mktemp("spark-scratch")
    session = start_session(SparkOptions(master="local[2]", driver_memory="1g",
                                         shuffle_partitions=4, local_dir=scratch,
                                         warehouse_dir=scratch / "warehouse"))
    yield session
    session.stop()


def _copy(src: Path, dst: Path) -> Path:
    shutil.copy(src, dst)
    shutil.copy(src.with_name(src.name + ".keys"), dst.with_name(dst.name + ".keys"))
    return dst


@dataclass
class Run:
    result: LinkResult
    table: pd.DataFrame  # accuracy by threshold
    links: pd.DataFrame  # the store's decisions: feed, record_id, pid, status
    model: dict[str, Any]


def _run(dirty_city: tuple[Path, Path], engine: str) -> Run:
    """``registry link`` with the truth on a copy of the city."""
    out, db0 = dirty_city
    db = _copy(db0, out / f"{engine}.duckdb")
    result, table = run_link(db, get_settings(), truth=out / "feeds" / "truth" / "links.csv",
                             report=out / f"{engine}.csv", engine=engine)
    assert table is not None
    with Store(db, read_only=True) as store:
        links = store.frame("SELECT feed, record_id, pid, status FROM links")
        model = json.loads(str(store.scalar(
            "SELECT value FROM store_meta WHERE key = 'linkage_model'")))
    return Run(result, table, links, model)


@pytest.fixture(scope="module")
def duckdb_run(dirty_city: tuple[Path, Path]) -> Run:
    return _run(dirty_city, "duckdb")


@pytest.fixture(scope="module")
def spark_run(dirty_city: tuple[Path, Path], spark: object) -> Run:
    return _run(dirty_city, "spark")


@pytest.mark.slow
def test_spark_reaches_the_duckdb_decisions(duckdb_run: Run, spark_run: Run,
                                            dirty_city: tuple[Path, Path]) -> None:
    out, _ = dirty_city
    duck, sp = duckdb_run, spark_run
    f1 = {e: float(r.table[r.table["default"] == "*"].iloc[0]["f1"])
          for e, r in (("duckdb", duck), ("spark", sp))}
    assert f1["duckdb"] >= 0.99 and abs(f1["spark"] - f1["duckdb"]) <= F1_TOLERANCE, f1
    assert sp.result.counts["accepted"] > 0 and sp.result.link_batch is not None
    rows = len(pd.read_csv(out / "feeds" / "truth" / "links.csv"))
    for status in ("accepted", "duplicate", "review"):
        # The same row given the same person (pid) with this status by both engines.
        d = duck.links[duck.links["status"] == status]
        s = sp.links[sp.links["status"] == status]
        same = d.merge(s, on=["feed", "record_id", "pid"])
        differ = len(d) + len(s) - 2 * len(same)
        assert differ <= DIFFERENT_SHARE * rows, (status, differ, rows)
    for engine in ("duckdb", "spark"):
        assert not list(out.glob(f".{engine}.duckdb.linkage"))  # extract and scratch gone


@pytest.mark.slow
def test_one_model_scores_the_same_pairs_on_both_engines(
        duckdb_run: Run, dirty_city: tuple[Path, Path], spark: object) -> None:
    out, db0 = dirty_city
    model = duckdb_run.model
    db = _copy(db0, out / "pairs.duckdb")
    settings = get_settings()
    with Store(db) as store:
        keys = store_keys(store, settings)
        assert keys is not None
        ensure_links(store)
        folder = private_folder(store)
        (folder / "work").mkdir(mode=0o700)
        ws = Workspace("1GB", 1, folder / "work")
        try:
            n_rows = pending_rows(store, ws, linkable_feeds(), folder / "work")
            n_persons = load_persons(store, ws, keys)
            comparison_tables(ws)
            assert n_rows > 500
            pairs: dict[str, pa.Table] = {}
            # One row passed as the count: below the training minimum, so each engine
            # takes the given model as it is instead of training its own.
            score(ws, "cmp_rows", "cmp_persons", 1, n_persons, trained=model)
            pairs["duckdb"] = ws.arrow("SELECT * FROM pairs ORDER BY rid, pno")
            score_on_spark(ws, "cmp_rows", "cmp_persons", 1, n_persons, folder,
                           trained=model)
            pairs["spark"] = ws.arrow("SELECT * FROM pairs ORDER BY rid, pno")
        finally:
            ws.close()
            shutil.rmtree(folder, ignore_errors=True)
    duck, sp = (pairs[e].to_pandas() for e in ("duckdb", "spark"))
    assert len(duck) >= n_rows // 2
    assert duck[["rid", "pno"]].astype("int64").equals(sp[["rid", "pno"]].astype("int64"))
    weights = [c for c in duck.columns if c.startswith("mw_")] + ["w"]
    pd.testing.assert_frame_equal(duck[weights], sp[weights], check_exact=False, atol=1e-9)
