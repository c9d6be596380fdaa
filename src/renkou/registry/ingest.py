"""Ingest of department deliveries (数据入库) with validation and quarantine.

One call of :func:`ingest_directory` is one batch and one DuckDB transaction: every feed
file of the directory is staged, checked in SQL, split into accepted and quarantined rows
(accepted + quarantined = rows read, always), written to the record tables, and the derived
interval tables are rebuilt — or, if anything fails or the process is killed, nothing at all
is written. Files already ingested (same SHA-256) are skipped, so running again after a
crash completes the batch and running twice changes nothing.

Corrections: a row whose record id exists with an earlier 登记日期 supersedes it (the old row
stays, ``active = false``). Department precedence is applied in :mod:`spells`."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from renkou.errors import InputError, StoreError
from renkou.logs import get_logger
from renkou.registry import crypto, spells
from renkou.registry.feeds import (
    FeedSchema,
    feed_schemas,
    find_feed_files,
    unrecognised_files,
)
from renkou.registry.loader import as_text, file_hash, load_raw
from renkou.registry.quarantine import (
    BatchReport,
    FileReport,
    flag_after_death,
    flag_feed,
    report_text,
)
from renkou.registry.records import (
    META_COLUMNS,
    NAME_PRIORITY,
    content_hash_sql,
    create_rec_table_sql,
    events_view_sql,
    pid_column,
    rec_columns,
)
from renkou.registry.store import Store
from renkou.registry.validate import (
    id_map_sql,
    masked_sql,
    parsed_name,
    parsed_select,
    q,
    reason_case_sql,
    row_checks,
)

__all__ = ["BatchReport", "FileReport", "ensure_record_tables", "ingest_directory",
           "report_text"]

log = get_logger("registry.ingest")

Progress = Callable[[str, int, int], None]  # (message, step, total steps)

_EXAMPLES_PER_REASON = 3
_ENCRYPT_CHUNK = 500_000


def _feed_order(key: str) -> int:
    order = list(feed_schemas())
    return order.index(key)


def ensure_record_tables(store: Store) -> None:
    schemas = feed_schemas()
    for schema in schemas.values():
        store.execute(create_rec_table_sql(schema))
    store.execute(events_view_sql(schemas))
    spells.ensure_derived(store)


def _candidates_sql(schema: FeedSchema, raw: str, file_name: str, file_idx: int,
                    batch_id: int, delivered: dict[str, tuple[str, str]]) -> str:
    """One pass over a loaded file: map headers to canonical text fields, parse each value
    once, run the row checks, type the record columns and hash the row."""
    text = [f"{file_idx} AS file_idx", "'" + file_name.replace("'", "''") + "' AS file_name",
            f"rowid - (SELECT min(rowid) FROM {raw}) + 2 AS row_no"]
    for f in schema.fields:
        if f.header in delivered:
            name, dtype = delivered[f.header]
            expr = as_text(name, dtype)
            text.append(f"{'upper(' + expr + ')' if f.type == 'id' else expr} AS {q(f.field)}")
        else:
            text.append(f"'' AS {q(f.field)}")
    parsed, joins = parsed_select(schema)
    index, reason, rfield = reason_case_sql(row_checks(schema))
    ids = schema.of_type("id")
    names = schema.of_type("name")
    out = ["file_idx", "file_name", "row_no", f"{reason} AS reason", f"{rfield} AS rfield",
           f"{batch_id} AS batch_id", "record_id",
           f"{parsed_name('d', 'record_date')} AS record_date", "TRUE AS active"]
    out += [f"{c.expr} AS {q(c.name)}" for c in rec_columns(schema)]
    out += [f"{q(f.field)} AS {q('_raw_' + f.field)}" for f in ids]
    out += [f"{parsed_name('ps', f.field)} AS {q('_ps_' + f.field)}" for f in ids]
    out.append(f"{q(names[0].field)} AS _name" if names else "'' AS _name")
    out.append(f"{parsed_name('d', schema.event_date)} AS _event_date")
    return (f"SELECT *, {content_hash_sql(schema)} AS content_hash FROM ("
            f"SELECT {', '.join(out)} FROM ("
            f"SELECT *, {index} AS _check FROM ("
            f"SELECT {', '.join(parsed)} FROM ("
            f"SELECT {', '.join(text)} FROM {raw}) s {' '.join(joins)})))")


def _delivered(store: Store, raw: str) -> dict[str, tuple[str, str]]:
    described = store.rows(f"SELECT column_name, column_type FROM (DESCRIBE {raw})")
    return {str(n).strip(): (str(n), str(t)) for n, t in described}


def _id_columns_sql(schema: FeedSchema, raw: str, delivered: dict[str, tuple[str, str]],
                    ) -> list[str]:
    out = []
    for f in schema.of_type("id"):
        if f.header in delivered:
            name, dtype = delivered[f.header]
            out.append(f"SELECT upper({as_text(name, dtype)}) AS x FROM {raw}")
    return out


def _build_id_map(store: Store, id_selects: list[str]) -> None:
    pads: dict[str, object] = {"ipad": crypto.hmac_pads()[0], "opad": crypto.hmac_pads()[1]}
    if not id_selects:
        id_selects = ["SELECT '' AS x"]
    store.execute(f"CREATE OR REPLACE TEMP TABLE idmap AS "
                  f"{id_map_sql(id_selects, crypto.hmac_sql)}", pads)


def _check_file(store: Store, schema: FeedSchema, raw: str, name: str, file_idx: int,
                batch_id: int, first: bool) -> int:
    """Append the file's checked rows to ``cand_<feed>``; returns rows read."""
    sql = _candidates_sql(schema, raw, name, file_idx, batch_id, _delivered(store, raw))
    if first:
        store.execute(f"CREATE OR REPLACE TEMP TABLE cand_{schema.key} AS {sql}")
    else:
        store.execute(f"INSERT INTO cand_{schema.key} BY NAME {sql}")
    n = int(store.scalar(f"SELECT count(*) FROM {raw}"))
    store.execute(f"DROP TABLE {raw}")
    return n


