"""The rows linkage compares: those quarantined for their ID number, read again from the
delivered files the quarantine names, into the linkage workspace (an in-memory DuckDB; see
:mod:`renkou.registry.linkage.model`). Nothing of them is written to the store.

Each delivered file is read once (:mod:`renkou.registry.linkage.delivered`: only the wanted
lines of a CSV are parsed; other files by the ingest's own loader, so a row's number is the
one the quarantine recorded), and only its quarantined rows are kept: ``queue`` (one
row per pending row, ``rid`` its number), ``raw_<feed>`` (the row as delivered, every
column of the feed as text, for the ingest of accepted rows) and ``rows`` (the columns that
are compared, names still as delivered)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from renkou.errors import StoreError
from renkou.ids import upgrade15
from renkou.registry.feeds import FeedSchema, feed_schemas
from renkou.registry.linkage.delivered import Chosen, chosen_records
from renkou.registry.loader import as_text, file_hash, load_raw
from renkou.registry.store import Connection, Store
from renkou.registry.validate import q

# Quarantine reasons that say the row's ID number does not identify its person.
ID_REASONS = ("missing_field", "bad_id_check", "id_sex_mismatch", "id_birthdate_mismatch")
# A valid number whose sex or birth date contradicts the row is another person's (a
# parent's, a neighbour's): it says nothing about who the row is.
MISMATCH = ("id_sex_mismatch", "id_birthdate_mismatch")


@dataclass(frozen=True)
class LinkFeed:
    """A feed whose rows name their person (ID, name, sex, birth date)."""

    schema: FeedSchema
    id_header: str
    name_header: str
    sex_header: str
    birth_header: str
    code_headers: tuple[str, ...]

    @property
    def headers(self) -> list[str]:
        return [f.header for f in self.schema.fields]


def linkable_feeds() -> dict[str, LinkFeed]:
    out: dict[str, LinkFeed] = {}
    for key, s in feed_schemas().items():
        subject = [f for f in s.fields if f.field == s.subject]
        names = s.of_type("name")
        sexes = s.of_type("sex")
        births = [f for f in s.fields if f.field == "birth_date"]
        if subject and names and sexes and births:
            out[key] = LinkFeed(s, subject[0].header, names[0].header, sexes[0].header,
                                births[0].header, tuple(f.header for f in s.of_type("code")))
    return out


def _id17(number: str) -> str | None:
    """The first 17 digits a delivered number still carries (15-digit numbers upgraded)."""
    n = (number or "").strip().upper()
    if len(n) == 15 and n.isdigit():
        n = upgrade15(n)
    return n[:17] if len(n) >= 17 and n[:17].isdigit() else None


def id17_sql(expr: str) -> str:
    """:func:`_id17` in DuckDB SQL (a 15-digit number's century is 19)."""
    n = f"upper(trim(coalesce({expr}, '')))"
    return (f"CASE WHEN regexp_full_match({n}, '[0-9]{{15}}') THEN left({n}, 6) || '19' || "
            f"substr({n}, 7) WHEN regexp_full_match(left({n}, 17), '[0-9]{{17}}') "
            f"THEN left({n}, 17) END")


def _queue_sql(feeds: dict[str, LinkFeed], only: bool) -> str:
    keys = ", ".join(f"'{k}'" for k in feeds)
    reasons = ", ".join(f"'{r}'" for r in ID_REASONS)
    pick = ("AND (q.batch_id, q.file_name, q.row_no) IN (SELECT (batch_id, file_name, row_no) "
            "FROM _data) ") if only else ""
    return (
        f"SELECT q.batch_id, q.feed, q.file_name, q.row_no, q.record_id, q.reason, "
        f"b.source_dir, f.file_hash, f.rows_read FROM quarantine q "
        f"JOIN ingest_batches b USING (batch_id) "
        f"JOIN ingest_files f ON f.batch_id = q.batch_id AND f.file_name = q.file_name "
        f"WHERE q.feed IN ({keys}) AND q.reason IN ({reasons}) "
        f"AND (q.reason <> 'missing_field' OR q.field = 'id_number') {pick}"
        f"AND q.batch_id NOT IN (SELECT link_batch FROM links WHERE link_batch IS NOT NULL) "
        f"AND (q.batch_id, q.file_name, q.row_no) NOT IN (SELECT (batch_id, file_name, row_no) "
        f"FROM links WHERE status <> 'review')")


def _copy_loaded(ws: Connection, file_no: int, lf: LinkFeed, feed: str) -> None:
    """Copy the file's pending rows (``_file``, loaded by the ingest's loader) into
    ``raw_<feed>``."""
    have = {str(c).strip(): (str(c), str(t)) for c, t in
            ws.rows("SELECT column_name, column_type FROM (DESCRIBE _file)")}
    cols = ", ".join(as_text(*have[h]) if h in have else "''" for h in lf.headers)
    ws.execute(f"INSERT INTO raw_{feed} SELECT w.rid, {cols} FROM _file f JOIN queue w "
               f"ON w.file_no = {file_no} AND f.rowid + 2 = w.row_no")


def _copy_chosen(ws: Connection, chosen: Chosen, rids: list[int], row_nos: list[int],
                 lf: LinkFeed, feed: str) -> None:
    """Copy the chosen records of a file into ``raw_<feed>``."""
    at = {h: i for i, h in enumerate(chosen.header)}
    recs = [chosen.records[r] for r in row_nos]
    cols: dict[str, pa.Array] = {"rid": pa.array(rids, pa.int64())}
    for h in lf.headers:
        i = at.get(h)
        cols[h] = pa.array([r[i] if i is not None and i < len(r) else "" for r in recs],
                           pa.string())
    ws.execute_with(f"INSERT INTO raw_{feed} SELECT * FROM _data", pa.table(cols))


def _read_file(ws: Connection, path: Path, file_no: int, fhash: str, records: int,
               lf: LinkFeed, feed: str, workdir: Path) -> bool:
    """Copy one file's pending rows into the workspace; False when the file is gone or
    changed since the ingest read it."""
    if not path.is_file():
        return False
    want = ws.rows(f"SELECT rid, row_no FROM queue WHERE file_no = {file_no} ORDER BY row_no")
    rids, row_nos = [int(r[0]) for r in want], [int(r[1]) for r in want]
    if path.suffix.lower() == ".csv":
        chosen = chosen_records(path, np.array(row_nos), records)
        if chosen is not None:
            if chosen.digest != fhash:
                return False
            _copy_chosen(ws, chosen, rids, row_nos, lf, feed)
            return True
    if file_hash(path) != fhash:
        return False
    load_raw(ws, path, "_file", workdir)
    _copy_loaded(ws, file_no, lf, feed)
    ws.execute("DROP TABLE _file")
    return True


def pending_rows(store: Store, ws: Connection, feeds: dict[str, LinkFeed], workdir: Path,
                 gone: list[str] | None = None, only: pd.DataFrame | None = None) -> int:
    """Read the quarantined rows with an ID problem not yet decided into ``ws`` (tables
    ``queue``, ``raw_<feed>``, ``rows``); returns how many. Rows of link batches and rows
    already accepted, rejected or duplicate are left out; rows waiting for review are read
    again. ``only``: just these rows (batch_id, file_name, row_no). Delivered files no
    longer where the ingest read them (or changed since) are named in ``gone`` and their
    rows skipped (with ``gone`` None: an error). ``workdir``: a private folder for the
    loader's transcoded copies."""
    sql = _queue_sql(feeds, only is not None)
    queue = store.arrow(sql) if only is None else store.arrow_with(
        sql, pa.Table.from_pandas(only, preserve_index=False))
    ws.execute_with("CREATE OR REPLACE TABLE queue AS SELECT row_number() OVER (ORDER BY feed, "
                    "batch_id, file_name, row_no) AS rid, dense_rank() OVER (ORDER BY "
                    "source_dir, file_name, file_hash) AS file_no, * FROM _data", queue)
    for key, lf in feeds.items():
        cols = ", ".join(f"{q(h)} VARCHAR" for h in lf.headers)
        ws.execute(f"CREATE OR REPLACE TABLE raw_{key} (rid BIGINT, {cols})")
    files = ws.rows("SELECT DISTINCT file_no, source_dir, file_name, file_hash, rows_read, "
                    "feed FROM queue ORDER BY file_no")
    lost: list[int] = []
    for no, src, name, fhash, records, feed in files:
        path = Path(str(src)) / str(name)
        if not _read_file(ws, path, int(no), str(fhash), int(records), feeds[str(feed)],
                          str(feed), workdir):
            if gone is None:
                raise StoreError(f"隔离记录所在的文件已不在原处或已被改动，无法再读：{path}"
                                 "（请把原交付目录放回原处）")
            gone.append(str(path))
            lost.append(int(no))
    if lost:
        ws.execute(f"DELETE FROM queue WHERE file_no IN ({', '.join(map(str, lost))})")
    ws.execute(_rows_sql(feeds))
    return int(ws.scalar("SELECT count(*) FROM rows"))


def _rows_sql(feeds: dict[str, LinkFeed]) -> str:
    """``rows``: rid, name_raw, sex, birth, districts (the codes' first 6 digits), id17."""
    parts = []
    for key, lf in feeds.items():
        codes = ", ".join(f"nullif(left(r.{q(h)}, 6), '')" for h in lf.code_headers)
        parts.append(
            f"SELECT q.rid, q.reason, r.{q(lf.name_header)} AS name_raw, "
            f"CASE r.{q(lf.sex_header)} WHEN '男' THEN 'male' WHEN '女' THEN 'female' END "
            f"AS sex, nullif(r.{q(lf.birth_header)}, '') AS birth, "
            f"list_sort(list_distinct(list_filter([{codes}], lambda x: x IS NOT NULL))) "
            f"AS districts, r.{q(lf.id_header)} AS id_raw "
            f"FROM queue q JOIN raw_{key} r USING (rid)")
    mismatch = ", ".join(f"'{r}'" for r in MISMATCH)
    return (f"CREATE OR REPLACE TABLE rows AS SELECT rid, name_raw, sex, birth, districts, "
            f"CASE WHEN reason IN ({mismatch}) THEN NULL ELSE {id17_sql('id_raw')} END AS id17 "
            f"FROM ({' UNION ALL '.join(parts)})")
