"""A store's keys (密钥管理): what protects it, and rotation under new keys."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from renkou.errors import StoreError
from renkou.registry.crypto import ALGORITHM_LABELS, Algorithm
from renkou.registry.keyring import key_source, recorded_algorithm, recorded_fingerprint
from renkou.registry.rotation import Rotation, rotate_store
from renkou.registry.store import Store
from renkou.settings import Settings


@dataclass(frozen=True)
class KeyInfo:
    """The store's recorded fingerprint and algorithm, and where its keys are configured
    (never the keys themselves)."""

    store: Path
    fingerprint: str | None
    algorithm: Algorithm | None
    algorithm_label: str
    source: str
    key_file: Path
    key_file_exists: bool
    settings_algorithm: Algorithm


def show_keys(db: Path, settings: Settings) -> KeyInfo:
    """What :class:`KeyInfo` says about the store ``db`` (opened read-only; the keys are
    neither needed nor read)."""
    if not Path(db).exists():
        raise StoreError(f"数据库文件不存在：{db}")
    with Store(db, read_only=True, settings=settings) as store:
        algorithm = recorded_algorithm(store)
        fp = recorded_fingerprint(store)
    key_file = settings.key_path(Path(db))
    return KeyInfo(Path(db), fp, algorithm,
                   ALGORITHM_LABELS[algorithm] if algorithm else "尚未导入身份信息",
                   key_source(settings, Path(db)), key_file, key_file.exists(),
                   settings.crypto_algorithm)


def rotate_keys(db: Path, settings: Settings, *, algorithm: Algorithm | None = None,
                out: Path | None = None) -> Rotation:
    """Re-encrypt the identities and pseudonyms of ``db`` under new random keys (one
    transaction; see :mod:`renkou.registry.rotation`)."""
    if not Path(db).exists():
        raise StoreError(f"数据库文件不存在：{db}")
    with Store(db, settings=settings) as store:
        return rotate_store(store, settings, algorithm=algorithm, out=out)
