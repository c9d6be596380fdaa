"""``registry link`` and the clerical review queue (人工复核): decisions kept in the table
``links``; accepted rows enter the store as a batch of their own through the ordinary
ingest, with the linked person's ID number in place of the delivered one.

The corrected rows exist in clear only in a private folder beside the store (mode 0700)
for the length of that ingest; the table ``links`` holds pids, probabilities and match
weights, never a name or an ID number."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from renkou.errors import ConfigError, InputError
from renkou.registry.feeds import FeedField
from renkou.registry.keyring import store_keys
from renkou.registry.linkage.decide import LOWER, UPPER, best_pairs, status
from renkou.registry.linkage.names import person_key
from renkou.registry.linkage.source import (
    LinkFeed,
    comparison_frame,
    linkable_feeds,
    pending_rows,
    registry_persons,
)
from renkou.registry.store import Store
from renkou.settings import Settings

LINKS_DDL = """CREATE TABLE IF NOT EXISTS links (
    link_id BIGINT, batch_id INTEGER, feed VARCHAR, file_name VARCHAR, row_no BIGINT,
    record_id VARCHAR, reason VARCHAR, pid UBIGINT, match_probability DOUBLE,
    match_weight DOUBLE, margin DOUBLE, weights VARCHAR, status VARCHAR, linked_by VARCHAR,
    link_batch INTEGER, note VARCHAR, decided_at TIMESTAMP DEFAULT current_timestamp)"""
KEY = ["batch_id", "file_name", "row_no"]


@dataclass
class LinkResult:
    """Counts of one run by status, and every dirty-row decision known (for scoring)."""

    counts: dict[str, int] = field(default_factory=dict)
    gone: list[str] = field(default_factory=list)
    present: set[str] = field(default_factory=set)  # person keys of the store's persons
    decided: pd.DataFrame = field(default_factory=pd.DataFrame)
    link_batch: int | None = None


def ensure_links(store: Store) -> None:
    store.execute(LINKS_DDL)


def _private(store: Store) -> Path:
    folder = store.path.parent / f".{store.path.name}.linkage"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o700)
    return folder


def _duplicates(store: Store, rows: pd.DataFrame, feeds: dict[str, LinkFeed]) -> pd.Series:
    """Rows whose person already has an active record of the feed saying the same (every
    date, code and category but the 登记日期): a copy of a record the store holds, which
    linking would count twice."""
    dup = pd.Series(False, index=rows.index)
    for key, g in rows.groupby("feed"):
        s = feeds[str(key)].schema
        fs = [f for f in s.fields if f.type in ("date", "code", "enum")
              and f.field != "record_date"]
        cols = ", ".join(f'CAST("{f.field}" AS VARCHAR)' for f in fs)
        have = {tuple(r) for r in store.rows(
            f"SELECT CAST(pid AS VARCHAR), {cols} FROM rec_{key} WHERE active")}

        def said(raw: dict[str, str], fs: list[FeedField] = fs) -> list[str | None]:
            out: list[str | None] = []
            for f in fs:
                v = str(raw.get(f.header) or "")
                out.append((f.values.get(v) if f.type == "enum" else v[:10] if
                            f.type == "date" else v) or None)
            return out

        hit = [(p, *said(r)) in have for p, r in zip(g["pid"], g["raw"], strict=True)]
        dup.loc[g.index] = pd.Series(hit, index=g.index, dtype=bool)
    return dup


def _ingest_corrected(store: Store, settings: Settings, rows: pd.DataFrame,
                      ids: dict[str, str], feeds: dict[str, LinkFeed]) -> int | None:
    """Ingest the accepted rows with the linked person's ID number; returns the batch."""
    from renkou.registry.ingest import ingest_directory
    from renkou.registry.origin import store_jurisdiction

    folder = _private(store)
    try:
        for key, g in rows.groupby("feed"):
            lf = feeds[str(key)]
            data = pd.DataFrame(list(g["raw"]))
            data[lf.id_header] = [ids[p] for p in g["pid"]]
            data.to_csv(folder / f"{key}_linked.csv", index=False, lineterminator="\n")
        report = ingest_directory(store, folder, jurisdiction=store_jurisdiction(store).key,
                                  settings=settings)
        return report.batch_id
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _record(store: Store, rows: pd.DataFrame) -> None:
    """Insert decisions; rows keep their ``link_id`` when they have one (a review decided)."""
    start = int(store.scalar("SELECT coalesce(max(link_id), 0) FROM links") or 0)
    new = pd.Series(range(start + 1, start + 1 + len(rows)), index=rows.index)
    out = rows.assign(link_id=rows["link_id"].fillna(new) if "link_id" in rows else new)
    cols = ["link_id", "batch_id", "feed", "file_name", "row_no", "record_id", "reason", "pid",
            "match_probability", "match_weight", "margin", "weights", "status", "linked_by",
            "link_batch", "note"]
    store.register("_links_new", out[cols])
    store.execute(f"INSERT INTO links ({', '.join(cols)}) SELECT * FROM _links_new")
    store.unregister("_links_new")


