"""Work ahead of the ingest (预读): hashing and preparing delivered files on background threads.

While DuckDB checks one group of files (it releases the GIL), two threads work on the next
files in the order they will be staged: one computes each file's SHA-256 (which also brings
the file into the page cache, so it is read from disk once), the other does the Python-side
conversions DuckDB cannot do itself (GB18030 → UTF-8, XLSX → frame). At most ``ahead``
prepared files wait at any time, which bounds the temporary disk space and memory.
Transcoded copies go to ``workdir`` (a folder of its own inside the ingest's private folder
beside the store), removed on close."""

from __future__ import annotations

import shutil
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

from renkou.registry.loader import FileFacts, Prepared, file_facts, needs_preparing, prepare
from renkou.tables import XLSX_MAX_UNZIPPED_MB

_WAIT_S = 0.2


class Prefetch:
    """File hashes and prepared files, computed ahead in the order of ``paths``."""

    def __init__(self, paths: list[Path], workdir: Path, ahead: int = 4,
                 xlsx_max_mb: int = XLSX_MAX_UNZIPPED_MB, max_rows: int | None = None) -> None:
        workdir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.workdir = workdir
        self._xlsx_max_mb = xlsx_max_mb
        self._max_rows = max_rows
        self._slots = threading.Semaphore(ahead)
        self._stop = threading.Event()
        self._hashing = ThreadPoolExecutor(1, thread_name_prefix="renkou-hash")
        self._preparing = ThreadPoolExecutor(1, thread_name_prefix="renkou-prepare")
        self._facts = {p: self._hashing.submit(file_facts, p) for p in paths}
        self._prepared: dict[Path, Future[Prepared | None]] = {
            p: self._preparing.submit(self._prepare, p) for p in paths if needs_preparing(p)}

    def _prepare(self, path: Path) -> Prepared | None:
        while not self._slots.acquire(timeout=_WAIT_S):
            if self._stop.is_set():
                return None
        if self._stop.is_set():
            self._slots.release()
            return None
        return prepare(path, self.workdir, self._xlsx_max_mb, self._max_rows)

    def digest(self, path: Path) -> str:
        """SHA-256 of the file (waits for it)."""
        return self._facts[path].result().digest

    def facts(self, path: Path) -> FileFacts:
        """Hash and line breaks of the file (waits for them)."""
        return self._facts[path].result()

    def take(self, path: Path) -> Prepared | None:
        """The prepared file (None if DuckDB reads it as delivered); give it back with
        :meth:`done` once loaded."""
        future = self._prepared.pop(path, None)
        return None if future is None else future.result()

    def done(self, prepared: Prepared | None) -> None:
        if prepared is not None:
            prepared.discard()
            self._slots.release()

    def skip(self, path: Path) -> None:
        """A file that will not be loaded (already ingested)."""
        self.done(self.take(path))

    def close(self) -> None:
        self._stop.set()
        self._hashing.shutdown(wait=True, cancel_futures=True)
        self._preparing.shutdown(wait=True, cancel_futures=True)
        for future in self._prepared.values():
            if future.done() and not future.cancelled():
                result = future.result()
                if result is not None:
                    result.discard()
        shutil.rmtree(self.workdir, ignore_errors=True)  # its own folder: copies not given back

    def __enter__(self) -> Prefetch:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
