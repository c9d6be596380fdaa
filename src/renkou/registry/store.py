"""The embedded store (嵌入式数据库) of the population base registry.

This is the only module of renkou that imports ``duckdb``: every other module hands SQL
strings and DataFrames to :class:`Store`. The store owns the connection, transactions and
schema creation; a whole ingest runs inside one transaction so that a killed process leaves
the database file exactly as it was before the batch (DuckDB's write-ahead log is discarded
for an uncommitted transaction).

:class:`Scratch` is a second, in-memory DuckDB for the ingest's staging work (reading files,
checks, candidate rows). It runs outside the store's batch transaction on purpose: inside a
transaction DuckDB keeps every dropped or replaced table until COMMIT (to be able to roll
back), so staging there grows with the delivery; in the scratch each group's staging is
freed when the next replaces it, and a file that fails to read only fails its statement."""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
from duckdb.func import PythonUDFType

from renkou.errors import StoreError
from renkou.logs import get_logger
from renkou.settings import Settings, get_settings

log = get_logger("registry.store")

SCHEMA_VERSION = 3
# Version 3: the record content hash is DuckDB's 64-bit hash of the typed columns (earlier:
# MD5 text, then MD5 as a 128-bit number); a hash changed by a DuckDB upgrade is recomputed
# from the stored columns (``store_meta.content_hash_probe``, see renkou.registry.ingest).
# It also drops the primary-key index of ``identity``: the ingest adds only persons not yet
# stored (an anti join), and maintaining the index cost ≈ 30 s of a 14-million ingest.

# DuckDB's resources come from :class:`renkou.settings.Settings` (``duckdb_memory``,
# ``duckdb_staging_memory``, ``duckdb_scratch_memory``, ``duckdb_threads``), passed in when a
# store is opened. Why those defaults: DuckDB spills beyond its memory cap, but not every
# operator can; at 4 GB the derived tables of a 14-million store ran out of memory, 6 GB
# builds them and keeps the process under the 8 GB budget (docs/benchmarks.md). While an
# ingest stages files, the store and the scratch database share less (2 GB + 3584 MB): the
# scratch holds the batch's ID map (≈ 1 GB at 14 million persons) beside a group's files; at
# 2 GB it spilled the map and every group's slice of it read from disk (≈ 15 s).


@dataclass(frozen=True)
class SqlStep:
    """One named statement of an ordered build (staging, interval tables, sweeps);
    ``params`` are bound, not printed (they may hold key material)."""

    name: str
    sql: str
    params: Mapping[str, object] | None = field(default=None, repr=False)


def _table_ddl(table: str) -> str:
    """The CREATE statement of one table of ``schema.sql``."""
    ddl = schema_sql()
    start = ddl.index(f"CREATE TABLE IF NOT EXISTS {table} (")
    return ddl[start:ddl.index(");", start) + 2]


def schema_sql() -> str:
    """The DDL of the registry (``schema.sql`` shipped in the package)."""
    return resources.files("renkou.registry").joinpath("schema.sql").read_text(encoding="utf-8")


def _log_statement(profile: Path, sql: str, seconds: float, duckdb_mb: str = "") -> None:
    """Append "seconds<TAB>resident MB<TAB>statement head<TAB>DuckDB MB" to ``profile``
    (benchmarks use it to see where an ingest spends its time and memory)."""
    head = " ".join(sql.split())[:90]
    try:  # resident memory after the statement (Linux), to see which step holds memory
        rss_mb = int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf(
            "SC_PAGE_SIZE") >> 20
    except OSError:
        rss_mb = -1
    with profile.open("a", encoding="utf-8") as fh:
        fh.write(f"{seconds:.3f}\t{rss_mb}\t{head}\t{duckdb_mb}\n")


