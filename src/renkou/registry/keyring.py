"""Which keys a store was built with (密钥核对).

The store records a fingerprint of its keys in ``store_meta`` (``key_fingerprint``: an HMAC
of a fixed label under each key, which reveals nothing about the keys) and its algorithm
suite (``key_algorithm``: ``aes-gcm`` or ``sm4-gcm``) at its first batch. Opening or
ingesting under the other algorithm or with other keys is refused before anything is
written: two batches under different keys would give every person two pseudonyms. A store
written before fingerprints were recorded is checked by decrypting one identity and
recomputing its pseudonym; one written before the algorithm was recorded is ``aes-gcm``.

Keys come from the environment or the key file (:meth:`renkou.settings.Settings.key_path`,
default ``<store>.keys``). Without either, the first ingest of a new store creates a key file
with random keys (mode 0600) — never in production, which requires configured keys for
every command that reads the store."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag

from renkou.errors import ConfigError, StoreError
from renkou.logs import get_logger
from renkou.registry.crypto import (
    ALGORITHM_LABELS,
    DEFAULT_ALGORITHM,
    Algorithm,
    Keys,
    decrypt,
    pseudonym,
)
from renkou.registry.store import Store
from renkou.settings import Settings, new_key_secrets, read_key_file, write_key_file

log = get_logger("registry.keyring")

FINGERPRINT_META = "key_fingerprint"
ALGORITHM_META = "key_algorithm"
_LABEL = b"renkou key fingerprint v1"


def fingerprint(keys: Keys) -> str:
    """Public fingerprint of the two keys (16 hex characters of an HMAC under each)."""
    enc = hmac.new(keys.encryption, _LABEL, hashlib.sha256).hexdigest()[:16]
    pse = hmac.new(keys.pseudonym, _LABEL, hashlib.sha256).hexdigest()[:16]
    return f"{enc}:{pse}"


def _meta(store: Store, key: str) -> str | None:
    if not store.table_exists("store_meta"):
        return None
    value = store.scalar("SELECT value FROM store_meta WHERE key = ?", [key])
    return None if value is None else str(value)


def recorded_fingerprint(store: Store) -> str | None:
    return _meta(store, FINGERPRINT_META)


def recorded_algorithm(store: Store) -> Algorithm | None:
    """The store's algorithm suite; None for a store that holds no identity yet (it takes
    the settings' one at its first batch)."""
    value = _meta(store, ALGORITHM_META)
    if value in ALGORITHM_LABELS:
        return value  # type: ignore[return-value]  # checked against the literal's values
    if value is not None:
        raise StoreError(f"数据库 {store.path.name} 记录的加密算法 {value} 未知，已拒绝")
    if recorded_fingerprint(store) is not None or holds_identities(store):
        return DEFAULT_ALGORITHM  # written before the algorithm was recorded
    return None


def check_algorithm(store: Store, algorithm: Algorithm) -> None:
    """Refuse to read or write a store under the other algorithm suite."""
    recorded = recorded_algorithm(store)
    if recorded is not None and recorded != algorithm:
        raise StoreError(
            f"数据库 {store.path.name} 的身份信息采用 {recorded}（{ALGORITHM_LABELS[recorded]}），"
            f"而当前设置为 {algorithm}（{ALGORITHM_LABELS[algorithm]}）：算法不符，已拒绝，"
            f"未写入任何内容。请设置 RENKOU_CRYPTO_ALGORITHM={recorded}（或 renkou.toml 中 "
            f"crypto_algorithm），或用 renkou keys rotate --algorithm {algorithm} 转换该库")


def holds_identities(store: Store) -> bool:
    return store.table_exists("identity") and bool(
        store.scalar("SELECT count(*) > 0 FROM (SELECT 1 FROM identity LIMIT 1)"))


def _mismatch(store: Store, source: str) -> StoreError:
    return StoreError(f"数据库 {store.path.name} 是用另一组密钥建立的，与当前密钥（{source}）"
                      "不符：用不同密钥导入会把同一个人拆成两个人，已拒绝，未写入任何内容。"
                      "请设置建库时的密钥（环境变量 RENKOU_ENCRYPTION_KEY、RENKOU_PSEUDONYM_KEY "
                      "或密钥文件）")


def check_keys(store: Store, keys: Keys, source: str = "") -> None:
    """Refuse ``keys`` when the store was built with others or under the other algorithm."""
    check_algorithm(store, keys.algorithm)
    recorded = recorded_fingerprint(store)
    if recorded is not None:
        if not hmac.compare_digest(recorded, fingerprint(keys)):
            raise _mismatch(store, source)
        return
    if not holds_identities(store):
        return
    # Written before fingerprints: one identity must decrypt and hash back to its pseudonym.
    pid_text, blob = store.rows("SELECT pseudonym, pii_enc FROM identity LIMIT 1")[0]
    try:
        number = decrypt(bytes(blob), keys).split("\t", 1)[0]
    except (InvalidTag, ValueError):
        raise _mismatch(store, source) from None
    if pseudonym(number, keys) != pid_text:
        raise _mismatch(store, source)


