"""``registry link``: the rows quarantined for their ID number and the store's persons are
read into the linkage workspace, scored with the Splink model, decided row by row
(:mod:`renkou.registry.linkage.decide`) and settled (:mod:`renkou.registry.linkage.settle`):
accepted rows enter the store as a batch of their own, the others wait for review or stay
quarantined; every decision is kept in the table ``links``. The model trains and predicts
on DuckDB in the workspace or, with ``engine="spark"``, on Spark
(:mod:`renkou.registry.linkage.on_spark`); everything else is the same for both."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa

from renkou.errors import ConfigError, InputError
from renkou.registry.dialect import check_engine
from renkou.registry.keyring import store_keys
from renkou.registry.linkage.decide import LOWER, UPPER, decide, weights_json
from renkou.registry.linkage.model import Workspace, score
from renkou.registry.linkage.names import person_key_sql
from renkou.registry.linkage.persons import comparison_tables, load_persons
from renkou.registry.linkage.settle import (
    duplicates,
    ensure_links,
    private_folder,
    record,
    settle,
)
from renkou.registry.linkage.source import LinkFeed, linkable_feeds, pending_rows
from renkou.registry.spark.session import SparkOptions
from renkou.registry.store import Store
from renkou.settings import Settings

# While the workspace holds the persons, the store needs little memory of its own.
STORE_MEMORY_WHILE_LINKING = "1GB"


@dataclass
class LinkResult:
    """Counts of one run by status, the time of each step, and (when asked for, to score
    against a known answer) every dirty-row decision with the key of its person."""

    counts: dict[str, int] = field(default_factory=dict)
    gone: list[str] = field(default_factory=list)
    present: set[str] = field(default_factory=set)  # of the asked keys, those in the store
    decided: pd.DataFrame = field(default_factory=pd.DataFrame)
    link_batch: int | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    share_in_store: float | None = None  # π of the decisions (decide.share_in_store)


class _Clock:
    def __init__(self, result: LinkResult) -> None:
        self.result, self.t = result, time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.result.seconds[step] = round(now - self.t, 1)
        self.t = now


def link(store: Store, settings: Settings, *, upper: float = UPPER, lower: float = LOWER,
         say: Callable[[str], None] | None = None,
         score_keys: Collection[str] | None = None, engine: str = "duckdb",
         spark: SparkOptions | None = None) -> LinkResult:
    """Link the pending rows (see :func:`pending_rows`) to the store's persons.
    ``score_keys``: person keys (:func:`~renkou.registry.linkage.names.person_key`) of a
    known answer; the result then says which are in the store and whom each row got.
    ``engine``: where Splink trains and predicts (duckdb or spark; ``spark``: the session's
    resources when one is started)."""
    if not 0 < lower <= upper < 1:
        raise InputError("阈值应满足 0 < 下阈值 ≤ 上阈值 < 1")
    check_engine(engine)
    say = say or (lambda _m: None)
    ensure_links(store)
    keys = store_keys(store, settings)
    if keys is None:
        raise ConfigError("概率匹配需要数据库的密钥（密钥文件或 RENKOU_ENCRYPTION_KEY、"
                          "RENKOU_PSEUDONYM_KEY）")
    feeds = linkable_feeds()
    result = LinkResult()
    clock = _Clock(result)
    folder = private_folder(store)
    (folder / "work").mkdir(mode=0o700)
    ws = Workspace(settings.duckdb_memory, settings.duckdb_threads, folder / "work")
    try:
        n_rows = pending_rows(store, ws, feeds, folder / "work", result.gone)
        if result.gone:
            say(f"{len(result.gone)} 个交付文件已不在原处或已被改动，其中的隔离记录本次不能"
                f"匹配（如 {result.gone[0]}）")
        say(f"待匹配的隔离记录 {n_rows:,} 行")
        clock.lap("read rows")
        n_persons = load_persons(store, ws, keys)
        clock.lap("decrypt persons")
        if score_keys is not None:
            _known(store, ws, result, score_keys)
        if n_rows == 0 or n_persons == 0:
            return result
        say(f"训练匹配模型并打分（登记人员 {n_persons:,} 人）")
        comparison_tables(ws)
        clock.lap("prepare names")
        saved = store.scalar("SELECT any_value(value) FROM store_meta "
                             "WHERE key = 'linkage_model'")
        trained = json.loads(str(saved)) if saved else None
        with store.memory_limit(STORE_MEMORY_WHILE_LINKING):
            if engine == "spark":
                from renkou.registry.linkage.on_spark import score_on_spark

                pairs, model = score_on_spark(ws, "cmp_rows", "cmp_persons", n_rows,
                                              n_persons, folder, options=spark,
                                              trained=trained)
            else:
                pairs, model = score(ws, "cmp_rows", "cmp_persons", n_rows, n_persons,
                                     trained=trained)
        result.share_in_store = decide(ws, pairs, n_rows, n_persons, upper, lower)
        clock.lap("splink")
        keep = _decided(store, ws, feeds, result, score_keys is not None)
        say(f"接受 {int((keep['status'] == 'accepted').sum()):,} 行，待复核 "
            f"{int((keep['status'] == 'review').sum()):,} 行")
        ws.execute("CREATE OR REPLACE TABLE _ids AS SELECT b.rid, p.id_number FROM best b "
                   "JOIN person_raw p USING (pno) WHERE b.status = 'accepted'")
        keep, result.link_batch = settle(store, settings, ws, keep, "_ids", feeds, folder,
                                         "probabilistic")
        with store.transaction():
            store.execute("DELETE FROM store_meta WHERE key = 'linkage_model'")
            store.execute("INSERT INTO store_meta VALUES ('linkage_model', ?)",
                          [json.dumps(model)])
            store.execute("DELETE FROM links WHERE status = 'review'")
            record(store, keep)
        refused = int((keep["status"] == "refused").sum())
        result.counts["refused"] = refused
        result.counts["accepted"] -= refused
        clock.lap("ingest accepted")
        return result
    finally:
        ws.close()
        shutil.rmtree(folder, ignore_errors=True)


def _decided(store: Store, ws: Workspace, feeds: dict[str, LinkFeed], result: LinkResult,
             scoring: bool) -> pd.DataFrame:
    """Counts by status into ``result``; the rows not left quarantined (their decision and
    meta columns, duplicates marked); with ``scoring``, every row's decision with the key
    of its best person into ``result.decided``."""
    result.counts = {s: 0 for s in ("accepted", "review", "duplicate", "quarantined")}
    for s, n in ws.rows("SELECT coalesce(b.status, 'quarantined'), count(*) FROM queue q "
                        "LEFT JOIN best b USING (rid) GROUP BY ALL"):
        result.counts[str(s)] = int(n)
    if scoring:
        now = ws.frame(f"SELECT q.feed, q.record_id, coalesce({person_key_sql('p.id_number')}, "
                       f"'') AS person_key, coalesce(b.match_probability, 0.0) AS "
                       f"match_probability, coalesce(b.margin, 0.0) AS margin FROM queue q "
                       f"LEFT JOIN best b USING (rid) LEFT JOIN person_raw p USING (pno)")
        result.decided = pd.concat([result.decided, now], ignore_index=True)
    keep = ws.frame("SELECT q.rid, q.batch_id, q.feed, q.file_name, q.row_no, q.record_id, "
                    "q.reason, p.pid, b.* EXCLUDE (rid, pno, status), b.status FROM best b "
                    "JOIN queue q USING (rid) JOIN person_raw p USING (pno) "
                    "WHERE b.status <> 'quarantined'")
    keep["weights"] = weights_json(keep)
    acc = keep["status"] == "accepted"
    dup = duplicates(store, ws, keep.loc[acc, ["rid", "feed", "pid"]], feeds)
    keep.loc[keep["rid"].isin(dup), "status"] = "duplicate"
    result.counts["accepted"] -= len(dup)
    result.counts["duplicate"] += len(dup)
    for c in ("linked_by", "link_batch", "note"):
        keep[c] = None
    return keep


def _known(store: Store, ws: Workspace, result: LinkResult, score_keys: Collection[str]) -> None:
    """Which asked person keys the store holds, and earlier runs' decisions, for scoring."""
    asked = pa.table({"key": pa.array(sorted(set(score_keys)), pa.string())})
    have = ws.arrow_with(f"SELECT key FROM _data WHERE key IN (SELECT "
                         f"{person_key_sql('id_number')} FROM person_raw)", asked)
    result.present = set(have.column("key").to_pylist())
    earlier = store.arrow("SELECT feed, record_id, pid, status FROM links "
                          "WHERE status <> 'review'")
    result.decided = ws.arrow_with(
        f"SELECT e.feed, e.record_id, CASE WHEN e.status IN ('accepted', 'duplicate') "
        f"THEN coalesce({person_key_sql('p.id_number')}, '') ELSE '' END AS person_key, "
        f"CASE WHEN e.status IN ('accepted', 'duplicate') THEN 1.0 ELSE 0.0 END "
        f"AS match_probability, 1e9 AS margin FROM _data e LEFT JOIN person_raw p USING (pid)",
        earlier).to_pandas() if earlier.num_rows else pd.DataFrame()