def _settle(store: Store, settings: Settings, rows: pd.DataFrame, ids: dict[str, str],
            feeds: dict[str, LinkFeed], linked_by: str) -> tuple[pd.DataFrame, int | None]:
    """Ingest the rows with status ``accepted``; rows the ingest refuses again (another
    check fails with the right number) become ``refused`` with the reason."""
    acc = rows["status"] == "accepted"
    rows.loc[acc, "linked_by"] = linked_by
    if not acc.any():
        return rows, None
    batch = _ingest_corrected(store, settings, rows[acc], ids, feeds)
    rows.loc[acc, "link_batch"] = batch
    if batch is not None:
        q = store.frame("SELECT feed, record_id, min(reason) AS reason FROM quarantine "
                        "WHERE batch_id = ? GROUP BY ALL", [batch])
        why = dict(zip(zip(q["feed"], q["record_id"], strict=True), q["reason"], strict=True))
        for i in rows.index[acc]:
            r = why.get((rows.at[i, "feed"], rows.at[i, "record_id"]))
            if r:
                rows.at[i, "status"] = "refused"
                rows.at[i, "note"] = r
    return rows, batch


def link(store: Store, settings: Settings, *, upper: float = UPPER, lower: float = LOWER,
         say: Callable[[str], None] | None = None) -> LinkResult:
    """Link the pending rows (see :func:`pending_rows`) to the store's persons."""
    if not 0 < lower <= upper < 1:
        raise InputError("阈值应满足 0 < 下阈值 ≤ 上阈值 < 1")
    say = say or (lambda _m: None)
    ensure_links(store)
    keys = store_keys(store, settings)
    if keys is None:
        raise ConfigError("概率匹配需要数据库的密钥（密钥文件或 RENKOU_ENCRYPTION_KEY、"
                          "RENKOU_PSEUDONYM_KEY）")
    feeds = linkable_feeds()
    gone: list[str] = []
    rows = pending_rows(store, feeds, gone)
    if gone:
        say(f"{len(gone)} 个交付文件已不在原处或已被改动，其中的隔离记录本次不能匹配"
            f"（如 {gone[0]}）")
    say(f"待匹配的隔离记录 {len(rows):,} 行")
    persons = registry_persons(store, keys)
    pkey = dict(zip(persons["pid"].astype(str), persons["id_number"].map(person_key),
                    strict=True))
    result = LinkResult(decided=_earlier(store, pkey), gone=gone, present=set(pkey.values()))
    if rows.empty or persons.empty:
        return result
    rows["unique_id"] = "r" + pd.Series(range(len(rows)), index=rows.index).astype(str)
    from renkou.registry.linkage.model import score

    say(f"训练匹配模型并打分（登记人员 {len(persons):,} 人）")
    folder = _private(store)
    try:
        saved = store.scalar("SELECT any_value(value) FROM store_meta "
                             "WHERE key = 'linkage_model'")
        pairs, model = score(comparison_frame(rows, rows["unique_id"]),
                             comparison_frame(persons, persons["pid"].astype(str)),
                             temp_dir=str(folder),
                             trained=json.loads(str(saved)) if saved else None)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    best = best_pairs(pairs) if len(pairs) else pd.DataFrame(
        columns=["unique_id", "pid", "match_probability", "match_weight", "margin"])
    weights = [c for c in best.columns if c.startswith("mw_")]
    best["weights"] = [json.dumps({c[3:]: round(float(v), 3) for c, v in zip(weights, r,
                                   strict=True)}) for r in best[weights].to_numpy()]
    best["status"] = status(best, upper, lower) if len(best) else []
    d = rows.merge(best[["unique_id", "pid", "match_probability", "match_weight", "margin",
                         "weights", "status"]], on="unique_id", how="left")
    d["status"] = d["status"].fillna("quarantined")
    result.decided = pd.concat([result.decided, pd.DataFrame({
        "feed": d["feed"], "record_id": d["record_id"],
        "person_key": d["pid"].map(pkey).fillna(""),
        "match_probability": d["match_probability"].fillna(0.0),
        "margin": d["margin"].fillna(0.0)})], ignore_index=True)
    acc = d["status"] == "accepted"
    d.loc[acc & _duplicates(store, d[acc], feeds).reindex(d.index, fill_value=False),
          "status"] = "duplicate"
    d["linked_by"] = None
    d["link_batch"] = None
    d["note"] = None
    ids = dict(zip(persons["pid"].astype(str), persons["id_number"], strict=True))
    keep = d[d["status"] != "quarantined"].copy()
    say(f"接受 {int((keep['status'] == 'accepted').sum()):,} 行，待复核 "
        f"{int((keep['status'] == 'review').sum()):,} 行")
    keep, result.link_batch = _settle(store, settings, keep, ids, feeds, "probabilistic")
    with store.transaction():
        store.execute("DELETE FROM store_meta WHERE key = 'linkage_model'")
        store.execute("INSERT INTO store_meta VALUES ('linkage_model', ?)", [json.dumps(model)])
        store.execute("DELETE FROM links WHERE status = 'review'")
        keep["pid"] = keep["pid"].astype("uint64")
        _record(store, keep)
    result.counts = {s: int((d["status"] == s).sum()) for s in
                     ("accepted", "review", "duplicate", "quarantined")}
    result.counts["refused"] = int((keep["status"] == "refused").sum())
    result.counts["accepted"] -= result.counts["refused"]
    return result


def _earlier(store: Store, pkey: dict[str, str]) -> pd.DataFrame:
    """Decisions of earlier runs (accepted, refused, duplicate, rejected) for scoring."""
    e = store.frame("SELECT feed, record_id, CAST(pid AS VARCHAR) AS pid, status, "
                    "match_probability, margin FROM links WHERE status <> 'review'")
    return pd.DataFrame({
        "feed": e["feed"], "record_id": e["record_id"],
        "person_key": [pkey.get(p, "") if s in ("accepted", "duplicate") else ""
                       for p, s in zip(e["pid"], e["status"], strict=True)],
        "match_probability": [1.0 if s in ("accepted", "duplicate") else 0.0
                              for s in e["status"]],
        "margin": 1e9})
