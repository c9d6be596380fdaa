"""The served store read from a child process, through the process that holds it.

DuckDB lets no other process open a file that one process holds for writing (the server's
:class:`~renkou.registry.store.StoreHost`), so a child that computes beside the server (the
answers of a new data version, :mod:`renkou.app.workers`) sends its queries over a pipe:
the server runs them on connections of its instance and sends the results back. The child
does the Python work on the results (pandas, projections, rendering) under its own GIL; the
server's part is DuckDB's, which runs without the GIL, and the conversion of each result.

Only reads and the registration of in-memory frames are carried: an ingest never runs in a
child."""

from __future__ import annotations

import itertools
import threading
from multiprocessing.connection import Connection as Link
from pathlib import Path
from typing import Any

import duckdb

from renkou.errors import StoreError
from renkou.registry.store import StoreHost
from renkou.settings import Settings

# What the child asks: (operation, connection number, *arguments).
_QUERIES = frozenset({"rows", "frame", "arrow"})


def serve_link(link: Link, host: StoreHost) -> None:
    """Answer a child's requests on ``link`` with connections of ``host`` until the child
    goes away (run in a thread of the server); a connection the child left open is
    released then, so that the server lets the file go between uses."""
    cursors: dict[int, duckdb.DuckDBPyConnection] = {}
    try:
        while True:
            try:
                op, number, *args = link.recv()
            except (EOFError, OSError):
                return
            try:
                reply: tuple[str, Any] = ("ok", _run(host, cursors, op, number, args))
            except duckdb.Error as exc:
                reply = ("duckdb", str(exc))
            except Exception as exc:  # reported to the child, which raises it there
                reply = ("error", f"{type(exc).__name__}: {exc}")
            try:
                link.send(reply)
            except (EOFError, OSError):
                return
    finally:
        for cur in cursors.values():
            cur.close()
            host.release()


def _run(host: StoreHost, cursors: dict[int, duckdb.DuckDBPyConnection], op: str,
         number: int, args: list[Any]) -> Any:
    if op == "open":
        cursors[number] = host.cursor()
        return None
    if op == "generation":
        return host.data_generation()
    cur = cursors[number]
    if op == "close":
        del cursors[number]
        cur.close()
        host.release()
        return None
    if op == "register":
        cur.register(args[0], args[1])
        return None
    if op == "unregister":
        cur.unregister(args[0])
        return None
    if op not in _QUERIES:
        raise StoreError(f"未知的操作：{op}")
    sql, params = args
    if op == "arrow":
        return cur.sql(sql, params=params).to_arrow_table()
    rel = cur.execute(sql) if params is None else cur.execute(sql, params)
    return rel.df() if op == "frame" else rel.fetchall()


class _Channel:
    """The child's end of the link: one request and its answer at a time."""

    def __init__(self, link: Link) -> None:
        self.link = link
        self._lock = threading.Lock()
        self.numbers = itertools.count(1)

    def ask(self, op: str, number: int = 0, *args: Any) -> Any:
        with self._lock:
            self.link.send((op, number, *args))
            kind, value = self.link.recv()
        if kind == "duckdb":  # as a local connection would raise it (the store wraps it)
            raise duckdb.Error(value)
        if kind == "error":
            raise StoreError(f"服务进程读库失败：{value}")
        return value


class _Pending:
    """A statement sent when its result is asked for, in the form asked for."""

    def __init__(self, channel: _Channel, number: int, sql: str, params: Any) -> None:
        self.channel, self.number, self.sql, self.params = channel, number, sql, params

    def _get(self, op: str) -> Any:
        return self.channel.ask(op, self.number, self.sql, self.params)

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = self._get("rows")
        return rows

    def fetchone(self) -> tuple[Any, ...] | None:
        rows = self.fetchall()
        return rows[0] if rows else None

    def df(self) -> Any:
        return self._get("frame")

    def to_arrow_table(self) -> Any:
        return self._get("arrow")


class RemoteCursor:
    """The part of a DuckDB connection a reading :class:`~renkou.registry.store.Store` uses,
    carried out by the server."""

    def __init__(self, channel: _Channel, number: int) -> None:
        self.channel, self.number = channel, number
        self._closed = False

    def execute(self, sql: str, params: Any = None) -> _Pending:
        return _Pending(self.channel, self.number, sql, params)

    def sql(self, sql: str, params: Any = None) -> _Pending:
        return _Pending(self.channel, self.number, sql, params)

    def register(self, name: str, data: Any) -> None:
        self.channel.ask("register", self.number, name, data)

    def unregister(self, name: str) -> None:
        self.channel.ask("unregister", self.number, name)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.channel.ask("close", self.number)


class RemoteHost(StoreHost):
    """In a child process: the store the parent serves, each opening a connection of the
    parent's instance (see :func:`serve_link`)."""

    def __init__(self, path: Path | str, settings: Settings, link: Link) -> None:
        super().__init__(path, settings)
        self._channel = _Channel(link)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        number = next(self._channel.numbers)
        self._channel.ask("open", number)
        # Duck-typed: a Store calls only what RemoteCursor carries.
        return RemoteCursor(self._channel, number)  # type: ignore[return-value]

    def release(self) -> None:
        """Nothing to count here: closing the cursor released the server's connection."""

    def claim_setup(self) -> bool:
        return False  # the server's own writer checks the schema

    def data_generation(self) -> int:
        generation: int = self._channel.ask("generation")
        return generation

    def bump(self) -> None:
        raise StoreError("子进程不写入数据库")
