"""Application layer of record linkage: run ``registry link`` on a store and, given the
generator's ``truth/links.csv``, score its decisions (precision, recall, F1 by threshold);
in the server, the clerical review queue and the runs and decisions as jobs of its runner."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from renkou.app.jobs import JobContext, Work
from renkou.app.stores import data_changed, hosted, registry_at
from renkou.errors import InputError, NotFoundError
from renkou.registry.linkage.decide import LOWER, UPPER, accuracy, read_truth
from renkou.registry.linkage.link import LinkResult, link
from renkou.registry.spark.session import SparkOptions
from renkou.registry.store import Store
from renkou.settings import Settings


def run_link(db: Path, settings: Settings, *, upper: float = UPPER, lower: float = LOWER,
             truth: Path | None = None, report: Path | None = None,
             say: Callable[[str], None] | None = None, engine: str = "duckdb",
             spark: SparkOptions | None = None) -> tuple[LinkResult, pd.DataFrame | None]:
    """Link the store's rows quarantined for their ID number (the model on ``engine``:
    duckdb or spark, ``spark`` the resources of a session it starts); with ``truth`` score
    every dirty row's decision and write the table to ``report``."""
    if (truth is None) != (report is None):
        raise InputError("--truth 与 --report 需同时给出")
    known = read_truth(truth) if truth is not None else None
    if not db.is_file():
        raise InputError("数据库文件不存在", file=str(db))
    with Store(db, settings=settings) as store:
        result = link(store, settings, upper=upper, lower=lower, say=say,
                      score_keys=None if known is None else set(known["person_key"]),
                      engine=engine, spark=spark)
    if known is None or report is None:
        return result, None
    table = accuracy(result.decided, known, upper, lower, result.present)
    report.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(report, index=False, lineterminator="\n")
    return result, table


# ---- the server's linkage: runs and clerical decisions on its job runner ---------------------

# What each comparison of a pair is called on the review page (keys of links.weights).
COMPARISON_ZH = {"name": "姓名", "sex": "性别", "birth": "出生日期", "districts": "区划",
                 "id17": "残存号码"}
NO_RIVAL = 1e6  # a margin at least this large: the row had one candidate only


@dataclass(frozen=True)
class ReviewRow:
    """A waiting link as a clerk sees it: the quarantined row, the proposed person (masked)
    and the match weight of each comparison that explains the pair."""

    link_id: int
    feed: str
    file: str
    row: int
    record_id: str | None
    reason: str
    reason_name: str
    person_ref: str | None
    id_masked: str | None
    name_masked: str | None
    sex: str | None
    birth_date: dt.date | None
    match_probability: float
    match_weight: float
    margin: float | None
    weights: tuple[tuple[str, str, float], ...]  # (comparison, Chinese label, weight)


def review_queue(db: Path, settings: Settings, *, limit: int = 200,
                 offset: int = 0) -> tuple[list[ReviewRow], int]:
    """One page of the clerical review queue (ID numbers and names masked, record ids
    redacted) and its length, from the store's last committed state."""
    from renkou.auth.redact import mask_name, redact_ids
    from renkou.registry.linkage.review import review_page
    from renkou.registry.validate import REASON_ZH

    with registry_at(db) as registry:
        frame, total = review_page(registry.store, settings, mask_name, limit=limit,
                                   offset=offset)
    rows: list[ReviewRow] = []
    for r in frame.astype(object).where(frame.notna(), None).to_dict("records"):
        said = json.loads(str(r["weights"])) if r["weights"] else {}
        margin = float(r["margin"]) if r["margin"] is not None else None
        rows.append(ReviewRow(
            link_id=int(r["link_id"]), feed=str(r["feed"]), file=str(r["file_name"]),
            row=int(r["row_no"]),
            record_id=redact_ids(str(r["record_id"])) if r["record_id"] else None,
            reason=str(r["reason"]), reason_name=REASON_ZH.get(str(r["reason"]),
                                                               str(r["reason"])),
            person_ref=r["person_ref"], id_masked=r["id_masked"],
            name_masked=r["name_masked"] or None, sex=r["sex"],
            birth_date=pd.Timestamp(r["birth_date"]).date() if r["birth_date"] else None,
            match_probability=round(float(r["match_probability"]), 4),
            match_weight=round(float(r["match_weight"]), 2),
            margin=None if margin is None or margin >= NO_RIVAL else round(margin, 2),
            weights=tuple((k, COMPARISON_ZH.get(k, k), round(float(v), 2))
                          for k, v in said.items())))
    return rows, total


def waiting_link(db: Path, link_id: int) -> None:
    """NotFoundError unless ``link_id`` waits in the queue (checked before a decision is
    queued, so that an unknown number is answered at once)."""
    from renkou.registry.linkage.review import review_list

    with registry_at(db) as registry:
        waiting = review_list(registry.store)
    if link_id not in set(waiting["link_id"].astype(int)):
        raise NotFoundError(f"复核队列中没有编号 {link_id}")




def link_work(db: Path, settings: Settings, *, upper: float = UPPER,
              lower: float = LOWER) -> Work:
    """The job of a linkage run on the served store (one writer: the server's job runner);
    its result is the counts by decision and the time of each step."""
    if not 0 < lower <= upper < 1:
        raise InputError("阈值应满足 0 < 复核阈值 ≤ 接受阈值 < 1")

    def run(ctx: JobContext) -> dict[str, Any]:
        said = [0]

        def say(message: str) -> None:
            said[0] += 1
            ctx.progress(min(0.05 + 0.2 * said[0], 0.9), message)

        ctx.progress(0.02, "读取待匹配的隔离记录")
        with Store(db, settings=settings, host=hosted(db)) as store:
            result = link(store, settings, upper=upper, lower=lower, say=say)
        if result.counts.get("accepted", 0):
            data_changed(db)
        return {"counts": {k: int(v) for k, v in result.counts.items()},
                "gone": len(result.gone), "link_batch": result.link_batch,
                "share_in_store": result.share_in_store, "seconds": result.seconds,
                "upper": upper, "lower": lower}

    return run


def decision_work(db: Path, settings: Settings, link_id: int, accept: bool) -> Work:
    """The job of a clerk's decision on one waiting link: accepted, its row is read again
    and ingested for the proposed person (``refused`` when a check still refuses it);
    rejected, it stays quarantined and is not proposed again."""
    from renkou.registry.linkage.review import review_accept, review_reject

    def run(ctx: JobContext) -> dict[str, Any]:
        ctx.progress(0.1, "接受匹配并入库" if accept else "拒绝匹配")
        with Store(db, settings=settings, host=hosted(db)) as store:
            if not accept:
                review_reject(store, [link_id])
                return {"link_id": link_id, "decision": "rejected"}
            entered = review_accept(store, settings, [link_id])
        if entered:
            data_changed(db)
        return {"link_id": link_id, "decision": "accepted" if entered else "refused"}

    return run
