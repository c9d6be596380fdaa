"""What a store is (库的来源): the jurisdiction it serves and how its data came about.

Both are recorded in ``store_meta`` by the first ingest batch (or by :func:`record_origin`
for a store built directly): ``jurisdiction`` (a key of ``data/jurisdictions``) and the
provenance — ``synthetic`` (built from ``renkou synth`` output, 示范数据), ``persons`` and
``seed``. A directory written by ``renkou synth`` carries ``synthetic.json`` with the same
facts; it is read here, never ingested as a feed. A store built before jurisdictions were
recorded reads as ``settings.jurisdiction``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from renkou.errors import InputError, StoreError
from renkou.jurisdictions import Jurisdiction, get_jurisdiction
from renkou.registry.store import Store

if TYPE_CHECKING:
    from renkou.registry.facade import Registry

SYNTHETIC_MARKER = "synthetic.json"
_META_KEYS = ("jurisdiction", "synthetic", "persons", "seed")


@dataclass(frozen=True)
class Provenance:
    """How a store's data came about: ``synthetic`` when built by ``renkou synth`` (then
    with the city's size and random seed), else from department records."""

    synthetic: bool
    persons: int | None = None
    seed: int | None = None


@dataclass(frozen=True)
class SyntheticMarker:
    """The content of ``synthetic.json`` in a directory written by ``renkou synth``."""

    jurisdiction: str
    persons: int | None
    seed: int | None


def read_marker(directory: Path) -> SyntheticMarker | None:
    """``directory/synthetic.json``, or None when the directory holds no such file."""
    path = Path(directory) / SYNTHETIC_MARKER
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        key = get_jurisdiction(str(raw["jurisdiction"])).key
        persons, seed = raw.get("persons"), raw.get("seed")
        return SyntheticMarker(key, None if persons is None else int(persons),
                               None if seed is None else int(seed))
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise InputError(f"合成数据标记文件格式错误：{exc}", file=str(path)) from None


def _meta(store: Store) -> dict[str, str]:
    keys = ", ".join(f"'{k}'" for k in _META_KEYS)
    return {str(k): str(v) for k, v in store.rows(
        f"SELECT key, value FROM store_meta WHERE key IN ({keys})") if v is not None}


def recorded_key(store: Store) -> str | None:
    """The jurisdiction key recorded in the store, if any."""
    if not store.table_exists("store_meta"):
        return None
    return _meta(store).get("jurisdiction")


def holds_data(store: Store) -> bool:
    """Whether any batch has been ingested into the store."""
    return store.table_exists("ingest_batches") and bool(
        store.scalar("SELECT count(*) > 0 FROM ingest_batches"))


def store_jurisdiction(store: Store, default: str | None = None) -> Jurisdiction:
    """The jurisdiction the store serves: the recorded one, else (an empty store, or one
    built by an older version) ``default``, else the store's settings' jurisdiction."""
    return get_jurisdiction(recorded_key(store) or default or store.settings.jurisdiction)


def store_provenance(store: Store) -> Provenance:
    meta = _meta(store) if store.table_exists("store_meta") else {}
    persons, seed = meta.get("persons"), meta.get("seed")
    return Provenance(synthetic=meta.get("synthetic") == "true",
                      persons=None if persons is None else int(persons),
                      seed=None if seed is None else int(seed))


def batch_jurisdiction(directory: Path, given: str | None, default: str,
                       ) -> tuple[Jurisdiction, SyntheticMarker | None]:
    """The jurisdiction a delivery is ingested for: ``given`` (``--jurisdiction``), else the
    one of its ``synthetic.json``, else ``default`` (the settings'); with the marker."""
    marker = read_marker(directory)
    if given is not None:
        j = get_jurisdiction(given)
        if marker is not None and marker.jurisdiction != j.key:
            m = get_jurisdiction(marker.jurisdiction)
            raise InputError(f"指定的辖区 {j.name}（{j.key}）与合成数据标记中的辖区 "
                             f"{m.name}（{m.key}）不一致", file=str(directory))
        return j, marker
    return get_jurisdiction(marker.jurisdiction if marker else default), marker


def check_store_accepts(store: Store, j: Jurisdiction, directory: Path | None = None, *,
                        default: str | None = None) -> None:
    """Refuse a batch for another jurisdiction than the store's (nothing is written);
    ``default``: what a store with data but none recorded is read as."""
    recorded = recorded_key(store)
    if recorded is None and not holds_data(store):
        return  # a new store takes the jurisdiction of its first batch
    own = store_jurisdiction(store, default)
    if own.key != j.key:
        raise InputError(f"数据库 {store.path.name} 属于{own.name}（{own.key}），不能导入"
                         f"{j.name}（{j.key}）的数据；本批次未写入任何内容",
                         file=None if directory is None else str(directory))


def _write_meta(store: Store, values: dict[str, str]) -> None:
    for key, value in values.items():
        store.execute("DELETE FROM store_meta WHERE key = ?", [key])
        store.execute("INSERT INTO store_meta VALUES (?, ?)", [key, value])


def record_batch_origin(store: Store, j: Jurisdiction, marker: SyntheticMarker | None,
                        *, first: bool) -> None:
    """Inside an ingest transaction: record the jurisdiction when none is recorded yet and,
    on the store's first batch, the provenance (synthetic when ``marker``) unless recorded
    before (:func:`record_origin`)."""
    meta = _meta(store)
    values: dict[str, str] = {}
    if "jurisdiction" not in meta:
        values["jurisdiction"] = j.key
    if first and "synthetic" not in meta:
        values["synthetic"] = "true" if marker is not None else "false"
        if marker is not None and marker.persons is not None:
            values["persons"] = str(marker.persons)
        if marker is not None and marker.seed is not None:
            values["seed"] = str(marker.seed)
    _write_meta(store, values)


def record_origin(target: Store | Registry, jurisdiction: str, *, synthetic: bool,
                  persons: int | None = None, seed: int | None = None) -> None:
    """Record a store's jurisdiction and provenance (for a store built directly, e.g. the
    demo store). A store already recorded for another jurisdiction is refused."""
    store = target if isinstance(target, Store) else target.store
    if store.read_only:
        raise StoreError(f"数据库 {store.path} 以只读方式打开，无法记录来源")
    j = get_jurisdiction(jurisdiction)
    with store.transaction():
        check_store_accepts(store, j)
        values = {"jurisdiction": j.key, "synthetic": "true" if synthetic else "false"}
        for key, value in (("persons", persons), ("seed", seed)):
            store.execute("DELETE FROM store_meta WHERE key = ?", [key])
            if value is not None:
                values[key] = str(int(value))
        _write_meta(store, values)
