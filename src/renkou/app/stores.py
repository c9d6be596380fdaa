"""Opening a store and describing it: the one place that answers "does the database exist?"."""

from __future__ import annotations

import datetime as dt
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from renkou.errors import StoreError
from renkou.jurisdictions import Jurisdiction
from renkou.registry import Registry
from renkou.settings import Settings

if TYPE_CHECKING:
    from renkou.registry import StoreHost


# Stores this process serves (the web server): their one DuckDB instance, by resolved path.
_HOSTS: dict[Path, StoreHost] = {}
_HOSTS_LOCK = threading.Lock()


def host_store(db: Path, settings: Settings) -> StoreHost:
    """Serve ``db`` from this process: from now on every opening of it here (requests, jobs,
    audit entries) is a connection to one shared DuckDB instance (see
    :class:`renkou.registry.StoreHost`), so readers see the last committed state while an
    ingest's transaction runs."""
    from renkou.registry import StoreHost

    key = Path(db).resolve()
    with _HOSTS_LOCK:
        host = _HOSTS.get(key)
        if host is None:
            host = _HOSTS[key] = StoreHost(key, settings)
        return host


def host_through(db: Path, host: StoreHost) -> None:
    """In a child of the server: every opening of ``db`` here goes through ``host`` (see
    :mod:`renkou.app.workers`)."""
    with _HOSTS_LOCK:
        _HOSTS[Path(db).resolve()] = host


def hosted(db: Path) -> StoreHost | None:
    """The host of ``db`` when this process serves it."""
    return _HOSTS.get(Path(db).resolve()) if _HOSTS else None


def data_changed(db: Path) -> None:
    """This process wrote data the server's caches are made of (rows, supply, zones,
    reported values): when it serves ``db``, its data version moves on."""
    host = hosted(db)
    if host is not None:
        host.bump()


def data_version(db: Path) -> tuple[str, float]:
    """The version of the store's data for caches of it: the served store's generation (an
    ingest by the server, or a write by another process while the server did not hold the
    file, moves it on; the server's account, audit and progress writes do not), else the
    file's modification time."""
    path = Path(db).resolve()
    host = hosted(path)
    if host is not None:
        return str(path), float(host.data_generation())
    return str(path), path.stat().st_mtime


def open_registry(db: Path, *, read_only: bool = True) -> Registry:
    """The registry stored in ``db``; a clear error when the file does not exist. In a
    process that serves ``db`` (:func:`host_store`) it is a connection to the served
    instance."""
    if read_only and not Path(db).exists():
        raise StoreError(f"数据库文件不存在：{db}")
    host = hosted(db)
    if host is not None:
        return Registry(Path(db), read_only=read_only, settings=host.settings, host=host)
    return Registry(Path(db), read_only=read_only)


def copy_store(src: Path, dst: Path) -> Path:
    """A copy of the store ``src`` at ``dst`` with its key file (``<store>.keys``) when it has
    one: a store's identities cannot be read without the keys it was built with."""
    shutil.copy(src, dst)
    keys = src.with_name(src.name + ".keys")
    if keys.exists():
        shutil.copy(keys, dst.with_name(dst.name + ".keys"))
    return dst


@contextmanager
def registry_at(db: Path, *, read_only: bool = True) -> Iterator[Registry]:
    """:func:`open_registry` as a context manager that always closes the store."""
    registry = open_registry(db, read_only=read_only)
    try:
        yield registry
    finally:
        registry.close()


# What an application service accepts as its store: an open registry or the path of its file.
StoreRef = Registry | Path | str


@contextmanager
def store_registry(store: StoreRef) -> Iterator[Registry]:
    """The registry given (left open), or the store at a path opened read-only and closed
    afterwards."""
    if isinstance(store, Registry):
        yield store
        return
    with registry_at(Path(store)) as registry:
        yield registry


@dataclass(frozen=True)
class StoreSummary:
    """What a store is: whose population it holds, how it was built and up to when."""

    jurisdiction: Jurisdiction
    synthetic: bool  # built by ``renkou synth`` (示范数据), not from department records
    data_through: dt.date | None

    @property
    def default_as_of(self) -> dt.date:
        """The date queries default to: the last day with data, else the census day."""
        return self.data_through or self.jurisdiction.census_date


def describe(registry: Registry) -> StoreSummary:
    prov = registry.provenance()
    return StoreSummary(jurisdiction=registry.jurisdiction(), synthetic=prov.synthetic,
                        data_through=registry.data_through())