class Connection:
    """Statements, queries and Arrow/DataFrame exchange on one DuckDB connection."""

    _con: duckdb.DuckDBPyConnection
    # A file that receives one line per executed statement (None: no profiling).
    profile: Path | None = None

    def execute(self, sql: str, params: Sequence[object] | dict[str, object] | None = None,
                ) -> None:
        t0 = time.perf_counter() if self.profile else 0.0
        try:
            rel = self._con.execute(sql) if params is None else self._con.execute(sql, params)
            rel.fetchall()  # DuckDB ≥ 2 wants every result consumed before the next call
        except duckdb.Error as exc:
            raise StoreError(f"数据库语句失败：{exc}") from exc
        if self.profile:
            _log_statement(self.profile, sql, time.perf_counter() - t0, self._duckdb_mb())

    def run_steps(self, steps: Sequence[SqlStep]) -> None:
        """Execute an ordered build, logging each step's name and time."""
        for step in steps:
            t0 = time.perf_counter()
            self.execute(step.sql, None if step.params is None else dict(step.params))
            log.debug("%s: %.3f s", step.name, time.perf_counter() - t0)

    def _duckdb_mb(self) -> str:
        """DuckDB's own memory accounting (MB in use / MB spilled), for the profile log."""
        try:
            used, spilled = self._con.execute(
                "SELECT sum(memory_usage_bytes) >> 20, sum(temporary_storage_bytes) >> 20 "
                "FROM duckdb_memory()").fetchall()[0]
        except duckdb.Error:
            return "?"
        return f"{type(self).__name__}:{used}/{spilled}"

    def frame(self, sql: str, params: Sequence[object] | dict[str, object] | None = None,
              ) -> pd.DataFrame:
        """Run a query and return its result as a DataFrame."""
        try:
            rel = self._con.execute(sql, params) if params is not None else self._con.execute(sql)
            return rel.df()
        except duckdb.Error as exc:
            raise StoreError(f"数据库查询失败：{exc}") from exc

    def arrow(self, sql: str, params: Sequence[object] | None = None) -> pa.Table:
        """Run a query and return its result as an Arrow table."""
        t0 = time.perf_counter() if self.profile else 0.0
        try:
            table = self._con.sql(sql, params=params).to_arrow_table()
        except duckdb.Error as exc:
            raise StoreError(f"数据库查询失败：{exc}") from exc
        if self.profile:
            _log_statement(self.profile, "ARROW " + sql, time.perf_counter() - t0)
        return table

    def arrow_reader(self, sql: str, batch_rows: int) -> pa.RecordBatchReader:
        """Stream a query's result as Arrow record batches (for copying large results from
        one database to another without holding them whole)."""
        try:
            return self._con.sql(sql).to_arrow_reader(batch_rows)
        except duckdb.Error as exc:
            raise StoreError(f"数据库查询失败：{exc}") from exc

    def scalar(self, sql: str, params: Sequence[object] | dict[str, object] | None = None,
               ) -> Any:
        try:
            rel = self._con.execute(sql, params) if params is not None else self._con.execute(sql)
            rows = rel.fetchall()
        except duckdb.Error as exc:
            raise StoreError(f"数据库查询失败：{exc}") from exc
        return rows[0][0] if rows else None

    def rows(self, sql: str, params: Sequence[object] | dict[str, object] | None = None,
             ) -> list[tuple[Any, ...]]:
        try:
            rel = self._con.execute(sql, params) if params is not None else self._con.execute(sql)
            return rel.fetchall()
        except duckdb.Error as exc:
            raise StoreError(f"数据库查询失败：{exc}") from exc

    def execute_with(self, sql: str, data: pa.Table | pa.RecordBatchReader) -> None:
        """Run ``sql``, in which the name ``_data`` reads ``data``.

        DuckDB finds ``_data`` among this frame's variables (its replacement scan), so no
        view is created: a registered view is a catalog entry, and inside a transaction
        DuckDB keeps every dropped one — and the Arrow data it holds — until COMMIT."""
        _data = data  # read by DuckDB's replacement scan
        t0 = time.perf_counter() if self.profile else 0.0
        try:
            self._con.execute(sql).fetchall()
        except duckdb.Error as exc:
            raise StoreError(f"数据库语句失败：{exc}") from exc
        if self.profile:
            _log_statement(self.profile, sql, time.perf_counter() - t0, self._duckdb_mb())

    def arrow_with(self, sql: str, data: pa.Table | pa.RecordBatchReader) -> pa.Table:
        """A query over ``_data`` (as in :meth:`execute_with`) as an Arrow table."""
        _data = data  # read by DuckDB's replacement scan
        t0 = time.perf_counter() if self.profile else 0.0
        try:
            table = self._con.sql(sql).to_arrow_table()
        except duckdb.Error as exc:
            raise StoreError(f"数据库查询失败：{exc}") from exc
        if self.profile:
            _log_statement(self.profile, "ARROW " + sql, time.perf_counter() - t0,
                           self._duckdb_mb())
        return table

    def register(self, name: str,
                 data: pd.DataFrame | pa.Table | pa.RecordBatchReader) -> None:
        """Expose an in-memory frame to SQL under ``name`` (a view, not a copy)."""
        self._con.register(name, data)

    def unregister(self, name: str) -> None:
        self._con.unregister(name)

    def create_function(self, name: str, fn: Callable[..., pa.Array], params: list[str],
                        returns: str) -> None:
        """Add a vectorised (Arrow) Python function to this connection's SQL, replacing one
        of the same name (e.g. the SM3 HMAC of :mod:`renkou.registry.crypto`)."""
        with contextlib.suppress(duckdb.Error):
            self._con.remove_function(name)
        self._con.create_function(name, fn, params, returns,  # type: ignore[arg-type]
                                  type=PythonUDFType.ARROW)

    def close(self) -> None:
        self._con.close()


