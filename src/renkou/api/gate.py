"""The served store's writers within the server process, and the version of its data.

The server holds one DuckDB instance of the store (:func:`renkou.app.stores.host_store`):
every request reads through its own connection and sees the last committed state — also
while a job's ingest transaction runs — so readers never wait. The server's own small
writes (logins, accounts, the hash-chained audit log, task progress) run one at a time:
each audit entry links to the one before it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from renkou.app.stores import data_version


class StoreGate:
    def __init__(self) -> None:
        self._write = threading.Lock()

    @contextmanager
    def reading(self) -> Iterator[None]:
        """A read: nothing to wait for (kept so that routes say what they do)."""
        yield

    @contextmanager
    def try_reading(self) -> Iterator[bool]:
        """A read that may be skipped when the store is busy: it never is now."""
        yield True

    def data_version(self, db: Path) -> tuple[str, float]:
        """The store's version for caches of its population data
        (:func:`renkou.app.stores.data_version`)."""
        return data_version(db)

    @contextmanager
    def writing(self, db: Path | None = None) -> Iterator[None]:
        """The one writer among the server's small writes (``db`` is kept for callers that
        name the store they write)."""
        with self._write:
            yield
