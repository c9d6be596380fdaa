"""Ingest of department deliveries (数据入库) with validation and quarantine.

One call of :func:`ingest_directory` is one batch and one DuckDB transaction: every feed
file of the directory is read, checked in SQL, split into accepted and quarantined rows
(accepted + quarantined = rows read, always), written to the record tables, and the derived
interval tables are rebuilt — or, if anything fails or the process is killed, nothing at all
is written. Files already ingested (same SHA-256) are skipped, so running again after a
crash completes the batch and running twice changes nothing.

Inside the transaction the files are processed feed by feed in groups of about
``settings.ingest_group_mb`` (default 512) MB, staged on a scratch database
(:mod:`renkou.registry.staging`): a group is read, checked, deduplicated against the record
table (which already holds the earlier groups, so "first delivered wins" as for one big
pass) and written before the next group is read. The working set is one group plus the
batch's ID map, whatever the size of the delivery. Events dated after a death are checked
once all feeds are in (a death may arrive in a later group) and moved to the quarantine
then (marked ``active = NULL`` in their record table, see :mod:`renkou.registry.records`).

A batch is ingested for one jurisdiction (``jurisdiction``, else the one of the directory's
``synthetic.json``, else ``settings.jurisdiction``): its division codes are checked against
that jurisdiction's areas, the store records it on its first batch, and a batch for another
jurisdiction than the store's is refused before anything is written
(:mod:`renkou.registry.origin`).

Corrections: a row whose record id exists with an earlier 登记日期 supersedes it (the old row
stays, ``active = false``). Department precedence is applied in :mod:`spells`."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa

from renkou.errors import InputError
from renkou.jurisdictions import Jurisdiction
from renkou.logs import get_logger
from renkou.registry import crypto, spells
from renkou.registry.crash_pause import crash_test_pause
from renkou.registry.delivery import delivery_entries, refuse, size_problems
from renkou.registry.feeds import feed_schemas, unrecognised_files
from renkou.registry.keyring import IngestKeys, ingest_keys, record_fingerprint
from renkou.registry.origin import (
    SyntheticMarker,
    batch_jurisdiction,
    check_store_accepts,
    holds_data,
    record_batch_origin,
)
from renkou.registry.prefetch import Prefetch
from renkou.registry.quarantine import (
    BatchReport,
    FileReport,
    report_text,
    retract_after_death,
)
from renkou.registry.records import (
    HASH_PROBE_SQL,
    NAME_PRIORITY,
    content_hash_sql,
    create_rec_table_sql,
    events_view_sql,
    pid_column,
)
from renkou.registry.staging import Staging
from renkou.registry.store import Scratch, Store
from renkou.registry.validate import q
from renkou.settings import Settings

__all__ = ["BatchReport", "FileReport", "ensure_record_tables", "ingest_directory",
           "report_text"]

log = get_logger("registry.ingest")

Progress = Callable[[str, int, int], None]  # (message, step, total steps)

_EXAMPLES_PER_REASON = 3
_ENCRYPT_CHUNK = 500_000


def _feed_order(key: str) -> int:
    """Feeds that name persons in precedence order first: the first accepted name of a
    person comes from the most authoritative source (see ``Staging._write``)."""
    order = [k for k in NAME_PRIORITY if k in feed_schemas()]
    order += [k for k in feed_schemas() if k not in order]
    return order.index(key)


def ensure_record_tables(store: Store) -> None:
    schemas = feed_schemas()
    for schema in schemas.values():
        store.execute(create_rec_table_sql(schema))
    store.execute(events_view_sql(schemas))
    spells.ensure_derived(store)
    _ensure_content_hashes(store)


def _ensure_content_hashes(store: Store) -> None:
    """Recompute the stored content hashes when DuckDB's hash function is not the one
    that wrote them (an upgrade) or a migration cleared them: duplicates of earlier
    deliveries are recognised by these hashes."""
    probe = str(store.scalar(HASH_PROBE_SQL))
    stored = store.scalar("SELECT value FROM store_meta WHERE key = 'content_hash_probe'")
    if stored == probe:
        return
    for schema in feed_schemas().values():
        store.execute(f"UPDATE rec_{schema.key} SET content_hash = {content_hash_sql(schema)}")
    store.execute("DELETE FROM store_meta WHERE key = 'content_hash_probe'")
    store.execute("INSERT INTO store_meta VALUES ('content_hash_probe', ?)", [probe])


# Parquet holds about six times the rows of CSV per byte (synthetic feeds: ≈ 16 against
# ≈ 100 bytes a row); groups are measured in CSV-equivalent bytes.
_SIZE_WEIGHT = {".parquet": 6}


def _groups(todo: list[tuple[str, Path, int]], group_mb: int,
            ) -> list[list[tuple[str, Path, int]]]:
    """Files feed by feed (name-precedence feeds first), each feed's files in delivery
    order, cut into groups of about ``group_mb`` MB of CSV-equivalent size."""
    limit = int(group_mb) << 20
    groups: list[list[tuple[str, Path, int]]] = []
    for key in sorted({k for k, _, _ in todo}, key=_feed_order):
        current: list[tuple[str, Path, int]] = []
        size = 0
        for item in (t for t in todo if t[0] == key):
            n = item[1].stat().st_size * _SIZE_WEIGHT.get(item[1].suffix.lower(), 1)
            if current and size + n > limit:
                groups.append(current)
                current, size = [], 0
            current.append(item)
            size += n
        if current:
            groups.append(current)
    return groups


def _mark_active(store: Store, key: str, record_ids: pa.Table) -> None:
    """Corrected re-deliveries: the latest 登记日期 of a record id is the active version
    (only for ``record_ids``: those delivered more than once or retracted). Rows quarantined
    after writing (``active`` NULL) take no part."""
    if not record_ids.num_rows:
        return
    store.execute_with(
        f"UPDATE rec_{key} SET active = (rec_{key}.record_date = m.latest) FROM "
        f"(SELECT record_id, max(record_date) AS latest FROM rec_{key} "
        f"SEMI JOIN _data USING (record_id) WHERE active IS NOT NULL GROUP BY record_id) m "
        f"WHERE rec_{key}.record_id = m.record_id AND rec_{key}.active IS NOT NULL",
        record_ids)


def _write_identity(store: Store, staging: Staging, batch_id: int,
                    keys: crypto.Keys) -> None:
    """Store persons not yet known that an accepted record of this batch names (any ID
    column: subject, mother …): pseudonym, masked ID, sex and birth date from the ID (all
    in SQL) and the encrypted 'ID<TAB>name' (the only per-person step in Python)."""
    named = " UNION ".join(
        f"SELECT {q(pid_column(schema, f))} AS pid FROM rec_{schema.key} "
        f"WHERE batch_id = {batch_id}"
        for schema in feed_schemas().values() for f in schema.of_type("id"))
    new = store.arrow(f"SELECT pid FROM (SELECT pid FROM ({named}) WHERE pid IS NOT NULL) "
                      "ANTI JOIN identity USING (pid)")
    def sealed(chunk: pa.RecordBatch) -> pa.Table:
        table = pa.Table.from_batches([chunk])
        return table.set_column(table.schema.get_field_index("pii"), "pii_enc",
                                crypto.encrypt_array(table["pii"].combine_chunks(), keys))

    def insert(table: pa.Table) -> None:
        store.execute_with("INSERT INTO identity SELECT pid, pseudonym, id_masked, pii_enc, "
                           "sex, birth_date, first_batch FROM _data", table)

    # Pipelined: a chunk is encrypted (Python) while DuckDB inserts the one before.
    with ThreadPoolExecutor(1, thread_name_prefix="renkou-seal") as pool:
        pending: Future[pa.Table] | None = None
        for chunk in staging.identities(new, batch_id, _ENCRYPT_CHUNK):
            ready = pool.submit(sealed, chunk)
            if pending is not None:
                insert(pending.result())
            pending = ready
        if pending is not None:
            insert(pending.result())


def ingest_directory(store: Store, directory: Path, progress: Progress | None = None, *,
                     jurisdiction: str | None = None, settings: Settings | None = None,
                     ) -> BatchReport:
    """Ingest every feed file in ``directory`` as one all-or-nothing batch for
    ``jurisdiction`` (a key; default: the directory's ``synthetic.json``, else the settings'
    jurisdiction). ``settings``: resources and keys (default: the store's)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError("目录不存在", file=str(directory))
    settings = settings if settings is not None else store.settings
    batch_keys = ingest_keys(store, settings)  # other keys than the store's: refused
    j, marker = batch_jurisdiction(directory, jurisdiction, settings.jurisdiction)
    check_store_accepts(store, j, directory, default=settings.jurisdiction)
    entries, problems = delivery_entries(directory)
    problems += size_problems([e.path for e in entries], settings)
    if problems:
        raise refuse(directory, problems)
    reports: list[FileReport] = [FileReport(e.path.name, e.feed, 0, 0, 0, note="文件为空")
                                 for e in entries if e.feed and e.path.stat().st_size == 0]
    files = sorted(((e.feed, e.path) for e in entries
                    if e.feed is not None and e.path.stat().st_size > 0),
                   key=lambda kp: (kp[0], kp[1].name))
    if not files and not reports:
        raise InputError("目录中没有可识别的部门数据文件（文件名应以接口名开头，如 "
                         "police_hukou_2020.csv）", file=str(directory))
    say = progress or (lambda msg, step, total: None)
    with store.transaction():
        ensure_record_tables(store)
    known = {r[0] for r in store.rows("SELECT file_hash FROM ingest_files")}
    step_total = len(files) + 3
    planned_groups = _groups([(key, path, i) for i, (key, path) in enumerate(files)],
                             settings.ingest_group_mb)
    private = store.private_dir()  # transient clear text stays beside the store
    try:
        with Prefetch([path for planned in planned_groups for _k, path, _i in planned],
                      private / "files", xlsx_max_mb=settings.max_xlsx_unzipped_mb,
                      max_rows=settings.max_rows) as ahead, \
                store.scratch(private) as scratch, \
                store.memory_limit(settings.duckdb_staging_memory), store.transaction():
            report = _run_batch(store, directory, ahead, scratch, planned_groups, reports,
                                known, j, marker, batch_keys, settings, say, step_total)
    except _NothingRead:  # rolled back: no batch row for a delivery without data rows
        return BatchReport(None, tuple(sorted(reports, key=lambda r: r.file)), (),
                           tuple(p.name for p in unrecognised_files(directory)))
    finally:
        shutil.rmtree(private, ignore_errors=True)
    log.info("ingest batch %s: %s rows, %s accepted, %s quarantined", report.batch_id,
             report.rows_read, report.accepted, report.quarantined)
    return report


class _NothingRead(Exception):
    """Every file was empty, header-only or ingested before: nothing to record."""


def _run_batch(store: Store, directory: Path, ahead: Prefetch, scratch: Scratch,
               planned_groups: list[list[tuple[str, Path, int]]], reports: list[FileReport],
               known: set[str], j: Jurisdiction, marker: SyntheticMarker | None,
               batch_keys: IngestKeys, settings: Settings, say: Progress,
               step_total: int) -> BatchReport:
    """The batch inside its transaction (any exception rolls it back)."""
    schemas = feed_schemas()
    secrets = batch_keys.keys
    hashes: dict[str, str] = {}
    first = not holds_data(store)
    batch_id = int(store.scalar("SELECT coalesce(max(batch_id), 0) + 1 FROM ingest_batches"))
    store.execute("INSERT INTO ingest_batches (batch_id, started_at, source_dir) "
                  "VALUES (?, now(), ?)", [batch_id, str(directory)])
    record_batch_origin(store, j, marker, first=first)
    record_fingerprint(store, secrets)
    staging = Staging(scratch, store, batch_id, j, secrets, prefetch=ahead,
                      max_rows=settings.max_rows, max_cell_chars=settings.max_cell_chars)
    keys: list[str] = []
    done = 0
    for planned in planned_groups:
        group = []
        for key, path, i in planned:
            digest = ahead.digest(path)
            if digest in known:
                ahead.skip(path)
                reports.append(FileReport(path.name, key, 0, 0, 0, skipped=True))
                continue
            known.add(digest)
            hashes[path.name] = digest
            group.append((key, path, i))
        done += len(planned) - len(group)
        if not group:
            continue
        key = group[0][0]
        say(f"读取并校验 {key}（{len(group)} 个文件）", done, step_total)
        if staging.run(schemas[key], group, reports) and key not in keys:
            keys.append(key)
        done += len(group)
    if staging.problems:
        raise refuse(directory, staging.problems)
    if not staging.rows_by_file:
        raise _NothingRead
    say("写入身份信息", done, step_total)
    for key in keys:
        _mark_active(store, key, staging.corrections(key))
    _write_identity(store, staging, batch_id, secrets)
    rows_by_file = staging.rows_by_file
    scratch.close()  # frees the ID map before the derived tables are built
    store.restore_memory_limit()
    say("核对死亡后事件", done + 1, step_total)
    spells.rebuild_deaths(store)
    for key, retracted in retract_after_death(store, schemas, keys, batch_id).items():
        _mark_active(store, key, retracted)
    say("生成状态表", done + 2, step_total)
    with store.unordered_inserts():
        spells.rebuild(store, batch_id, j)
    report = _batch_report(store, batch_id, directory, reports, rows_by_file, hashes,
                           _key_notices(batch_keys, demo=marker is not None))
    # The new key file is written last, so a failed batch leaves none behind; a kill
    # between it and COMMIT leaves a key file that the next run uses.
    batch_keys.write_new_file(demo=marker is not None)
    crash_test_pause("RENKOU_TEST_PAUSE_INGEST")
    say("完成", step_total, step_total)
    return report


def _key_notices(keys: IngestKeys, *, demo: bool) -> tuple[str, ...]:
    if keys.new_file is None:
        return ()
    notes = [f"未配置密钥，已生成随机密钥文件 {keys.new_file}（权限 0600）：以后的命令都使用它；"
             "丢失则库中身份证号码和姓名无法解密，请备份到安全位置"]
    if demo:
        notes.append("这是示范数据：密钥为示范密钥，只用于合成数据，不得用于真实个人信息")
    return tuple(notes)


def _batch_report(store: Store, batch_id: int, directory: Path, reports: list[FileReport],
                  rows_by_file: dict[str, tuple[str, int]], hashes: dict[str, str],
                  notices: tuple[str, ...] = ()) -> BatchReport:
    """Count the batch by file and reason, record the files and the report."""
    counts = store.rows(
        "SELECT feed, file_name, reason, count(*) FROM quarantine WHERE batch_id = ? "
        "GROUP BY ALL", [batch_id])
    by_file: dict[str, Counter[str]] = {}
    for _feed, fname, reason, n in counts:
        by_file.setdefault(fname, Counter())[reason] += int(n)
    for fname, (key, n) in rows_by_file.items():
        reasons = by_file.get(fname, Counter())
        quarantined = sum(reasons.values())
        reports.append(FileReport(fname, key, n, n - quarantined, quarantined,
                                  by_reason=dict(sorted(reasons.items()))))
        store.execute("INSERT INTO ingest_files VALUES (?, ?, ?, ?, ?, ?, ?)",
                      [batch_id, fname, hashes[fname], key, n, n - quarantined, quarantined])
    examples = store.frame(
        "SELECT feed, file_name AS file, row_no AS row, reason, field, id_masked FROM "
        "(SELECT *, row_number() OVER (PARTITION BY reason ORDER BY file_name, row_no) k "
        "FROM quarantine WHERE batch_id = ?) WHERE k <= ? ORDER BY reason, file, row",
        [batch_id, _EXAMPLES_PER_REASON])
    examples = examples.astype(object).where(examples.notna(), None)
    report = BatchReport(batch_id, tuple(sorted(reports, key=lambda r: r.file)),
                         tuple({str(k): v for k, v in rec.items()}
                               for rec in examples.to_dict(orient="records")),
                         tuple(p.name for p in unrecognised_files(directory)), notices)
    store.execute(
        "UPDATE ingest_batches SET finished_at = now(), files = ?, rows_read = ?, "
        "accepted = ?, quarantined = ?, report = ? WHERE batch_id = ?",
        [len(rows_by_file), report.rows_read, report.accepted, report.quarantined,
         report.to_json(), batch_id])
    return report
