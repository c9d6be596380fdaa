"""What happens to decided rows: accepted rows that copy a record the store holds become
``duplicate``; the others enter the store as a batch of their own through the ordinary
ingest, with the linked person's ID number in place of the delivered one (a row the ingest
refuses again becomes ``refused``, with the reason); every decision is kept in ``links``.

The corrected rows exist in clear only in the linkage's private folder beside the store
(mode 0700) for the length of that ingest; ``links`` holds pids, probabilities and match
weights, never a name or an ID number."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa

from renkou.registry.linkage.source import LinkFeed
from renkou.registry.store import Connection, Store
from renkou.registry.validate import q
from renkou.settings import Settings

LINKS_DDL = """CREATE TABLE IF NOT EXISTS links (
    link_id BIGINT, batch_id INTEGER, feed VARCHAR, file_name VARCHAR, row_no BIGINT,
    record_id VARCHAR, reason VARCHAR, pid UBIGINT, match_probability DOUBLE,
    match_weight DOUBLE, margin DOUBLE, weights VARCHAR, status VARCHAR, linked_by VARCHAR,
    link_batch INTEGER, note VARCHAR, decided_at TIMESTAMP DEFAULT current_timestamp)"""
COLUMNS = ["link_id", "batch_id", "feed", "file_name", "row_no", "record_id", "reason", "pid",
           "match_probability", "match_weight", "margin", "weights", "status", "linked_by",
           "link_batch", "note"]


def ensure_links(store: Store) -> None:
    store.execute(LINKS_DDL)


def private_folder(store: Store) -> Path:
    """The linkage's private folder beside the store (mode 0700), emptied first."""
    folder = store.path.parent / f".{store.path.name}.linkage"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o700)
    return folder


def _said(lf: LinkFeed) -> tuple[list[str], list[str]]:
    """The fields a duplicate repeats (every date, code and category but the 登记日期) and
    the SQL of each as the row says it (enum labels mapped, dates cut to the day)."""
    fields, exprs = [], []
    for f in lf.schema.fields:
        if f.type not in ("date", "code", "enum") or f.field == "record_date":
            continue
        v = f"r.{q(f.header)}"
        if f.type == "enum":
            cases = " ".join(f"WHEN '{k.replace(chr(39), chr(39) * 2)}' THEN "
                             f"'{c.replace(chr(39), chr(39) * 2)}'" for k, c in f.values.items())
            e = f"CASE {v} {cases} END" if cases else "NULL"
        else:
            e = f"nullif(left({v}, 10), '')" if f.type == "date" else f"nullif({v}, '')"
        fields.append(f.field)
        exprs.append(f"{e} AS {q(f.field)}")
    return fields, exprs


def duplicates(store: Store, ws: Connection, rows: pd.DataFrame,
               feeds: dict[str, LinkFeed]) -> set[int]:
    """The ``rid`` of rows (rid, feed, pid) whose person already has an active record of
    the feed saying the same: a copy of a record the store holds, which linking would
    count twice."""
    out: set[int] = set()
    for key, g in rows.groupby("feed"):
        lf = feeds[str(key)]
        fields, exprs = _said(lf)
        said = ws.arrow_with(f"SELECT d.rid, d.pid, {', '.join(exprs)} FROM _data d "
                             f"JOIN raw_{key} r USING (rid)",
                             pa.table({"rid": pa.array(g["rid"], pa.int64()),
                                       "pid": pa.array(g["pid"], pa.uint64())}))
        same = " AND ".join(f"CAST(r.{q(f)} AS VARCHAR) IS NOT DISTINCT FROM d.{q(f)}"
                            for f in fields)
        got = store.arrow_with(f"SELECT DISTINCT d.rid FROM _data d JOIN rec_{key} r "
                               f"ON r.pid = d.pid AND r.active AND {same}", said)
        out.update(int(x) for x in got.column("rid").to_pylist())
    return out


def _ingest_corrected(store: Store, settings: Settings, ws: Connection, rows: pd.DataFrame,
                      ids: str, feeds: dict[str, LinkFeed], folder: Path) -> int | None:
    """Ingest the rows (rid, feed) with the ID numbers of the workspace table ``ids`` (rid,
    id_number); returns the batch."""
    from renkou.registry.ingest import ingest_directory
    from renkou.registry.origin import store_jurisdiction

    out = folder / "linked"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(mode=0o700)
    try:
        for key, g in rows.groupby("feed"):
            lf = feeds[str(key)]
            cols = ", ".join(f"i.id_number AS {q(h)}" if h == lf.id_header else f"r.{q(h)}"
                             for h in lf.headers)
            path = str(out / f"{key}_linked.csv").replace("'", "''")
            ws.execute_with(f"COPY (SELECT {cols} FROM raw_{key} r JOIN {ids} i USING (rid) "
                            f"WHERE rid IN (SELECT rid FROM _data) ORDER BY rid) TO '{path}' "
                            f"(HEADER, DELIMITER ',')",
                            pa.table({"rid": pa.array(g["rid"], pa.int64())}))
        report = ingest_directory(store, out, jurisdiction=store_jurisdiction(store).key,
                                  settings=settings)
        return report.batch_id
    finally:
        shutil.rmtree(out, ignore_errors=True)


def settle(store: Store, settings: Settings, ws: Connection, rows: pd.DataFrame, ids: str,
           feeds: dict[str, LinkFeed], folder: Path, linked_by: str
           ) -> tuple[pd.DataFrame, int | None]:
    """Ingest the rows with status ``accepted``; rows the ingest refuses again (another
    check fails with the right number) become ``refused`` with the reason."""
    acc = rows["status"] == "accepted"
    rows.loc[acc, "linked_by"] = linked_by
    if not acc.any():
        return rows, None
    batch = _ingest_corrected(store, settings, ws, rows[acc], ids, feeds, folder)
    rows.loc[acc, "link_batch"] = batch
    if batch is not None:
        why = store.frame("SELECT feed, record_id, min(reason) AS why FROM quarantine "
                          "WHERE batch_id = ? GROUP BY ALL", [batch])
        hit = rows[acc].reset_index().merge(why, on=["feed", "record_id"])
        rows.loc[hit["index"], "status"] = "refused"
        rows.loc[hit["index"], "note"] = hit["why"].to_numpy()
    return rows, batch


def record(store: Store, rows: pd.DataFrame) -> None:
    """Insert decisions; rows keep their ``link_id`` when they have one (a review decided)."""
    start = int(store.scalar("SELECT coalesce(max(link_id), 0) FROM links") or 0)
    new = pd.Series(range(start + 1, start + 1 + len(rows)), index=rows.index)
    out = rows.assign(link_id=rows["link_id"].fillna(new) if "link_id" in rows else new)
    out = out.assign(pid=out["pid"].astype("uint64"))
    store.register("_links_new", out[COLUMNS])
    try:
        store.execute(f"INSERT INTO links ({', '.join(COLUMNS)}) SELECT * FROM _links_new")
    finally:
        store.unregister("_links_new")