def _commit_feed(store: Store, schema: FeedSchema, batch_id: int) -> None:
    key = schema.key
    names = [n for n, _ in META_COLUMNS] + [c.name for c in rec_columns(schema)]
    cols = ", ".join(q(n) for n in names)
    store.execute(
        f"INSERT INTO rec_{key} ({cols}) SELECT {', '.join('c.' + q(n) for n in names)} "
        f"FROM cand_{key} c JOIN flag_{key} f USING (file_idx, row_no) WHERE f.flag IS NULL")
    # Corrected re-deliveries: the latest 登记日期 of a record id is the active version.
    store.execute(
        f"UPDATE rec_{key} SET active = (rec_{key}.record_date = m.latest) FROM "
        f"(SELECT record_id, max(record_date) AS latest FROM rec_{key} WHERE record_id IN "
        f"(SELECT record_id FROM rec_{key} WHERE batch_id = {batch_id}) GROUP BY record_id "
        f"HAVING count(*) > 1) m WHERE rec_{key}.record_id = m.record_id")
    subject = schema.by_field(schema.subject)
    store.execute(
        f"INSERT INTO quarantine SELECT {batch_id}, '{key}', file_name, row_no, "
        f"nullif(record_id, ''), reason, rfield, {masked_sql('_raw_' + subject.field)} "
        f"FROM cand_{key} WHERE reason IS NOT NULL")
    store.execute(
        f"INSERT INTO quarantine SELECT {batch_id}, '{key}', c.file_name, c.row_no, "
        f"c.record_id, f.flag, NULL, {masked_sql('_raw_' + subject.field)} FROM cand_{key} c "
        f"JOIN flag_{key} f USING (file_idx, row_no) WHERE f.flag IS NOT NULL")
    # New persons (any ID field of an accepted row) for the identity table.
    for f in schema.of_type("id"):
        prio = NAME_PRIORITY.index(key) if key in NAME_PRIORITY else len(NAME_PRIORITY)
        name = "_name" if f.field == schema.subject else "''"
        store.execute(
            f"INSERT INTO new_ident SELECT c.{q(pid_column(schema, f))}, "
            f"c.{q('_ps_' + f.field)}, c.{q('_raw_' + f.field)}, {name}, {prio} "
            f"FROM cand_{key} c "
            f"JOIN flag_{key} fl USING (file_idx, row_no) WHERE fl.flag IS NULL "
            f"AND c.{q('_raw_' + f.field)} <> ''")


def _write_identity(store: Store, batch_id: int) -> None:
    """Store persons not yet known: pseudonym, masked ID, sex and birth date from the ID (all
    in SQL) and the encrypted 'ID<TAB>name' (the only per-person step in Python)."""
    import pyarrow as pa

    store.execute(
        "CREATE OR REPLACE TEMP TABLE ident_todo AS SELECT row_number() OVER () AS rn, * FROM "
        "(SELECT pid, arg_min(pseudonym, prio) AS pseudonym, arg_min(id_number, prio) AS "
        "id_number, arg_min(nullif(name, ''), prio) AS name FROM new_ident "
        "WHERE pid NOT IN (SELECT pid FROM identity) GROUP BY pid)")
    total = int(store.scalar("SELECT count(*) FROM ident_todo"))
    for lo in range(1, total + 1, _ENCRYPT_CHUNK):
        chunk = store.frame(f"SELECT pid, id_number || chr(9) || coalesce(name, '') AS pii "
                            f"FROM ident_todo WHERE rn BETWEEN {lo} AND {lo + _ENCRYPT_CHUNK - 1}")
        table = pa.table({
            "pid": pa.array(chunk["pid"].to_numpy(), pa.uint64()),
            "pii_enc": pa.array(crypto.encrypt_many(chunk["pii"].tolist()), pa.binary()),
        })
        store.register("_ident_chunk", table)
        try:
            store.execute(
                f"INSERT INTO identity SELECT t.pid, t.pseudonym, {masked_sql('id_number')}, "
                "k.pii_enc, CASE WHEN (ascii(substr(t.id_number, 17, 1)) - 48) % 2 = 1 "
                "THEN 'male' ELSE 'female' END, strptime(substr(t.id_number, 7, 8), "
                f"'%Y%m%d')::DATE, {batch_id} FROM _ident_chunk k JOIN ident_todo t USING (pid)")
        finally:
            store.unregister("_ident_chunk")


