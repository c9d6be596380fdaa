"""A child process that computes from the store this process serves.

Assessing a plan of a large store, its projections and the drill-downs are mostly Python
(pandas, NumPy, rendering) and hold the GIL for seconds; in the server's own process every
request would wait behind them. In a child they run under its own GIL, reading the store
through the server (:mod:`renkou.registry.remote`: DuckDB refuses another process beside
the server's writing instance). One child, started when first needed and at a lower
priority, so that of two cores one stays with the requests."""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection as Link
from pathlib import Path
from typing import Any, TypeVar

from renkou.app import stores
from renkou.registry.remote import RemoteHost, serve_link
from renkou.settings import Settings

T = TypeVar("T")
NICE = 10  # the child's priority below the server's requests


def _enter(db: Path, settings: Settings, link: Link) -> None:
    """The child's start: every opening of ``db`` here reads through the server."""
    os.nice(NICE)
    stores.host_through(db, RemoteHost(Path(db).resolve(), settings, link))


class StoreWorkers:
    """The child of the store ``db``: :meth:`submit` runs a picklable recipe (a module-level
    function and its arguments) there and gives its result back."""

    def __init__(self, db: Path, settings: Settings) -> None:
        self.db, self.settings = Path(db).resolve(), settings
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        with self._lock:
            if self._pool is not None:
                try:
                    return self._pool.submit(fn, *args)
                except BrokenProcessPool:  # the child died (killed, out of memory)
                    self._pool = None
            return self._start(fn, *args)

    def _start(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        # spawn: a fork of a server with DuckDB's and the event loop's threads is not safe.
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        host = stores.host_store(self.db, self.settings)
        pool = self._pool = ProcessPoolExecutor(1, mp_context=context, initializer=_enter,
                                                initargs=(self.db, self.settings, theirs))
        threading.Thread(target=serve_link, args=(ours, host), name="store-link",
                         daemon=True).start()
        future = pool.submit(fn, *args)  # starts the child, which now has its end
        # With this process's copy of the child's end closed, the link ends when the child
        # does, and the server then releases whatever connection the child left open.
        theirs.close()
        return future

    def shutdown(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