def record_fingerprint(store: Store, keys: Keys) -> None:
    """Inside the batch transaction: record the keys' fingerprint and algorithm (once)."""
    if recorded_fingerprint(store) is None:
        store.execute("INSERT INTO store_meta VALUES (?, ?)", [FINGERPRINT_META,
                                                               fingerprint(keys)])
    if _meta(store, ALGORITHM_META) is None:
        store.execute("INSERT INTO store_meta VALUES (?, ?)", [ALGORITHM_META, keys.algorithm])


def replace_fingerprint(store: Store, keys: Keys) -> None:
    """Inside a key rotation's transaction: the store now holds ``keys``."""
    store.execute("DELETE FROM store_meta WHERE key IN (?, ?)", [FINGERPRINT_META,
                                                                 ALGORITHM_META])
    record_fingerprint(store, keys)


@dataclass(frozen=True)
class IngestKeys:
    """The keys of a batch; ``new_file``: the key file to create when the batch commits
    (a new store without configured keys), with ``secrets`` to write into it."""

    keys: Keys
    new_file: Path | None = None
    secrets: dict[str, str] | None = None

    def write_new_file(self, *, demo: bool) -> None:
        if self.new_file is not None and self.secrets is not None:
            write_key_file(self.new_file, self.secrets, demo=demo)
            if demo:
                log.warning("已生成示范密钥文件 %s（权限 0600）：示范密钥，只用于合成的示范数据",
                            self.new_file)
            else:
                log.warning("已生成随机密钥文件 %s（权限 0600），请备份到安全位置", self.new_file)


def pending_key_file(key_file: Path) -> Path:
    """Where a rotation writes the new keys before they replace ``key_file``."""
    return key_file.with_name(key_file.name + ".new")


def retire_key_file(key_file: Path) -> Path:
    """Keep the replaced key file as ``<key file>.old-<UTC time>``: backups taken before a
    rotation still need it."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    retired = key_file.with_name(f"{key_file.name}.old-{stamp}")
    os.replace(key_file, retired)
    return retired


def _finish_rotation(store: Store, settings: Settings) -> Keys | None:
    """A rotation killed between its COMMIT and the renaming of its key files left the new
    keys in the pending file: when they are the store's, put them in place."""
    if settings.encryption_key is not None and settings.pseudonym_key is not None:
        return None
    key_file = settings.key_path(store.path)
    pending = pending_key_file(key_file)
    recorded = recorded_fingerprint(store)
    if recorded is None or not pending.exists():
        return None
    keys = Keys.from_secrets(read_key_file(pending), settings.crypto_algorithm)
    if not hmac.compare_digest(recorded, fingerprint(keys)):
        return None
    retired = retire_key_file(key_file) if key_file.exists() else None
    os.replace(pending, key_file)
    log.warning("完成了中断的密钥轮换：新密钥文件 %s 已就位（旧密钥保存为 %s）", key_file, retired)
    return keys


def key_source(settings: Settings, store_path: Path) -> str:
    if settings.encryption_key is not None and settings.pseudonym_key is not None:
        return "环境变量"
    return f"密钥文件 {settings.key_path(store_path)}"


def store_keys(store: Store, settings: Settings | None = None) -> Keys | None:
    """The configured keys for ``store`` checked against it; None when none are configured
    outside production (the store is then read without access to identities)."""
    settings = settings or store.settings
    check_algorithm(store, settings.crypto_algorithm)
    found = settings.require_key_secrets(store.path)
    if found is None:
        return None
    keys = Keys.from_secrets(found, settings.crypto_algorithm)
    try:
        check_keys(store, keys, key_source(settings, store.path))
    except StoreError:
        finished = _finish_rotation(store, settings)
        if finished is None:
            raise
        return finished
    return keys


def ingest_keys(store: Store, settings: Settings) -> IngestKeys:
    """The keys an ingest into ``store`` uses: the configured ones (checked against the
    store), or for a new store outside production new random keys whose file is written
    when the batch commits."""
    keys = store_keys(store, settings)
    if keys is not None:
        return IngestKeys(keys)
    if recorded_fingerprint(store) is not None or holds_identities(store):
        raise ConfigError(f"找不到数据库 {store.path.name} 的密钥：应在密钥文件 "
                          f"{settings.key_path(store.path)} 或环境变量 RENKOU_ENCRYPTION_KEY、"
                          "RENKOU_PSEUDONYM_KEY 中；未写入任何内容")
    secrets = new_key_secrets()
    return IngestKeys(Keys.from_secrets(secrets, settings.crypto_algorithm),
                      settings.key_path(store.path), secrets)
