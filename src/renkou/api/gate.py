"""One writer or many readers of the served store within the server process.

DuckDB refuses a connection for writing while read-only ones to the same file are open in
the process, so the few writes the server makes (logins and the audit log) wait until the
requests that read have closed their connections, and reads wait while a write runs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class StoreGate:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._waiting_writers = 0

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
    def writing(self) -> Iterator[None]:
        with self._cond:
            self._waiting_writers += 1
            while self._writing or self._readers:
                self._cond.wait()
            self._waiting_writers -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()
