"""The store: schema, transactions (all-or-nothing), frames in and out."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from renkou.errors import StoreError
from renkou.registry.store import SCHEMA_VERSION, Store


def test_schema_created_once(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    Store(db).close()
    with Store(db) as store:
        assert store.scalar("SELECT count(*) FROM schema_version") == 1
        assert store.scalar("SELECT max(version) FROM schema_version") == SCHEMA_VERSION
        assert store.table_exists("identity") and store.table_exists("quarantine")


def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        store.execute("CREATE TABLE t (x INTEGER)")
        with pytest.raises(RuntimeError), store.transaction():
            store.execute("INSERT INTO t VALUES (1)")
            raise RuntimeError("boom")
        assert store.scalar("SELECT count(*) FROM t") == 0
        with store.transaction():
            store.execute("INSERT INTO t VALUES (2)")
        assert store.scalar("SELECT sum(x) FROM t") == 2


def test_write_frame_append_and_replace(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        df = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
        store.write_frame("app_t", df)
        store.write_frame("app_t", df)
        assert store.scalar("SELECT count(*) FROM app_t") == 4
        store.write_frame("app_t", df.head(1), mode="replace")
        assert store.frame("SELECT * FROM app_t")["b"].tolist() == ["x"]
        with pytest.raises(StoreError):
            store.write_frame("bad name;", df)


def test_read_only_missing_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        Store(tmp_path / "none.duckdb", read_only=True)


def test_sql_errors_become_store_errors(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store, pytest.raises(StoreError):
        store.frame("SELECT * FROM no_such_table")


def test_registry_app_tables_and_empty_store(tmp_path: Path) -> None:
    from datetime import date

    from renkou.registry import Registry

    with Registry(tmp_path / "r.duckdb") as reg:
        assert reg.caliber(date(2020, 11, 1), "resident").empty  # empty store answers
        df = pd.DataFrame({"indicator": ["tfr", "e0"], "value": [1.1, 81.0]})
        reg.write_table("indicator_values", df)
        reg.write_table("app_indicator_values", df)
        got = reg.read_table("indicator_values", where={"indicator": "e0"})
        assert got["value"].tolist() == [81.0, 81.0]
        reg.write_table("indicator_values", df.head(1), mode="replace")
        assert len(reg.read_table("app_indicator_values")) == 1
        with pytest.raises(StoreError):
            reg.read_table("nothing_here")
        events = reg.store.frame("SELECT * FROM events")
        assert list(events.columns)[:3] == ["pid", "event", "valid_date"]
    with pytest.raises(StoreError):
        Registry(tmp_path / "missing.duckdb", read_only=True)


def test_run_steps_in_order_with_bound_params(tmp_path: Path) -> None:
    from renkou.registry.store import SqlStep

    steps = [SqlStep("create", "CREATE TABLE t (x INTEGER)"),
             SqlStep("insert", "INSERT INTO t VALUES ($v)", {"v": 41}),
             SqlStep("raise", "UPDATE t SET x = x + 1")]
    profile = tmp_path / "profile.tsv"
    with Store(tmp_path / "s.duckdb", profile=profile) as store:
        store.run_steps(steps)
        assert store.scalar("SELECT x FROM t") == 42
    assert "41" not in repr(steps[1])  # bound values (key material) are never printed
    logged = [line.split("\t")[2] for line in profile.read_text().splitlines()]
    assert [s for s in logged if s.startswith(("CREATE TABLE t", "INSERT INTO t", "UPDATE t"))
            ] == ["CREATE TABLE t (x INTEGER)", "INSERT INTO t VALUES ($v)",
                  "UPDATE t SET x = x + 1"]


def test_resources_come_from_the_settings_passed_in(tmp_path: Path) -> None:
    from renkou.settings import Settings

    settings = Settings(duckdb_memory="512MB", duckdb_threads=1,
                        duckdb_scratch_memory="256MB")
    limit = "SELECT current_setting('memory_limit')"
    with Store(tmp_path / "s.duckdb", settings=settings) as store:
        assert store.scalar("SELECT current_setting('threads')") == 1
        assert store.scalar(limit) == "488.2 MiB"  # 512 MB as DuckDB reports it
        with store.memory_limit("256MB"):
            assert store.scalar(limit) == "244.1 MiB"
        assert store.scalar(limit) == "488.2 MiB"
        with store.scratch() as scratch:
            assert scratch.scalar(limit) == "244.1 MiB"
            assert scratch.scalar("SELECT current_setting('threads')") == 1