class Scratch(Connection):
    """An in-memory DuckDB for staging (no transaction of its own: every statement commits,
    so replaced tables are freed at once). Spills to a private temporary folder."""

    def __init__(self, memory: str = "1GB", threads: int = 1, *,
                 profile: Path | None = None, spill_dir: Path | None = None) -> None:
        import tempfile

        self.profile = profile
        # Staging holds ID numbers: it spills into the store's private folder when given.
        self._tmp = tempfile.TemporaryDirectory(prefix="renkou-scratch-",
                                                dir=None if spill_dir is None else spill_dir)
        try:
            self._con = duckdb.connect(":memory:", config={
                "memory_limit": memory, "threads": threads,
                "temp_directory": self._tmp.name})
            self._con.execute("SET enable_progress_bar = false").fetchall()
            # Unsigned and wide integers cross between scratch and store through Arrow.
            self._con.execute("SET arrow_lossless_conversion = true").fetchall()
            # Return freed memory to the system promptly (the 8 GB budget is on the process).
            self._con.execute("SET allocator_background_threads = true").fetchall()
        except duckdb.Error as exc:
            raise StoreError(f"无法创建临时数据库：{exc}") from None

    def close(self) -> None:
        """Free the scratch database (idempotent)."""
        super().close()
        self._tmp.cleanup()

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Store(Connection):
    """A connection to one registry database file (人口基础信息库 存储)."""

    def __init__(self, path: Path | str, *, read_only: bool = False,
                 settings: Settings | None = None, profile: Path | None = None,
                 host: StoreHost | None = None) -> None:
        """``host``: a connection to the instance the process already holds (see
        :class:`StoreHost`) instead of a connection of its own to the file."""
        self.path = Path(path)
        self.read_only = read_only
        # None: the process's settings, read now (never at import time).
        self.settings = settings if settings is not None else get_settings()
        self.profile = profile
        if read_only and not self.path.exists():
            raise StoreError(f"数据库文件不存在：{self.path}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._host = host
        if host is not None:
            self._con = host.cursor()
        else:
            try:
                self._con = duckdb.connect(str(self.path), read_only=read_only,
                                           config=_config(self.settings))
                _prepare(self._con)
            except duckdb.Error as exc:
                raise StoreError(f"无法打开数据库 {self.path}：{exc}") from None
        self._in_tx = False
        # Whether this opening checks the schema (and the registry its derived tables): every
        # writer of its own, the first writer of a host.
        self.sets_up = not read_only and (host is None or host.claim_setup())
        if self.sets_up:
            self.ensure_schema()

    # -- schema -------------------------------------------------------------------------
    def ensure_schema(self) -> None:
        """Create missing tables; record the schema version (migrations go here)."""
        self._con.execute(schema_sql()).fetchall()
        current = self.scalar("SELECT max(version) FROM schema_version")
        if current is None:
            self.execute("INSERT INTO schema_version VALUES (?, now())", [SCHEMA_VERSION])
        elif current > SCHEMA_VERSION:
            raise StoreError(f"数据库结构版本 {current} 高于本程序支持的 {SCHEMA_VERSION}，"
                             "请升级程序")
        elif current < SCHEMA_VERSION:
            self._migrate(int(current))

    def _migrate(self, current: int) -> None:
        """Bring an older store to SCHEMA_VERSION in one transaction."""
        with self.transaction():
            if current < 3:
                tables = self.rows("SELECT table_name FROM information_schema.columns "
                                   "WHERE column_name = 'content_hash' "
                                   "AND data_type <> 'UBIGINT'")
                for (table,) in tables:  # recomputed by the next ingest
                    self.execute(f"ALTER TABLE {table} ALTER content_hash SET DATA TYPE "
                                 "UBIGINT USING NULL")
                self.execute("DELETE FROM store_meta WHERE key = 'content_hash_probe'")
                self.execute("ALTER TABLE identity RENAME TO identity_v2")
                self.execute(_table_ddl("identity"))
                self.execute("INSERT INTO identity SELECT * FROM identity_v2")
                self.execute("DROP TABLE identity_v2")
            self.execute("INSERT INTO schema_version VALUES (?, now())", [SCHEMA_VERSION])

    @contextmanager
    def unordered_inserts(self) -> Iterator[Store]:
        """Let DuckDB write query results in any row order (tables whose order carries no
        meaning, such as the derived interval tables): less work in parallel plans."""
        self.execute("SET preserve_insertion_order = false")
        try:
            yield self
        finally:
            self.execute("SET preserve_insertion_order = true")

    # -- transactions ---------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """All-or-nothing block: commit on success, roll back on any exception."""
        if self._in_tx:
            yield self
            return
        self.execute("BEGIN TRANSACTION")
        self._in_tx = True
        try:
            yield self
        except BaseException:
            self._in_tx = False
            self._con.execute("ROLLBACK").fetchall()
            raise
        self._in_tx = False
        self.execute("COMMIT")

    def write_frame(self, table: str, df: pd.DataFrame, *, mode: str = "append") -> None:
        """Append ``df`` to ``table`` (created from the frame's columns when missing), or
        replace the table's contents (``mode='replace'``)."""
        if not table.replace("_", "").isalnum():
            raise StoreError(f"非法的表名：{table}")
        if mode not in ("append", "replace"):
            raise StoreError(f"未知的写入方式：{mode}")
        view = f"_wf_{table}"
        self._con.register(view, df)
        try:
            exists = self.table_exists(table)
            if mode == "replace" or not exists:
                self._con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {view}"
                                  ).fetchall()
            else:
                self._con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {view}").fetchall()
        except duckdb.Error as exc:
            raise StoreError(f"写入表 {table} 失败：{exc}") from exc
        finally:
            self._con.unregister(view)

    def table_exists(self, table: str) -> bool:
        rows = self._con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]
        ).fetchall()
        return bool(rows and rows[0][0])

    @contextmanager
    def memory_limit(self, limit: str) -> Iterator[Store]:
        """Run a block with DuckDB's memory limit set to ``limit`` (e.g. while a scratch
        database shares the process's memory budget), then restore the default."""
        self.execute(f"SET memory_limit = '{limit}'")
        try:
            yield self
        finally:
            self.restore_memory_limit()

    def restore_memory_limit(self) -> None:
        """Back to the store's own memory limit (``settings.duckdb_memory``)."""
        self.execute(f"SET memory_limit = '{self.settings.duckdb_memory}'")

    def scratch(self, spill_dir: Path | None = None) -> Scratch:
        """A scratch database for an ingest's staging, sized by the store's settings."""
        return Scratch(self.settings.duckdb_scratch_memory, self.settings.duckdb_threads,
                       profile=self.profile, spill_dir=spill_dir)

    def private_dir(self) -> Path:
        """A fresh private folder (mode 0700) beside the store for an ingest's transient
        files — transcoded copies, spilled staging — which hold personal data in clear: the
        ingest removes it, and a killed ingest's is removed by the next (the store's write
        lock keeps two ingests apart)."""
        folder = self.path.parent / f".{self.path.name}.staging"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(mode=0o700)
        return folder

    def close(self) -> None:
        super().close()
        if self._host is not None:
            host, self._host = self._host, None
            host.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _config(settings: Settings) -> dict[str, str | bool | int | float | list[str]]:
    return {"memory_limit": settings.duckdb_memory, "threads": settings.duckdb_threads}