def _crash_test_pause() -> None:
    """Crash tests only: with RENKOU_TEST_PAUSE_INGEST=<seconds>, wait inside the batch
    transaction after everything is written but before COMMIT, announcing it by creating
    the file named in RENKOU_TEST_PAUSE_MARK, so a test can kill the process there."""
    seconds = os.environ.get("RENKOU_TEST_PAUSE_INGEST")
    if not seconds:
        return
    mark = os.environ.get("RENKOU_TEST_PAUSE_MARK")
    if mark:
        Path(mark).write_text("paused", encoding="utf-8")
    time.sleep(float(seconds))


def ingest_directory(store: Store, directory: Path, progress: Progress | None = None,
                     ) -> BatchReport:
    """Ingest every feed file in ``directory`` as one all-or-nothing batch."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError("目录不存在", file=str(directory))
    files = find_feed_files(directory)
    if not files:
        raise InputError("目录中没有可识别的部门数据文件（文件名应以接口名开头，如 "
                         "police_hukou_2020.csv）", file=str(directory))
    schemas = feed_schemas()
    step_total = len(files) + 4
    say = progress or (lambda msg, step, total: None)
    reports: list[FileReport] = []
    with store.transaction():
        ensure_record_tables(store)
    known = {r[0] for r in store.rows("SELECT file_hash FROM ingest_files")}
    staged: set[str] = set()
    loaded: list[tuple[str, Path, int]] = []
    id_selects: list[str] = []
    rows_by_file: dict[tuple[str, str], int] = {}
    hashes: dict[str, str] = {}
    # Files are loaded into temp tables before the transaction: an unreadable file is
    # reported and skipped (not recorded, so the next run retries it) without aborting it.
    for i, (key, path) in enumerate(files):
        say(f"读取 {path.name}", i, step_total)
        digest = file_hash(path)
        if digest in known:
            reports.append(FileReport(path.name, key, 0, 0, 0, skipped=True))
            continue
        try:
            load_raw(store, path, f"raw_{i}")
        except (InputError, StoreError) as exc:
            log.warning("cannot read %s: %s", path.name, exc)
            reports.append(FileReport(path.name, key, 0, 0, 0, error=str(exc)))
            continue
        known.add(digest)
        hashes[path.name] = digest
        loaded.append((key, path, i))
        id_selects += _id_columns_sql(schemas[key], f"raw_{i}", _delivered(store, f"raw_{i}"))
    if not loaded and not any(r.skipped for r in reports):
        raise InputError("没有任何文件可以读取：" + "；".join(r.error for r in reports),
                         file=str(directory))
    with store.transaction():
        batch_id = int(store.scalar("SELECT coalesce(max(batch_id), 0) + 1 FROM ingest_batches"))
        store.execute("INSERT INTO ingest_batches (batch_id, started_at, source_dir) "
                      "VALUES (?, now(), ?)", [batch_id, str(directory)])
        say("校验", len(files), step_total)
        _build_id_map(store, id_selects)
        for key, path, i in loaded:
            n = _check_file(store, schemas[key], f"raw_{i}", path.name, i, batch_id,
                            key not in staged)
            staged.add(key)
            rows_by_file[(key, path.name)] = n
        keys = sorted(staged, key=_feed_order)
        for key in keys:
            flag_feed(store, schemas[key])
        flag_after_death(store, schemas, keys) if keys else None
        say("写入", len(files) + 1, step_total)
        store.execute("CREATE OR REPLACE TEMP TABLE new_ident (pid UBIGINT, pseudonym VARCHAR, "
                      "id_number VARCHAR, name VARCHAR, prio INTEGER)")
        for key in keys:
            _commit_feed(store, schemas[key], batch_id)
        _write_identity(store, batch_id)
        say("生成状态表", len(files) + 2, step_total)
        spells.rebuild(store, batch_id)
        counts = store.rows(
            "SELECT feed, file_name, reason, count(*) FROM quarantine WHERE batch_id = ? "
            "GROUP BY ALL", [batch_id])
        by_file: dict[str, Counter[str]] = {}
        for _feed, fname, reason, n in counts:
            by_file.setdefault(fname, Counter())[reason] += int(n)
        for (key, fname), n in rows_by_file.items():
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
                             tuple(p.name for p in unrecognised_files(directory)))
        store.execute(
            "UPDATE ingest_batches SET finished_at = now(), files = ?, rows_read = ?, "
            "accepted = ?, quarantined = ?, report = ? WHERE batch_id = ?",
            [len(rows_by_file), report.rows_read, report.accepted, report.quarantined,
             report.to_json(), batch_id])
        for key in keys:
            for t in ("cand", "flag"):
                store.execute(f"DROP TABLE IF EXISTS {t}_{key}")
        _crash_test_pause()
        say("完成", step_total, step_total)
    log.info("ingest batch %s: %s rows, %s accepted, %s quarantined", batch_id,
             report.rows_read, report.accepted, report.quarantined)
    return report
