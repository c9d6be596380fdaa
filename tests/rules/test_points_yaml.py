"""Runs the policy staff's YAML cases for points schemes (src/renkou/rules/tests/points_*.yaml).

Each case gives one applicant's columns and the points expected from the scheme's tables; each
ranking gives a few applicants and the expected order and admission."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from renkou.rules.points.columns import COLUMNS, parse_applicants
from renkou.rules.points.rank import rank
from renkou.rules.points.scheme import load_scheme
from renkou.rules.points.score import score

CASE_DIR = Path(str(resources.files("renkou.rules") / "tests"))
FILES = sorted(CASE_DIR.glob("points_*.yaml"))

DEFAULTS: dict[str, str] = {
    "sex": "male", "education": "none", "insurance_years": "0", "has_residence_permit": "true",
    "residence_years": "0", "professional_title": "none", "skill_level": "none",
    "shortage_occupation": "false", "award": "none", "district": "120101",
    "origin_province": "13", "violations": "0", "dishonest": "false",
}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _table(people: list[dict[str, Any]], as_of: dt.date) -> pd.DataFrame:
    rows = []
    for i, person in enumerate(people):
        row = {**DEFAULTS, "applicant_id": f"case{i}", "application_date": as_of.isoformat()}
        row.update({k: _text(v) for k, v in person.items()})
        rows.append(row)
    return pd.DataFrame(rows, columns=list(COLUMNS)).astype(str)


def _items(kind: str) -> list[Any]:
    out = []
    for f in FILES:
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        for case in doc.get(kind) or []:
            out.append(pytest.param(doc.get("scheme", "tianjin-sample"), case,
                                    id=f"{f.stem}:{case['name']}"))
    return out


def test_case_files_exist() -> None:
    assert FILES, f"no points_*.yaml in {CASE_DIR}"


@pytest.mark.parametrize(("scheme_name", "case"), _items("cases"))
def test_case(scheme_name: str, case: dict[str, Any]) -> None:
    as_of = case["as_of"]
    scheme = load_scheme(scheme_name)
    if case.get("changes"):
        scheme = scheme.with_changes(case["changes"], as_of, "YAML case")
    table, problems = parse_applicants(_table([case["applicant"]], as_of))
    assert not problems, [str(p) for p in problems]
    result = score(table, scheme, as_of)
    expect = case["expect"]
    for key, value in (expect.get("points") or {}).items():
        assert result.points[key][0] == pytest.approx(value), key
    if "total_points" in expect:
        assert result.total[0] == pytest.approx(expect["total_points"])
    if "eligible" in expect:
        assert bool(result.eligible[0]) is expect["eligible"]
    assert result.explanation is not None
    for fragment in expect.get("explanation_contains") or []:
        assert fragment in result.explanation[0], result.explanation[0]


@pytest.mark.parametrize(("scheme_name", "case"), _items("rankings"))
def test_ranking(scheme_name: str, case: dict[str, Any]) -> None:
    as_of = case["as_of"]
    scheme = load_scheme(scheme_name).with_changes({"quota": case["quota"]}, as_of, "YAML case")
    table, problems = parse_applicants(_table(case["applicants"], as_of))
    assert not problems, [str(p) for p in problems]
    ranked = rank(score(table, scheme, as_of), pseudonym_key=b"yaml-cases")
    ids = table.applicant_id
    expect = case["expect"]
    assert list(ids[ranked.order]) == expect["order"]
    assert sorted(ids[ranked.admitted]) == sorted(expect["admitted"])
    if "decided_by" in expect:
        assert ranked.decided_by == expect["decided_by"]
