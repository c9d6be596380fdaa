"""Data quality (数据质量): quarantine by feed and reason, and completeness of the records."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from renkou.registry.store import Store


@dataclass(frozen=True)
class QualitySummary:
    """Quarantine and completeness figures of a registry database."""

    batches: int
    rows_read: int
    accepted: int
    quarantined: int
    by_feed_reason: pd.DataFrame  # feed, reason, value
    feeds: pd.DataFrame  # feed, rows_read, accepted, quarantined, active_records
    completeness: pd.DataFrame  # measure, value, total, share
    decisions: pd.DataFrame  # fact, chosen_source, other_source, value


def quality_summary(store: Store) -> QualitySummary:
    totals = store.rows("SELECT count(*), coalesce(sum(rows_read), 0), coalesce(sum(accepted), 0), "
                        "coalesce(sum(quarantined), 0) FROM ingest_batches "
                        "WHERE finished_at IS NOT NULL")[0]
    by_reason = store.frame("SELECT feed, reason, count(*) AS value FROM quarantine "
                            "GROUP BY ALL ORDER BY feed, value DESC")
    feeds = store.frame("SELECT feed, sum(rows_read)::BIGINT AS rows_read, "
                        "sum(accepted)::BIGINT AS accepted, "
                        "sum(quarantined)::BIGINT AS quarantined FROM ingest_files GROUP BY feed "
                        "ORDER BY feed")
    persons = int(store.scalar("SELECT count(*) FROM persons") or 0)
    measures = {
        "有户籍记录的人员 persons with a hukou record":
            "SELECT count(DISTINCT pid) FROM hukou_spells",
        "有居住登记的人员 persons with a residence record":
            "SELECT count(DISTINCT pid) FROM residence_spells",
        "有普查受教育程度的人员 persons with census education":
            "SELECT count(DISTINCT pid) FROM attainment_events",
        "有死亡记录的人员 persons with a death record": "SELECT count(*) FROM deaths",
        "有身份记录的人员 persons with an encrypted identity":
            "SELECT count(*) FROM identity WHERE pii_enc IS NOT NULL",
    }
    rows = []
    for label, sql in measures.items():
        v = int(store.scalar(sql) or 0)
        rows.append({"measure": label, "value": v, "total": persons,
                     "share": round(v / persons, 4) if persons else 0.0})
    decisions = store.frame("SELECT fact, chosen_source, other_source, count(*) AS value "
                            "FROM decisions GROUP BY ALL ORDER BY ALL")
    return QualitySummary(int(totals[0]), int(totals[1]), int(totals[2]), int(totals[3]),
                          by_reason, feeds, pd.DataFrame(rows), decisions)


def batch_list(store: Store) -> pd.DataFrame:
    """Every ingest batch, newest first: batch_id, started_at, finished_at (null while
    running or after a failure), files, rows_read, accepted, quarantined."""
    return store.frame("SELECT batch_id, started_at, finished_at, coalesce(files, 0) AS files, "
                       "coalesce(rows_read, 0) AS rows_read, coalesce(accepted, 0) AS accepted, "
                       "coalesce(quarantined, 0) AS quarantined FROM ingest_batches "
                       "ORDER BY batch_id DESC")
