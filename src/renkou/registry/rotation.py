"""Key rotation (密钥轮换): a store's identities and pseudonyms under new keys.

Every person's ID number and name are decrypted with the old keys, encrypted again with the
new ones (possibly under the other algorithm suite) and given the new pseudonym; the 64-bit
person key ``pid`` it begins with changes too, so every ``pid`` and ``<role>_pid`` column of
the store is rewritten through the map old → new, the record tables' content hashes (which
cover those columns) are recomputed and the recorded fingerprint and algorithm replaced —
all in one transaction. A killed rotation therefore leaves the store as it was, readable
with the old keys; a committed one is readable with the new keys only.

The new key file is written before the transaction commits (never a store whose keys exist
nowhere); when the keys live in the default key file, it is written beside it as
``<key file>.new`` and takes its place after COMMIT, the old file being kept as
``<key file>.old-<time>``. A kill between COMMIT and that rename is completed by the next
command that opens the store (:func:`renkou.registry.keyring.store_keys`)."""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from renkou.errors import ConfigError, StoreError
from renkou.logs import get_logger
from renkou.registry import crypto
from renkou.registry.crash_pause import crash_test_pause
from renkou.registry.crypto import Algorithm, Keys
from renkou.registry.feeds import feed_schemas
from renkou.registry.keyring import (
    check_keys,
    fingerprint,
    holds_identities,
    key_source,
    pending_key_file,
    recorded_algorithm,
    replace_fingerprint,
    retire_key_file,
)
from renkou.registry.records import content_hash_sql
from renkou.registry.store import Store
from renkou.settings import Settings, new_key_secrets, write_key_file

log = get_logger("registry.rotation")

_PART_ROWS = 200_000  # identities decrypted and sealed again per step


@dataclass(frozen=True)
class Rotation:
    """What a rotation did: persons re-keyed, columns rewritten, the keys before and after
    (fingerprints and algorithms), where the new keys are and what the operator must do."""

    persons: int
    columns: tuple[str, ...]
    old_fingerprint: str
    new_fingerprint: str
    old_algorithm: Algorithm
    new_algorithm: Algorithm
    key_file: Path
    retired_key_file: Path | None
    notices: tuple[str, ...]
    seconds: float


def pid_columns(store: Store) -> list[tuple[str, str]]:
    """(table, column) of every person key of the store: UBIGINT ``pid`` or ``*_pid`` columns
    of its tables (views follow the tables)."""
    rows = store.rows(
        "SELECT c.table_name, c.column_name FROM information_schema.columns c "
        "JOIN information_schema.tables t ON t.table_catalog = c.table_catalog "
        "AND t.table_schema = c.table_schema AND t.table_name = c.table_name "
        "WHERE t.table_type = 'BASE TABLE' AND c.table_catalog = current_database() "
        "AND c.table_schema = 'main' AND c.data_type = 'UBIGINT' "
        "AND (c.column_name = 'pid' OR suffix(c.column_name, '_pid')) ORDER BY 1, 2")
    return [(str(t), str(c)) for t, c in rows]


def rekey(store: Store, old: Keys, new: Keys) -> tuple[int, list[str]]:
    """Inside the caller's transaction: every identity and person key under ``new``.
    Returns the persons re-keyed and the columns rewritten. A person key that no identity
    explains refuses the rotation (its new key could not be computed)."""
    store.execute("CREATE OR REPLACE TEMP TABLE _rekey (old UBIGINT, pid UBIGINT, "
                  "pseudonym VARCHAR, pii_enc BLOB)")
    persons = int(store.scalar("SELECT count(*) FROM identity"))
    parts = max(1, math.ceil(persons / _PART_ROWS))
    for part in range(parts):
        chunk = store.arrow(f"SELECT pid, pii_enc FROM identity WHERE pid % {parts} = {part}")
        store.execute_with("INSERT INTO _rekey SELECT * FROM _data", _resealed(chunk, old, new))
    if store.scalar("SELECT count(DISTINCT pid) <> count(*) FROM _rekey"):
        raise StoreError("新密钥下两个人的假名相同（概率约 2⁻⁶⁴），请重新运行轮换；未写入任何内容")
    columns = pid_columns(store)
    for table, column in columns:
        stray = int(store.scalar(
            f'SELECT count(*) FROM "{table}" t WHERE t."{column}" IS NOT NULL AND NOT EXISTS '
            f'(SELECT 1 FROM _rekey r WHERE r.old = t."{column}")'))
        if stray:
            raise StoreError(f"表 {table} 的 {column} 列有 {stray} 行的人员键在身份表中找不到，"
                             "无法换算到新密钥：已拒绝轮换，未写入任何内容")
    for table, column in columns:
        if table == "identity":
            store.execute("UPDATE identity SET pid = r.pid, pseudonym = r.pseudonym, "
                          "pii_enc = r.pii_enc FROM _rekey r WHERE identity.pid = r.old")
        else:
            store.execute(f'UPDATE "{table}" SET "{column}" = r.pid FROM _rekey r '
                          f'WHERE "{table}"."{column}" = r.old')
    # The duplicate checks of later batches compare content hashes, which cover person keys.
    for schema in feed_schemas().values():
        if store.table_exists(f"rec_{schema.key}"):
            store.execute(f"UPDATE rec_{schema.key} SET content_hash = "
                          f"{content_hash_sql(schema)}")
    store.execute("DROP TABLE _rekey")
    replace_fingerprint(store, new)
    return persons, [f"{t}.{c}" for t, c in columns]


