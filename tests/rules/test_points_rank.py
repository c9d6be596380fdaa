"""Ranking: the documented tie-breaks against a pandas sort written from the docstring."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import numpy as np
import pandas as pd
import pytest

from renkou.rules.points.applicants import generate_applicants
from renkou.rules.points.columns import parse_applicants
from renkou.rules.points.loader import load_scheme
from renkou.rules.points.rank import rank
from renkou.rules.points.score import score

AS_OF = dt.date(2021, 12, 31)
KEY = b"test-key"


@pytest.fixture(scope="module")
def scored():  # type: ignore[no-untyped-def]
    table, _ = parse_applicants(generate_applicants(5000, seed=5, as_of=AS_OF))
    return table


def _hmac(i: str, key: bytes) -> str:
    return hmac.new(key, i.encode(), hashlib.sha256).hexdigest()


@pytest.mark.parametrize("quota", [1, 700, 4000, 10_000])
def test_order_and_admission_follow_the_documented_keys(scored, quota: int) -> None:  # type: ignore[no-untyped-def]
    scheme = load_scheme().with_changes({"quota": quota}, AS_OF)
    result = score(scored, scheme, AS_OF, explain=False)
    ranked = rank(result, pseudonym_key=KEY)
    a = result.applicants
    df = pd.DataFrame({"id": a.applicant_id, "pts": result.total,
                       "ins": a.numbers["insurance_years"], "date": a.application_date,
                       "ok": result.eligible})
    df = df[df.ok]
    df["pseudo"] = [_hmac(i, KEY)[:16] for i in df.id]
    expected = df.sort_values(["pts", "ins", "date", "pseudo"],
                              ascending=[False, False, True, True])
    assert list(a.applicant_id[ranked.order]) == list(expected.id)
    admitted = set(a.applicant_id[ranked.admitted])
    assert admitted == set(expected.id.head(quota))
    assert ranked.n_admitted == min(quota, len(expected))
    if quota < len(expected):
        assert ranked.cutoff_points == expected.pts.iloc[quota - 1]
        assert ranked.decided_by in ("积分", "社保缴纳年限", "申请日期", "匿名编号")
    # ranks are 1..n for candidates, 0 for the others
    assert sorted(ranked.rank[ranked.rank > 0]) == list(range(1, len(expected) + 1))
    assert np.all(ranked.rank[~result.eligible] == 0)


def test_full_ties_are_broken_by_the_keyed_pseudonym() -> None:
    df = generate_applicants(1, seed=1, as_of=AS_OF)
    twins = pd.concat([df] * 6, ignore_index=True)
    twins["applicant_id"] = [f"T{i}" for i in range(6)]
    twins["has_residence_permit"] = "true"
    twins["insurance_years"] = "5"
    table, _ = parse_applicants(twins)
    scheme = load_scheme().with_changes({"quota": 3}, AS_OF)
    result = score(table, scheme, AS_OF, explain=False)
    for key in (b"k1", b"k2"):
        ranked = rank(result, pseudonym_key=key)
        expected = sorted(twins.applicant_id, key=lambda i: _hmac(i, key)[:16])
        assert list(table.applicant_id[ranked.order]) == expected
        assert ranked.decided_by == "匿名编号"
        assert ranked.at_cutoff == 6 and ranked.admitted_at_cutoff == 3


def test_threshold_and_no_quota(scored) -> None:  # type: ignore[no-untyped-def]
    scheme = load_scheme().with_changes({"quota": "none", "threshold": 120}, AS_OF)
    result = score(scored, scheme, AS_OF, explain=False)
    ranked = rank(result, pseudonym_key=KEY)
    expected = result.eligible & (result.total >= 120)
    assert np.array_equal(ranked.admitted, expected)
    assert ranked.quota is None and ranked.decided_by.startswith("名额未用完")


def test_rank_frame_is_best_first(scored) -> None:  # type: ignore[no-untyped-def]
    result = score(scored, load_scheme().with_changes({"quota": 50}, AS_OF), AS_OF)
    frame = rank(result, pseudonym_key=KEY).frame()
    head = frame[frame["rank"] > 0]
    assert list(head["rank"]) == list(range(1, len(head) + 1))
    assert head["total_points"].is_monotonic_decreasing
    assert int(frame["admitted"].sum()) == 50
    assert (frame.loc[frame["rank"] == 0, "eligible"] == False).all()  # noqa: E712
