"""Ingest of department deliveries (数据入库) with validation and quarantine.

One call of :func:`ingest_directory` is one batch and one DuckDB transaction: every feed
file of the directory is read, checked in SQL, split into accepted and quarantined rows
(accepted + quarantined = rows read, always), written to the record tables, and the derived
interval tables are rebuilt — or, if anything fails or the process is killed, nothing at all
is written. Files already ingested (same SHA-256) are skipped, so running again after a
crash completes the batch and running twice changes nothing.

Inside the transaction the files are processed feed by feed in groups of about
``RENKOU_INGEST_GROUP_MB`` (default 512) MB: a group is read, checked, deduplicated against
the record table (which already holds the earlier groups, so "first delivered wins" as for
one big pass) and written before the next group is read. The working set is one group plus
the batch's ID map, whatever the size of the delivery. Events dated after a death are
checked once all feeds are in (a death may arrive in a later group) and moved to the
quarantine then.

Corrections: a row whose record id exists with an earlier 登记日期 supersedes it (the old row
stays, ``active = false``). Department precedence is applied in :mod:`spells`."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from renkou.errors import InputError
from renkou.logs import get_logger
from renkou.registry import crypto, spells
from renkou.registry.feeds import (
    FeedSchema,
    feed_schemas,
    find_feed_files,
    unrecognised_files,
)
from renkou.registry.loader import ROW_NO, as_text, file_hash, read_delivery
from renkou.registry.quarantine import (
    BatchReport,
    FileReport,
    flag_feed,
    report_text,
    retract_after_death,
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
    """Feeds that name persons in precedence order first: the first accepted name of a
    person comes from the most authoritative source (see ``_commit_group``)."""
    order = [k for k in NAME_PRIORITY if k in feed_schemas()]
    order += [k for k in feed_schemas() if k not in order]
    return order.index(key)


def ensure_record_tables(store: Store) -> None:
    schemas = feed_schemas()
    for schema in schemas.values():
        store.execute(create_rec_table_sql(schema))
    store.execute(events_view_sql(schemas))
    spells.ensure_derived(store)


def _text_sql(schema: FeedSchema, raw: str, file_name: str, file_idx: int,
              delivered: dict[str, tuple[str, str]]) -> str:
    """A delivered file's columns mapped to the feed's canonical fields, as trimmed text."""
    text = [f"{file_idx} AS file_idx", "'" + file_name.replace("'", "''") + "' AS file_name",
            f"{q(ROW_NO)} AS row_no"]
    for f in schema.fields:
        if f.header in delivered:
            name, dtype = delivered[f.header]
            expr = as_text(name, dtype)
            text.append(f"{'upper(' + expr + ')' if f.type == 'id' else expr} AS {q(f.field)}")
        else:
            text.append(f"'' AS {q(f.field)}")
    return f"SELECT {', '.join(text)} FROM {raw}"


def _candidates_sql(schema: FeedSchema, texts: list[str], batch_id: int) -> str:
    """One pass over a group of loaded files: parse each value once (IDs through the group's
    ID map), run the row checks, type the record columns and hash the row."""
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
    out.append(f"nullif({q(names[0].field)}, '') AS _name" if names else "NULL AS _name")
    out.append(f"{parsed_name('d', schema.event_date)} AS _event_date")
    return (f"SELECT *, {content_hash_sql(schema)} AS content_hash FROM ("
            f"SELECT {', '.join(out)} FROM ("
            f"SELECT *, {index} AS _check FROM ("
            f"SELECT {', '.join(parsed)} FROM ("
            f"{' UNION ALL BY NAME '.join(texts)}) s {' '.join(joins)})))")


def _delivered(store: Store, raw: str) -> dict[str, tuple[str, str]]:
    described = store.rows(f"SELECT column_name, column_type FROM (DESCRIBE {raw})")
    return {str(n).strip(): (str(n), str(t)) for n, t in described if n != ROW_NO}


def _id_columns_sql(schema: FeedSchema, raw: str, delivered: dict[str, tuple[str, str]],
                    ) -> list[str]:
    out = []
    for f in schema.of_type("id"):
        if f.header in delivered:
            name, dtype = delivered[f.header]
            out.append(f"SELECT upper({as_text(name, dtype)}) AS x FROM {raw}")
    return out


def _create_id_map(store: Store) -> None:
    """The batch's ID map (``idmap``): one row per distinct ID number met so far — check
    result, sex and birth date in the ID, pseudonym and person key (parsed and hashed once
    per person, not once per row: most of the ingest's speed) — and ``id_names``, the first
    name delivered for each person (feeds run in name-precedence order, so the first is the
    most authoritative)."""
    store.execute("CREATE OR REPLACE TEMP TABLE idmap (x VARCHAR, ok BOOLEAN, sex VARCHAR, "
                  "birth DATE, ps VARCHAR, pid UBIGINT)")
    store.execute("CREATE OR REPLACE TEMP TABLE id_names (pid UBIGINT, name VARCHAR)")


def _extend_id_map(store: Store, id_selects: list[str]) -> None:
    """Add the group's new ID numbers to ``idmap`` and expose the group's part as
    ``gidmap`` (the candidates join the small group map, not the whole batch's)."""
    pads: dict[str, object] = {"ipad": crypto.hmac_pads()[0], "opad": crypto.hmac_pads()[1]}
    union = " UNION ".join(id_selects) if id_selects else "SELECT '' AS x"
    store.execute(f"CREATE OR REPLACE TEMP TABLE gids AS SELECT DISTINCT x FROM ({union}) "
                  "WHERE x <> ''")
    store.execute(
        f"INSERT INTO idmap SELECT *, {crypto.pid_sql('ps')} FROM ("
        f"{id_map_sql(['SELECT x FROM gids ANTI JOIN idmap USING (x)'], crypto.hmac_sql)})",
        pads)
    store.execute("CREATE OR REPLACE TEMP TABLE gidmap AS SELECT x, ok, sex, birth, ps "
                  "FROM idmap SEMI JOIN gids USING (x)")


def _check_group(store: Store, schema: FeedSchema, raws: list[tuple[str, str, int]],
                 batch_id: int) -> None:
    """Checked candidate rows of a group of loaded files into ``cand_<feed>``."""
    texts = [_text_sql(schema, raw, name, i, _delivered(store, raw)) for raw, name, i in raws]
    sql = _candidates_sql(schema, texts, batch_id).replace("LEFT JOIN idmap ",
                                                           "LEFT JOIN gidmap ")
    store.execute(f"CREATE OR REPLACE TEMP TABLE cand_{schema.key} AS {sql}")


def _commit_group(store: Store, schema: FeedSchema, batch_id: int) -> None:
    """Accepted rows of the group into ``rec_<feed>``, the rest into the quarantine, and
    the persons the accepted rows name into the ID map."""
    key = schema.key
    names = [n for n, _ in META_COLUMNS] + [c.name for c in rec_columns(schema)]
    cols = ", ".join(q(n) for n in names)
    # Record ids delivered again (a correction, or the same id twice in this group): only
    # these need the active version chosen again (_mark_active).
    store.execute(
        f"INSERT INTO corr_{key} SELECT record_id FROM (SELECT c.record_id FROM cand_{key} c "
        f"JOIN flag_{key} f USING (file_idx, row_no) WHERE f.flag IS NULL "
        f"GROUP BY c.record_id HAVING count(*) > 1 OR c.record_id IN "
        f"(SELECT record_id FROM rec_{key})) ANTI JOIN corr_{key} USING (record_id)")
    store.execute(
        f"INSERT INTO rec_{key} ({cols}) SELECT {', '.join('c.' + q(n) for n in names)} "
        f"FROM cand_{key} c JOIN flag_{key} f USING (file_idx, row_no) WHERE f.flag IS NULL")
    subject = schema.by_field(schema.subject)
    store.execute(
        f"INSERT INTO quarantine SELECT {batch_id}, '{key}', file_name, row_no, "
        f"nullif(record_id, ''), reason, rfield, {masked_sql('_raw_' + subject.field)} "
        f"FROM cand_{key} WHERE reason IS NOT NULL")
    store.execute(
        f"INSERT INTO quarantine SELECT {batch_id}, '{key}', c.file_name, c.row_no, "
        f"c.record_id, f.flag, NULL, {masked_sql('_raw_' + subject.field)} FROM cand_{key} c "
        f"JOIN flag_{key} f USING (file_idx, row_no) WHERE f.flag IS NOT NULL")
    if schema.of_type("name"):
        store.execute(
            f"INSERT INTO id_names SELECT * FROM (SELECT c.pid, "
            f"arg_min(c._name, (c.file_idx, c.row_no)) AS name FROM cand_{key} c "
            f"JOIN flag_{key} f USING (file_idx, row_no) WHERE f.flag IS NULL "
            f"AND c._name IS NOT NULL GROUP BY c.pid) ANTI JOIN id_names USING (pid)")


def _mark_active(store: Store, key: str) -> None:
    """Corrected re-deliveries: the latest 登记日期 of a record id is the active version
    (only for the record ids of ``corr_<feed>``: delivered more than once)."""
    store.execute(
        f"UPDATE rec_{key} SET active = (rec_{key}.record_date = m.latest) FROM "
        f"(SELECT record_id, max(record_date) AS latest FROM rec_{key} "
        f"SEMI JOIN corr_{key} USING (record_id) GROUP BY record_id) m "
        f"WHERE rec_{key}.record_id = m.record_id")


def _write_identity(store: Store, batch_id: int) -> None:
    """Store persons not yet known: pseudonym, masked ID, sex and birth date from the ID (all
    in SQL) and the encrypted 'ID<TAB>name' (the only per-person step in Python)."""
    import pyarrow as pa

    # Persons named by an accepted record of this batch (any ID column: subject, mother …).
    named = " UNION ".join(
        f"SELECT {q(pid_column(schema, f))} AS pid FROM rec_{schema.key} "
        f"WHERE batch_id = {batch_id}"
        for schema in feed_schemas().values() for f in schema.of_type("id"))
    store.execute(
        "CREATE OR REPLACE TEMP TABLE ident_todo AS SELECT row_number() OVER () AS rn, * FROM "
        "(SELECT pid, arg_min(ps, x) AS pseudonym, min(x) AS id_number FROM idmap "
        f"SEMI JOIN ({named}) b USING (pid) GROUP BY pid) ANTI JOIN identity USING (pid) "
        "LEFT JOIN id_names USING (pid)")
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


def _groups(todo: list[tuple[str, Path, int]]) -> list[list[tuple[str, Path, int]]]:
    """Files feed by feed (name-precedence feeds first, see ``_write_identity``), each feed's
    files in delivery order, cut into groups of about ``RENKOU_INGEST_GROUP_MB`` MB."""
    limit = int(os.environ.get("RENKOU_INGEST_GROUP_MB", "512")) << 20
    groups: list[list[tuple[str, Path, int]]] = []
    for key in sorted({k for k, _, _ in todo}, key=_feed_order):
        current: list[tuple[str, Path, int]] = []
        size = 0
        for item in (t for t in todo if t[0] == key):
            n = item[1].stat().st_size
            if current and size + n > limit:
                groups.append(current)
                current, size = [], 0
            current.append(item)
            size += n
        if current:
            groups.append(current)
    return groups


def _ingest_group(store: Store, schema: FeedSchema, group: list[tuple[str, Path, int]],
                  batch_id: int, reports: list[FileReport],
                  rows_by_file: dict[str, tuple[str, int]],
                  ) -> bool:
    """Read, check and write one group of a feed's files; False if none could be read."""
    raws: list[tuple[str, str, int]] = []
    id_selects: list[str] = []
    try:
        for key, path, i in group:
            try:
                data = read_delivery(path)
            except InputError as exc:
                # Reported and skipped, not recorded: the next run retries the file.
                log.warning("cannot read %s: %s", path.name, exc)
                reports.append(FileReport(path.name, key, 0, 0, 0, error=str(exc)))
                continue
            raw = f"raw_{i}"
            store.register(raw, data)
            raws.append((raw, path.name, i))
            rows_by_file[path.name] = (key, data.num_rows)
            id_selects += _id_columns_sql(schema, raw, _delivered(store, raw))
        if not raws:
            return False
        _extend_id_map(store, id_selects)
        _check_group(store, schema, raws, batch_id)
    finally:
        for raw, _, _ in raws:
            store.unregister(raw)
    flag_feed(store, schema)
    _commit_group(store, schema, batch_id)
    for t in ("cand", "flag"):
        store.execute(f"DROP TABLE IF EXISTS {t}_{schema.key}")
    return True


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
    say = progress or (lambda msg, step, total: None)
    reports: list[FileReport] = []
    with store.transaction():
        ensure_record_tables(store)
    known = {r[0] for r in store.rows("SELECT file_hash FROM ingest_files")}
    todo: list[tuple[str, Path, int]] = []
    hashes: dict[str, str] = {}
    for i, (key, path) in enumerate(files):
        say(f"核对 {path.name}", 0, len(files) + 3)
        digest = file_hash(path)
        if digest in known:
            reports.append(FileReport(path.name, key, 0, 0, 0, skipped=True))
            continue
        known.add(digest)
        hashes[path.name] = digest
        todo.append((key, path, i))
    step_total = len(todo) + 3
    rows_by_file: dict[str, tuple[str, int]] = {}
    with store.transaction():
        batch_id = int(store.scalar("SELECT coalesce(max(batch_id), 0) + 1 FROM ingest_batches"))
        store.execute("INSERT INTO ingest_batches (batch_id, started_at, source_dir) "
                      "VALUES (?, now(), ?)", [batch_id, str(directory)])
        _create_id_map(store)
        for key in schemas:
            store.execute(f"CREATE OR REPLACE TEMP TABLE corr_{key} (record_id VARCHAR)")
        keys: list[str] = []
        done = 0
        for group in _groups(todo):
            key = group[0][0]
            say(f"读取并校验 {key}（{len(group)} 个文件）", done, step_total)
            if _ingest_group(store, schemas[key], group, batch_id, reports, rows_by_file):
                keys.append(key) if key not in keys else None
            done += len(group)
        if not keys and not any(r.skipped for r in reports):
            raise InputError("没有任何文件可以读取：" + "；".join(r.error for r in reports),
                             file=str(directory))
        say("核对死亡后事件", done, step_total)
        for key in keys:
            _mark_active(store, key)
        spells.rebuild_deaths(store)
        for key in retract_after_death(store, schemas, keys, batch_id):
            _mark_active(store, key)
        say("写入身份信息", done + 1, step_total)
        _write_identity(store, batch_id)
        say("生成状态表", done + 2, step_total)
        spells.rebuild(store, batch_id)
        report = _batch_report(store, batch_id, directory, reports, rows_by_file, hashes)
        _crash_test_pause()
        say("完成", step_total, step_total)
    log.info("ingest batch %s: %s rows, %s accepted, %s quarantined", batch_id,
             report.rows_read, report.accepted, report.quarantined)
    return report


def _batch_report(store: Store, batch_id: int, directory: Path, reports: list[FileReport],
                  rows_by_file: dict[str, tuple[str, int]], hashes: dict[str, str]) -> BatchReport:
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
                         tuple(p.name for p in unrecognised_files(directory)))
    store.execute(
        "UPDATE ingest_batches SET finished_at = now(), files = ?, rows_read = ?, "
        "accepted = ?, quarantined = ?, report = ? WHERE batch_id = ?",
        [len(rows_by_file), report.rows_read, report.accepted, report.quarantined,
         report.to_json(), batch_id])
    return report
