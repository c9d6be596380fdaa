"""The clerical review queue (人工复核队列): links scored between the thresholds wait for a
clerk, who accepts (the row enters the store, ``linked_by = clerical``) or rejects them (the
row stays quarantined and is not proposed again)."""

from __future__ import annotations

import shutil
from collections.abc import Callable

import pandas as pd
import pyarrow as pa

from renkou.errors import ConfigError, NotFoundError
from renkou.registry.crypto import decrypt_many
from renkou.registry.keyring import store_keys
from renkou.registry.linkage.model import Workspace
from renkou.registry.linkage.settle import ensure_links, private_folder, record, settle
from renkou.registry.linkage.source import linkable_feeds, pending_rows
from renkou.registry.store import Store
from renkou.settings import Settings


def review_list(store: Store) -> pd.DataFrame:
    """The waiting links: link_id, feed, file, row, record id, reason, masked ID of the
    proposed person, probability and the match weight of each comparison."""
    if not store.scalar("SELECT count(*) FROM information_schema.tables "
                        "WHERE table_name = 'links'"):
        return pd.DataFrame(columns=["link_id"])
    return store.frame(
        "SELECT l.link_id, l.feed, l.file_name, l.row_no, l.record_id, l.reason, "
        "i.id_masked, round(l.match_probability, 4) AS match_probability, "
        "round(l.match_weight, 2) AS match_weight, l.weights FROM links l "
        "LEFT JOIN identity i USING (pid) WHERE l.status = 'review' ORDER BY l.link_id")


def review_page(store: Store, settings: Settings, mask_name: Callable[[str], str], *,
                limit: int, offset: int) -> tuple[pd.DataFrame, int]:
    """One page of the waiting links with their proposed person (pseudonym, masked ID,
    sex, birth date, and the name as ``mask_name`` makes it: the clear name is decrypted
    for it and goes no further; None without the store's keys) and the queue's length."""
    if not store.table_exists("links"):
        return pd.DataFrame(columns=["link_id"]), 0
    total = int(store.scalar("SELECT count(*) FROM links WHERE status = 'review'") or 0)
    frame = store.frame(
        "SELECT l.link_id, l.feed, l.file_name, l.row_no, l.record_id, l.reason, "
        "l.match_probability, l.match_weight, l.margin, l.weights, i.pseudonym AS person_ref, "
        "i.id_masked, i.sex, i.birth_date, i.pii_enc FROM links l "
        "LEFT JOIN identity i USING (pid) WHERE l.status = 'review' "
        "ORDER BY l.link_id LIMIT ? OFFSET ?", [limit, offset])
    keys = store_keys(store, settings) if len(frame) else None
    names: list[str | None] = [None] * len(frame)
    if keys is not None:
        blobs = frame["pii_enc"].tolist()
        have = [k for k, b in enumerate(blobs) if b is not None]
        clear = decrypt_many((bytes(blobs[k]) for k in have), keys)
        for k, text in zip(have, clear, strict=True):
            names[k] = mask_name(text.partition("\t")[2])
    frame["name_masked"] = names
    return frame.drop(columns=["pii_enc"]), total


def _waiting(store: Store, link_ids: list[int]) -> pd.DataFrame:
    ensure_links(store)
    got = store.frame("SELECT * FROM links WHERE status = 'review' AND list_contains(?, link_id)",
                      [link_ids])
    missing = sorted(set(link_ids) - set(got["link_id"].astype(int)))
    if missing:
        raise NotFoundError(f"复核队列中没有这些编号：{', '.join(map(str, missing))}")
    return got


def review_reject(store: Store, link_ids: list[int]) -> int:
    _waiting(store, link_ids)
    store.execute("UPDATE links SET status = 'rejected', linked_by = 'clerical', "
                  "decided_at = current_timestamp WHERE status = 'review' "
                  "AND list_contains(?, link_id)", [link_ids])
    return len(link_ids)


def review_accept(store: Store, settings: Settings, link_ids: list[int]) -> int:
    """Accept waiting links: their rows are read again and ingested for the proposed
    person. Returns how many entered the store (the others were refused by a check)."""
    got = _waiting(store, link_ids)
    keys = store_keys(store, settings)
    if keys is None:
        raise ConfigError("接受复核需要数据库的密钥")
    feeds = linkable_feeds()
    folder = private_folder(store)
    (folder / "work").mkdir(mode=0o700)
    ws = Workspace(settings.duckdb_scratch_memory, settings.duckdb_threads, folder / "work")
    try:
        pending_rows(store, ws, feeds, folder / "work",
                     only=got[["batch_id", "file_name", "row_no"]])
        rows = ws.frame("SELECT rid, batch_id, feed, file_name, row_no, record_id, reason "
                        "FROM queue").merge(
            got[["link_id", "batch_id", "file_name", "row_no", "pid", "match_probability",
                 "match_weight", "margin", "weights"]], on=["batch_id", "file_name", "row_no"])
        ident = store.arrow_with("SELECT pid, pii_enc FROM identity WHERE pid IN "
                                 "(SELECT pid FROM _data)",
                                 pa.table({"pid": pa.array(rows["pid"], pa.uint64())}))
        number = dict(zip(ident.column("pid").to_pylist(),
                          [c.split("\t", 1)[0] for c in
                           decrypt_many(ident.column("pii_enc").to_pylist(), keys)],
                          strict=True))
        ws.execute_with("CREATE OR REPLACE TABLE _ids AS SELECT * FROM _data", pa.table({
            "rid": pa.array(rows["rid"], pa.int64()),
            "id_number": pa.array([number[int(p)] for p in rows["pid"]], pa.string())}))
        rows["status"] = "accepted"
        for c in ("link_batch", "note", "linked_by"):
            rows[c] = None
        rows, _batch = settle(store, settings, ws, rows, "_ids", feeds, folder, "clerical")
    finally:
        ws.close()
        shutil.rmtree(folder, ignore_errors=True)
    with store.transaction():
        store.execute("DELETE FROM links WHERE status = 'review' AND list_contains(?, link_id)",
                      [link_ids])
        record(store, rows)
    return int((rows["status"] == "accepted").sum())