def _prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Per-connection settings (a cursor of a shared instance needs them again)."""
    con.execute("SET enable_progress_bar = false").fetchall()
    # Unsigned and wide integers cross between scratch and store through Arrow.
    con.execute("SET arrow_lossless_conversion = true").fetchall()
    # Return freed memory to the system promptly (the 8 GB budget is on the process).
    con.execute("SET allocator_background_threads = true").fetchall()


class StoreHost:
    """The one DuckDB instance of a store file in a long-running process (the web server).

    DuckDB lets one process hold a database file for writing and gives every connection
    (cursor) of that process's instance its own transaction with multi-version concurrency
    control: a reader sees the last committed state while a writer's transaction (a whole
    ingest) runs. Read-only connections of the same process would need a second instance,
    which DuckDB refuses beside a writing one, and another process's connection blocks the
    file — so everything the server reads and writes goes through this instance.

    The file is held only while some connection is open (counted): between requests and
    jobs it is free, so that the command line's other commands can open it. A request that
    finds it held by another process waits up to ``wait_seconds`` for it."""

    def __init__(self, path: Path | str, settings: Settings, *,
                 wait_seconds: float = 5.0) -> None:
        self.path = Path(path)
        self.settings = settings
        self.wait_seconds = wait_seconds
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._users = 0
        self._set_up = False
        # A count that changes whenever the store's data may have changed: bumped by the
        # server's own ingests (:meth:`bump`) and when the file was written by another
        # process while this one did not hold it (its state differs from when it was let go).
        self.generation = 0
        self._let_go: tuple[int, ...] | None = None

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new connection to the instance (opening the file when nobody holds it)."""
        with self._lock:
            if self._con is None:
                self._con = self._open()
                if self._let_go is not None and self._file_state() != self._let_go:
                    self.generation += 1
                    self._let_go = None
            try:
                cur = self._con.cursor()
                _prepare(cur)
            except duckdb.Error as exc:
                if not self._users:
                    self._close()
                raise StoreError(f"无法打开数据库 {self.path}：{exc}") from None
            self._users += 1
            return cur

    def _open(self) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + self.wait_seconds
        while True:
            try:
                return duckdb.connect(str(self.path), config=_config(self.settings))
            except duckdb.Error as exc:
                # Another process (a command-line tool) holds the file: wait a little.
                if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                    raise StoreError(f"无法打开数据库 {self.path}：{exc}") from None
                time.sleep(0.1)

    def claim_setup(self) -> bool:
        """True once per host: the first writer checks the schema and the derived tables,
        later ones (audit entries, accounts) need not repeat it beside a running ingest."""
        with self._lock:
            first, self._set_up = not self._set_up, True
            return first

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users <= 0:
                self._users = 0
                self._close()

    def _close(self) -> None:
        if self._con is not None:
            con, self._con = self._con, None
            con.close()
            self._let_go = self._file_state()

    def _file_state(self) -> tuple[int, ...]:
        wal = self.path.with_name(self.path.name + ".wal")
        state = [0, 0, 0, 0]
        for i, f in enumerate((self.path, wal)):
            try:
                st = f.stat()
            except OSError:
                continue
            state[2 * i:2 * i + 2] = [st.st_mtime_ns, st.st_size]
        return tuple(state)

    def data_generation(self) -> int:
        """:attr:`generation`, first noticing a write by another process since the file
        was let go."""
        with self._lock:
            if self._con is None and self._let_go is not None:
                now = self._file_state()
                if now != self._let_go:
                    self.generation += 1
                    self._let_go = now
            return self.generation

    def bump(self) -> None:
        """The process changed the store's data (an ingest committed)."""
        with self._lock:
            self.generation += 1

    @property
    def held(self) -> bool:
        """Whether the process holds the file now (some connection is open)."""
        return self._con is not None