def _resealed(chunk: pa.Table, old: Keys, new: Keys) -> pa.Table:
    """(old pid, new pid, new pseudonym, new ciphertext) of identities sealed with ``old``."""
    clear = crypto.decrypt_many((bytes(b) for b in chunk["pii_enc"].to_pylist()), old)
    names = crypto.pseudonyms([c.split("\t", 1)[0] for c in clear], new)
    return pa.table({
        "old": chunk["pid"],
        "pid": pa.array([crypto.pid_of(p) for p in names], pa.uint64()),
        "pseudonym": pa.array(names, pa.string()),
        "pii_enc": crypto.encrypt_array(pa.array(clear, pa.string()), new),
    })


def rotate_store(store: Store, settings: Settings, *, algorithm: Algorithm | None = None,
                 out: Path | None = None) -> Rotation:
    """Rotate the keys of ``store`` (opened for writing): new random keys, under
    ``algorithm`` (default: the store's), written to ``out`` or in place of the key file."""
    t0 = time.perf_counter()
    current = recorded_algorithm(store) or settings.crypto_algorithm
    target: Algorithm = algorithm or current
    if not holds_identities(store):
        raise StoreError(f"数据库 {store.path.name} 尚无身份信息：无需轮换（新库按 "
                         "crypto_algorithm 设置在首次导入时生成密钥）")
    secrets = settings.key_secrets(store.path)
    if secrets is None:
        raise ConfigError(f"找不到数据库 {store.path.name} 的密钥（密钥文件 "
                          f"{settings.key_path(store.path)} 或环境变量）：无法轮换")
    source = key_source(settings, store.path)
    old = Keys.from_secrets(secrets, current)
    check_keys(store, old, source)
    from_env = settings.encryption_key is not None and settings.pseudonym_key is not None
    if from_env and out is None:
        raise ConfigError("密钥来自环境变量：请用 --out 指定新密钥文件的位置（轮换后把新密钥"
                          "放入环境变量，或删除环境变量并设置 RENKOU_KEY_FILE）")
    new_secrets = new_key_secrets()
    new = Keys.from_secrets(new_secrets, target)
    key_file = settings.key_path(store.path)
    written = out if out is not None else pending_key_file(key_file)
    if out is None and written.exists():
        # Left by a rotation killed before COMMIT: it holds keys no data was committed under.
        written.unlink()
    write_key_file(written, new_secrets)
    _fsync_dir(written.parent)
    try:
        with store.transaction():
            persons, columns = rekey(store, old, new)
            crash_test_pause("RENKOU_TEST_PAUSE_ROTATE")
    except BaseException:
        if out is None:
            written.unlink(missing_ok=True)
        raise
    notices = []
    retired: Path | None = None
    if out is None:
        retired = retire_key_file(key_file)
        os.replace(written, key_file)
        _fsync_dir(key_file.parent)
        notices.append(f"旧密钥已保存为 {retired}（权限 0600）：只用于解密轮换前的备份；"
                       "不再需要时请安全删除")
    elif from_env:
        notices.append(f"新密钥在 {out}：请把其中的两项放入环境变量 RENKOU_ENCRYPTION_KEY、"
                       "RENKOU_PSEUDONYM_KEY（或删除这两个环境变量并设置 "
                       f"RENKOU_KEY_FILE={out}）后再使用该库")
    else:
        notices.append(f"新密钥在 {out}：请设置 RENKOU_KEY_FILE={out}；原密钥文件 {key_file} "
                       "已与该库不符")
    if target != settings.crypto_algorithm:
        notices.append(f"该库现采用 {target}：请设置 RENKOU_CRYPTO_ALGORITHM={target}"
                       "（或 renkou.toml 中 crypto_algorithm）后再使用")
    log.info("keys rotated: %s persons, %s columns, %s -> %s", persons, len(columns),
             current, target)
    return Rotation(persons, tuple(columns), fingerprint(old), fingerprint(new), current,
                    target, out if out is not None else key_file, retired, tuple(notices),
                    time.perf_counter() - t0)


def _fsync_dir(folder: Path) -> None:
    """Make a created or renamed key file durable before the store depends on it."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


