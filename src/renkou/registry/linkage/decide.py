"""Decisions from scored pairs (判定) and their accuracy against a known answer.

Each row takes its best-scoring person. At or above the upper threshold the link is
accepted; from the lower threshold up to the upper it waits for a clerk (review); below it
the row stays quarantined. A row whose two best persons score within ``AMBIGUOUS`` in match
weight is never accepted automatically: a clerk chooses."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from renkou.errors import InputError
from renkou.registry.linkage.model import WEIGHTS
from renkou.registry.store import Connection

UPPER = 0.95
LOWER = 0.5
AMBIGUOUS = 3.0  # match weight (log2 Bayes factor) between best and second best
THRESHOLDS = (0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 0.9999)
# The share of rows whose person is in the store is estimated, but never taken as more
# than this: a row's person may also be one that no blocking rule put beside it.
PI_MAX = 0.99


def row_posterior_sql(wbest: str, others: str, n_persons: int, pi: float) -> str:
    """P(the best candidate is the row's person) from its log2 Bayes factor ``wbest``, the
    other candidates' Bayes factors summed relative to it (``others``), and the odds that
    the row's person is nobody it was compared with, ``n_persons × (1 − π) / π``."""
    odds = math.log2(n_persons * (1 - pi) / pi)
    return f"1.0 / (1.0 + {others} + pow(2.0, {odds!r} - {wbest}))"


def share_in_store(log_sums: np.ndarray, n_rows: int, n_persons: int) -> float:
    """π, the share of the rows whose person the store holds, by expectation maximisation:
    a row's person is in the store with probability S / (S + N (1 − π) / π), S the sum of
    its candidates' Bayes factors (``log_sums``: log2 S of the rows with a candidate; the
    other rows count 0). At most :data:`PI_MAX`."""
    pi = 0.5
    for _ in range(200):
        odds = math.log2(n_persons * (1 - pi) / pi)
        new = min(float((1 / (1 + np.exp2(odds - log_sums))).sum()) / max(n_rows, 1), PI_MAX)
        if abs(new - pi) < 1e-7:
            break
        pi = max(new, 1e-6)
    return pi


def decide(ws: Connection, pairs: str, n_rows: int, n_persons: int, upper: float,
           lower: float) -> float:
    """Table ``best`` of ``ws``: per row with a candidate (a pair of ``pairs``), its best
    person (``pno``), the log2 Bayes factor ``match_weight``, the ``margin`` over the second
    best, ``match_probability`` (:func:`row_posterior_sql`), the comparisons' weights and the
    ``status``: accepted, review or quarantined. A person whose sex or birth date differs
    from the row's is never proposed: the ingest would refuse the row with that person's
    number. Returns π (:func:`share_in_store`)."""
    mws = ", ".join(f"mw_{c}" for c in WEIGHTS)
    ws.execute(f"""CREATE OR REPLACE TABLE _cand AS
WITH r AS (SELECT *, row_number() OVER (PARTITION BY rid ORDER BY w DESC, pno) AS k,
                  max(w) OVER (PARTITION BY rid) AS wmax FROM {pairs}),
s AS (SELECT rid, max(w) FILTER (WHERE k = 2) AS w2, sum(pow(2.0, w - wmax)) - 1 AS others
      FROM r GROUP BY rid)
SELECT r.rid, r.pno, r.w AS match_weight, coalesce(r.w - s.w2, 1e9) AS margin, s.others,
       {mws} FROM r JOIN s USING (rid) WHERE r.k = 1""")
    sums = ws.arrow("SELECT match_weight + log2(1 + others) FROM _cand").column(0)
    pi = share_in_store(sums.to_numpy(), n_rows, n_persons)
    ws.execute(f"""CREATE OR REPLACE TABLE best AS
WITH b AS (SELECT c.*, {row_posterior_sql('c.match_weight', 'c.others', n_persons, pi)}
                  AS match_probability, r.sex = p.sex AND r.birth = p.birth AS fits
           FROM _cand c JOIN cmp_rows r ON r.unique_id = c.rid
           JOIN cmp_persons p ON p.unique_id = c.pno)
SELECT * EXCLUDE (fits, others), CASE WHEN NOT coalesce(fits, false) THEN 'quarantined'
    WHEN match_probability >= {upper!r} AND margin >= {AMBIGUOUS!r} THEN 'accepted'
    WHEN match_probability >= {lower!r} THEN 'review' ELSE 'quarantined' END AS status FROM b""")
    ws.execute("DROP TABLE _cand")
    return pi


def weights_json(best: pd.DataFrame) -> list[str]:
    """Each row's comparison weights as JSON (kept in ``links.weights``)."""
    cols = [f"mw_{c}" for c in WEIGHTS]
    return [json.dumps({c: round(float(v), 3) for c, v in zip(WEIGHTS, r, strict=True)})
            for r in best[cols].to_numpy()]


def read_truth(path: Path) -> pd.DataFrame:
    try:
        t = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as e:
        raise InputError(f"无法读取真值文件：{e}", file=str(path)) from e
    if list(t.columns) != ["feed", "record_id", "person_key"]:
        raise InputError("真值文件的表头应为 feed,record_id,person_key", file=str(path))
    return t


def accuracy(decided: pd.DataFrame, truth: pd.DataFrame, upper: float, lower: float,
             present: set[str] | None = None) -> pd.DataFrame:
    """``threshold, precision, recall, f1, review_rows, default`` scoring every dirty row
    (a row of ``truth``) at each threshold: a link is right when its person is the one the
    truth names. Recall counts the rows whose person the store holds (``present``: their
    keys; None = all): a row of a person the store has never seen has no right link, and
    leaving it quarantined is right. ``decided``: feed, record_id, person_key (of the best
    person or empty), match_probability, margin."""
    d = truth.merge(decided, on=["feed", "record_id"], how="left", suffixes=("", "_got"))
    linkable = d["person_key"].isin(present) if present is not None else \
        pd.Series(True, index=d.index)
    prob = d["match_probability"].fillna(0.0)
    margin = d["margin"].fillna(0.0)
    right = d["person_key_got"].fillna("") == d["person_key"]
    out = []
    for t in sorted({*THRESHOLDS, upper}):
        acc = (prob >= t) & (margin >= AMBIGUOUS)
        review = ~acc & (prob >= min(lower, t))
        tp = int((acc & right).sum())
        n_acc = int(acc.sum())
        precision = tp / n_acc if n_acc else 1.0
        recall = tp / int(linkable.sum()) if linkable.any() else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out.append({"threshold": t, "precision": round(precision, 5),
                    "recall": round(recall, 5), "f1": round(f1, 5),
                    "review_rows": int(review.sum()), "default": "*" if t == upper else ""})
    return pd.DataFrame(out)
