"""Decisions from scored pairs (判定) and their accuracy against a known answer.

Each row takes its best-scoring person. At or above the upper threshold the link is
accepted; from the lower threshold up to the upper it waits for a clerk (review); below it
the row stays quarantined. A row whose two best persons score within ``AMBIGUOUS`` in match
weight is never accepted automatically: a clerk chooses."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from renkou.errors import InputError
from renkou.registry.linkage.model import SOURCE_PERSONS

UPPER = 0.95
LOWER = 0.5
AMBIGUOUS = 3.0  # match weight (log2 Bayes factor) between best and second best
THRESHOLDS = (0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 0.9999)


def best_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """One row per linked row: unique_id (row), pid (best person), match_probability,
    match_weight, margin (weight over the second best) and the per-comparison weights."""
    p = pairs.copy()
    if (p["source_dataset_l"] == SOURCE_PERSONS).any():  # orient row → person
        flip = p["source_dataset_l"] == SOURCE_PERSONS
        p.loc[flip, ["unique_id_l", "unique_id_r"]] = \
            p.loc[flip, ["unique_id_r", "unique_id_l"]].to_numpy()
    p = p.sort_values(["unique_id_l", "match_weight"], ascending=[True, False], kind="stable")
    rank = p.groupby("unique_id_l").cumcount()
    second = p[rank == 1].set_index("unique_id_l")["match_weight"]
    best = p.drop_duplicates("unique_id_l").set_index("unique_id_l")
    best["margin"] = best["match_weight"] - second.reindex(best.index).fillna(-1e9).to_numpy()
    best = best.rename(columns={"unique_id_r": "pid"}).reset_index(names="unique_id")
    return best


def status(best: pd.DataFrame, upper: float, lower: float) -> pd.Series:
    p = best["match_probability"]
    sure = (p >= upper) & (best["margin"] >= AMBIGUOUS)
    return pd.Series(np_where(sure, "accepted", (p >= lower), "review", "quarantined"),
                     index=best.index)


def np_where(a: pd.Series, x: str, b: pd.Series, y: str, z: str) -> list[str]:
    return [x if aa else (y if bb else z) for aa, bb in zip(a, b, strict=True)]


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
