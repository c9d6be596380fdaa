"""Which keys a store was built with (密钥核对).

The store records a fingerprint of its keys in ``store_meta`` (``key_fingerprint``: an HMAC
of a fixed label under each key, which reveals nothing about the keys) at its first batch.
Opening or ingesting with other keys is refused before anything is written: two batches
under different keys would give every person two pseudonyms. A store written before
fingerprints were recorded is checked by decrypting one identity and recomputing its
pseudonym.

Keys come from the environment or the key file (:meth:`renkou.settings.Settings.key_path`,
default ``<store>.keys``). Without either, the first ingest of a new store creates a key file
with random keys (mode 0600) — never in production, which requires configured keys for
every command that reads the store."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag

from renkou.errors import ConfigError, StoreError
from renkou.logs import get_logger
from renkou.registry.crypto import Keys, decrypt, pseudonym
from renkou.registry.store import Store
from renkou.settings import Settings, new_key_secrets, write_key_file

log = get_logger("registry.keyring")

FINGERPRINT_META = "key_fingerprint"
_LABEL = b"renkou key fingerprint v1"


def fingerprint(keys: Keys) -> str:
    """Public fingerprint of the two keys (16 hex characters of an HMAC under each)."""
    enc = hmac.new(keys.encryption, _LABEL, hashlib.sha256).hexdigest()[:16]
    pse = hmac.new(keys.pseudonym, _LABEL, hashlib.sha256).hexdigest()[:16]
    return f"{enc}:{pse}"


def recorded_fingerprint(store: Store) -> str | None:
    if not store.table_exists("store_meta"):
        return None
    value = store.scalar("SELECT value FROM store_meta WHERE key = ?", [FINGERPRINT_META])
    return None if value is None else str(value)


def holds_identities(store: Store) -> bool:
    return store.table_exists("identity") and bool(
        store.scalar("SELECT count(*) > 0 FROM (SELECT 1 FROM identity LIMIT 1)"))


def _mismatch(store: Store, source: str) -> StoreError:
    return StoreError(f"数据库 {store.path.name} 是用另一组密钥建立的，与当前密钥（{source}）"
                      "不符：用不同密钥导入会把同一个人拆成两个人，已拒绝，未写入任何内容。"
                      "请设置建库时的密钥（环境变量 RENKOU_ENCRYPTION_KEY、RENKOU_PSEUDONYM_KEY "
                      "或密钥文件）")


def check_keys(store: Store, keys: Keys, source: str = "") -> None:
    """Refuse ``keys`` when the store was built with others."""
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
    """Inside the batch transaction: record the keys' fingerprint (once)."""
    if recorded_fingerprint(store) is None:
        store.execute("INSERT INTO store_meta VALUES (?, ?)", [FINGERPRINT_META,
                                                               fingerprint(keys)])


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


def _source(settings: Settings, store_path: Path) -> str:
    if settings.encryption_key is not None and settings.pseudonym_key is not None:
        return "环境变量"
    return f"密钥文件 {settings.key_path(store_path)}"


def store_keys(store: Store, settings: Settings | None = None) -> Keys | None:
    """The configured keys for ``store`` checked against it; None when none are configured
    outside production (the store is then read without access to identities)."""
    settings = settings or store.settings
    found = settings.require_key_secrets(store.path)
    if found is None:
        return None
    keys = Keys.from_secrets(found)
    check_keys(store, keys, _source(settings, store.path))
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
    return IngestKeys(Keys.from_secrets(secrets), settings.key_path(store.path), secrets)
