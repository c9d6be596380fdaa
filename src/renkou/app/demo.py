"""The demo store (示范库): a synthetic city of one jurisdiction, ingested through the
registry's own ingest and seeded with demo reported data — the one place it is built.

The demo store of jurisdiction K lives at ``data_dir / "demo-K.duckdb"``. It is built under
a temporary name and renamed at the end, so an interrupted build never leaves a half store
that a later run would reuse."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from renkou.jurisdictions import get_jurisdiction
from renkou.registry import Registry
from renkou.settings import KEY_FILE_SUFFIX, Settings

Progress = Callable[[str], None]


def demo_path(data_dir: Path, jurisdiction: str) -> Path:
    """Where the demo store of ``jurisdiction`` (key, code or name) lives."""
    return Path(data_dir) / f"demo-{get_jurisdiction(jurisdiction).key}.duckdb"


def build_demo(data_dir: Path, *, jurisdiction: str, persons: int, seed: int,
               force: bool = False, progress: Progress | None = None) -> Path:
    """Build the demo store of ``jurisdiction`` once (``force``: again) and return its path."""
    from renkou.app.demo_reports import seed_demo_reports
    from renkou.app.services import synth_facilities
    from renkou.app.zones import seed_example_zones
    from renkou.registry.synth import build_demo_store

    key = get_jurisdiction(jurisdiction).key
    db = demo_path(data_dir, key)
    if db.exists() and not force:
        if progress:
            progress(f"复用已构建的示范数据库：{db}")
        return db
    db.parent.mkdir(parents=True, exist_ok=True)
    tmp = db.with_name(f".{db.stem}.building.duckdb")
    _remove(tmp)
    if progress:
        progress(f"正在构建示范数据库（{key}，{persons:,} 人，种子 {seed}）：{db}")
    build_demo_store(tmp, persons, seed, jurisdiction=key, progress=progress)
    registry = Registry(tmp)
    try:
        # Demo reported data of the jurisdiction's plans, up to the store's last full year.
        seed_demo_reports(registry)
        # The example function zones (示例, not real extents), so that zone indicators show
        # how they are computed once a planner defines the zones.
        seed_example_zones(registry)
    finally:
        registry.close()
    # A synthetic facility inventory, so that service gaps have a supply side.
    synth_facilities(tmp, seed)
    _remove(db)
    tmp.replace(db)
    # A key file created for the store under its temporary name goes with it.
    built_keys = _keys(tmp)
    if built_keys.exists():
        built_keys.replace(_keys(db))
    if progress:
        progress(f"示范数据库已构建：{db}")
    return db


def _keys(db: Path) -> Path:
    """The key file the first ingest creates beside a store when no keys are configured."""
    return db.with_name(db.name + KEY_FILE_SUFFIX)


def _remove(db: Path) -> None:
    """A store file, the write-ahead log DuckDB may leave beside it and its key file (the
    keys of a store that is replaced open nothing)."""
    for path in (db, db.with_name(db.name + ".wal"), _keys(db)):
        path.unlink(missing_ok=True)


def default_store(settings: Settings, *, progress: Progress | None = None) -> Path:
    """The store a command without ``--db`` reads: ``settings.db_path`` when set, else the
    demo store of ``settings.jurisdiction``, built on first use."""
    if settings.db_path is not None:
        return settings.db_path
    return build_demo(settings.data_dir, jurisdiction=settings.jurisdiction,
                      persons=settings.demo_persons, seed=settings.demo_seed,
                      progress=progress)
