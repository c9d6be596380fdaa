"""One writer or many readers of the served store within the server process.

DuckDB refuses a connection for writing while read-only ones to the same file are open in
the process, so the few writes the server makes (logins and the audit log) wait until the
requests that read have closed their connections, and reads wait while a write runs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class StoreGate:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._waiting_writers = 0
        # File versions (modification times) written by the server's own writes — accounts
        # and audit entries, not population data — mapped to the version before them.
        self._same_data: dict[tuple[str, float], float] = {}

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._cond:
            # Writers go first: a login must not wait behind a stream of page views.
            while self._writing or self._waiting_writers:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def try_reading(self) -> Iterator[bool]:
        """Read now if no writer runs or waits, else yield False at once: for optional
        reads made while the same request may already hold a read."""
        with self._cond:
            ok = not (self._writing or self._waiting_writers)
            if ok:
                self._readers += 1
        try:
            yield ok
        finally:
            if ok:
                with self._cond:
                    self._readers -= 1
                    self._cond.notify_all()

    def data_version(self, db: Path) -> tuple[str, float]:
        """The store's version for caches of its population data: a file changed only by
        this server's account and audit writes keeps the version it had before them."""
        key = (str(Path(db).resolve()), Path(db).stat().st_mtime)
        return key[0], self._same_data.get(key, key[1])

    @contextmanager
    def writing(self, db: Path | None = None) -> Iterator[None]:
        """The one writer; ``db`` given, the write touches no population data (see
        :meth:`data_version`)."""
        with self._cond:
            self._waiting_writers += 1
            while self._writing or self._readers:
                self._cond.wait()
            self._waiting_writers -= 1
            self._writing = True
        before = self.data_version(db) if db is not None and Path(db).exists() else None
        try:
            yield
        finally:
            if before is not None and db is not None:
                after = (str(Path(db).resolve()), Path(db).stat().st_mtime)
                if after[1] != before[1]:
                    self._same_data[after] = before[1]
            with self._cond:
                self._writing = False
                self._cond.notify_all()
