"""Ranking applicants for the annual quota (积分排名与落户名额).

Only eligible applicants (准入条件) with at least the minimum score (分值线, if any) take part.
They are ordered by these keys, each breaking ties of the ones before it:

1. total points, higher first (积分高者优先);
2. years of social insurance in the city, longer first (社保缴纳年限长者优先) — the plan's
   “鼓励在我市稳定就业和稳定居住的外来人口落户定居”;
3. application date, earlier first (申请时间早者优先);
4. a keyed pseudonym of the applicant id (first 64 bits of HMAC-SHA256 with the deployment's
   pseudonym key), ascending — an order nobody can choose or predict without the key, used
   only when everything else is equal.

The first ``quota`` applicants in that order are admitted; with no quota (the Tianjin plan
reports that the quota limit was abolished, “取消落户名额限制”) everyone above the minimum score
is. Quota and minimum score come from the scheme's admission rules in force on the date."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from renkou.rules.points.score import ScoreResult
from renkou.types import BoolArray

IntArray = npt.NDArray[np.int64]

TIE_BREAKS: tuple[str, ...] = ("积分", "社保缴纳年限", "申请日期", "匿名编号")


@dataclass(frozen=True)
class RankResult:
    """Ranks and admission of the applicants of one :class:`ScoreResult` (积分排名结果)."""

    score: ScoreResult
    order: IntArray  # indices (into the score's applicants) of the candidates, best first
    rank: IntArray  # 1-based rank of each applicant; 0 when not a candidate
    admitted: BoolArray
    quota: int | None
    threshold: float | None
    cutoff_points: float | None  # points of the last admitted applicant
    decided_by: str  # the key separating the last admitted from the first not admitted
    at_cutoff: int  # candidates with exactly the cutoff points
    admitted_at_cutoff: int

    @property
    def n_admitted(self) -> int:
        return int(self.admitted.sum())

    def columns(self) -> dict[str, npt.NDArray[Any]]:
        """Output columns, best first; applicants who are not candidates last (rank 0)."""
        a = self.score.applicants
        base = self.score.columns()
        first = {k: base.pop(k) for k in ("applicant_id",)}
        cols: dict[str, npt.NDArray[Any]] = {
            **first, "rank": self.rank, "admitted": self.admitted,
            "insurance_years": a.numbers["insurance_years"],
            "application_date": a.application_date.astype(str), **base,
        }
        ranked = np.concatenate([self.order, np.flatnonzero(self.rank == 0)])
        return {k: v[ranked] for k, v in cols.items()}

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.columns())


def pseudonyms(ids: npt.NDArray[np.object_], key: bytes) -> npt.NDArray[np.uint64]:
    """Keyed pseudonyms of applicant ids: the first 64 bits of HMAC-SHA256, as integers (their
    order is the order of the hex digests, up to a 1-in-2⁶⁴ collision)."""
    return np.array([int.from_bytes(hmac.digest(key, str(i).encode(), "sha256")[:8], "big")
                     for i in ids], dtype=np.uint64)


def rank(result: ScoreResult, pseudonym_key: bytes) -> RankResult:
    """Rank the candidates and admit up to the quota in force on the score's date;
    ``pseudonym_key`` (the deployment's pseudonym key) orders full ties."""
    rules = result.scheme.admission
    a = result.applicants
    candidate = result.eligible.copy()
    if rules.threshold is not None:
        candidate &= result.total >= rules.threshold
    idx = np.flatnonzero(candidate)
    pts = result.total[idx]
    ins = a.numbers["insurance_years"][idx]
    day = a.application_date[idx].astype(np.int64)
    # np.lexsort sorts by the last key first. Pseudonyms are needed only where the first three
    # keys tie (HMAC per row is the slow part): sort without them, find equal neighbours.
    local = np.lexsort((day, -ins, -pts))
    same = ((pts[local][1:] == pts[local][:-1]) & (ins[local][1:] == ins[local][:-1])
            & (day[local][1:] == day[local][:-1]))
    tied_sorted = np.zeros(local.shape[0], dtype=bool)
    tied_sorted[1:] |= same
    tied_sorted[:-1] |= same
    pseudo = np.zeros(idx.shape[0], dtype=np.uint64)
    if tied_sorted.any():
        tied = local[tied_sorted]
        pseudo[tied] = pseudonyms(a.applicant_id[idx[tied]], pseudonym_key)
        local = np.lexsort((pseudo, day, -ins, -pts))
    order = idx[local]
    n = len(a)
    rank_of = np.zeros(n, dtype=np.int64)
    rank_of[order] = np.arange(1, order.shape[0] + 1)
    take = order.shape[0] if rules.quota is None else min(rules.quota, order.shape[0])
    admitted = np.zeros(n, dtype=bool)
    admitted[order[:take]] = True

    cutoff = float(result.total[order[take - 1]]) if take > 0 else None
    decided_by = "—"
    if 0 < take < order.shape[0]:
        last, first_out = local[take - 1], local[take]
        for name, arr in zip(TIE_BREAKS, (pts, ins, day, pseudo), strict=True):
            if arr[last] != arr[first_out]:
                decided_by = name
                break
    elif take == order.shape[0]:
        decided_by = "名额未用完（全部候选人获准）"
    at_cutoff = int((pts == cutoff).sum()) if cutoff is not None else 0
    admitted_at_cutoff = (int((result.total[order[:take]] == cutoff).sum())
                          if cutoff is not None else 0)
    return RankResult(score=result, order=order, rank=rank_of, admitted=admitted,
                      quota=rules.quota, threshold=rules.threshold, cutoff_points=cutoff,
                      decided_by=decided_by, at_cutoff=at_cutoff,
                      admitted_at_cutoff=admitted_at_cutoff)
