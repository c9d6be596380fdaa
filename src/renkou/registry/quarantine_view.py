"""Reading the quarantine (隔离记录浏览): rows not accepted, a page at a time, filtered by
batch, feed and reason. The table holds masked ID numbers only."""

from __future__ import annotations

import pandas as pd

from renkou.registry.store import Store

COLUMNS = ("batch_id", "feed", "file_name", "row_no", "record_id", "reason", "field",
           "id_masked")


def quarantine_page(store: Store, *, batch: int | None = None,
                    feeds: tuple[str, ...] | None = None, reason: str | None = None,
                    limit: int = 200, offset: int = 0) -> tuple[pd.DataFrame, int]:
    """One page of quarantined rows (batch, file and row order) and how many match in all;
    ``feeds`` None: every feed, () none."""
    clauses: list[str] = []
    params: list[object] = []
    if batch is not None:
        clauses.append("batch_id = ?")
        params.append(batch)
    if feeds is not None:
        if not feeds:
            return pd.DataFrame(columns=list(COLUMNS)), 0
        clauses.append(f"feed IN ({', '.join('?' for _ in feeds)})")
        params.extend(feeds)
    if reason:
        clauses.append("reason = ?")
        params.append(reason)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    if not store.table_exists("quarantine"):
        return pd.DataFrame(columns=list(COLUMNS)), 0
    total = int(store.scalar(f"SELECT count(*) FROM quarantine{where}", params) or 0)
    page = store.frame(f"SELECT {', '.join(COLUMNS)} FROM quarantine{where} "
                       "ORDER BY batch_id DESC, file_name, row_no, reason LIMIT ? OFFSET ?",
                       [*params, int(limit), int(offset)])
    return page, total
