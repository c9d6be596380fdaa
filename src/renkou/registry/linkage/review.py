"""The clerical review queue (人工复核队列): links scored between the thresholds wait for a
clerk, who accepts (the row enters the store, ``linked_by = clerical``) or rejects them (the
row stays quarantined and is not proposed again)."""

from __future__ import annotations

import pandas as pd

from renkou.errors import ConfigError, NotFoundError
from renkou.registry.keyring import store_keys
from renkou.registry.linkage.link import _record, _settle, ensure_links
from renkou.registry.linkage.source import linkable_feeds, pending_rows, registry_persons
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
    rows = pending_rows(store, feeds)
    rows = rows.merge(got[["link_id", "batch_id", "file_name", "row_no", "pid",
                           "match_probability",
                           "match_weight", "margin", "weights"]],
                      on=["batch_id", "file_name", "row_no"])
    persons = registry_persons(store, keys)
    ids = dict(zip(persons["pid"].astype(str), persons["id_number"], strict=True))
    rows["pid"] = rows["pid"].astype(str)
    rows["status"] = "accepted"
    rows["link_batch"] = None
    rows["note"] = None
    rows["linked_by"] = None
    rows, _batch = _settle(store, settings, rows, ids, feeds, "clerical")
    with store.transaction():
        store.execute("DELETE FROM links WHERE status = 'review' AND list_contains(?, link_id)",
                      [link_ids])
        rows["pid"] = rows["pid"].astype("uint64")
        _record(store, rows)
    return int((rows["status"] == "accepted").sum())
