"""Policy test cases for points schemes in YAML (积分落户测试用例), in the same vocabulary as
the rules engine's cases (:mod:`renkou.rules.cases`: ``defaults``, ``input``, ``output``,
``explanation_contains``, ``error_column``), so staff can add one without writing Python::

    scheme: tianjin-sample                 # a shipped points scheme or a YAML path
    defaults: {sex: male, education: none, ...}      # applicant every case starts from
    cases:
      - name: 本科、30岁
        as_of: 2022-06-30
        changes: {education.points.associate: 45}    # optional, a dated change
        input: {birth_date: 1992-01-15, education: bachelor, insurance_years: 5.9}
        output: {total_points: 105, eligible: true, points_education: 50}
        explanation_contains: [大学本科 +50分]
    rankings:
      - name: 同分比较社保年限
        as_of: 2022-06-30
        quota: 2
        applicants: [{applicant_id: a, ...}, {applicant_id: b, ...}]
        output: {order: [b, a], admitted: [b], decided_by: 社保缴纳年限}

Points are compared within 0.005."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from renkou.errors import RenkouError
from renkou.rules.cases import CaseOutcome, load_case_file
from renkou.rules.points.columns import COLUMNS, parse_applicants
from renkou.rules.points.loader import load_scheme, scheme_jurisdiction
from renkou.rules.points.rank import rank
from renkou.rules.points.scheme import PointsScheme
from renkou.rules.points.score import score

TOLERANCE = 0.005
CASE_PSEUDONYM_KEY = b"renkou-points-cases"


def is_points_case_file(path: Path) -> bool:
    """Points case files are named ``points_*.yaml``."""
    return path.name.startswith("points_") and path.suffix in (".yaml", ".yml")


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def _date(v: Any) -> dt.date:
    return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))


def _table(people: list[Mapping[str, Any]], defaults: Mapping[str, Any],
           as_of: dt.date) -> pd.DataFrame:
    rows = []
    for i, person in enumerate(people):
        row = {"applicant_id": f"case{i}", "application_date": as_of.isoformat(),
               **{k: _text(v) for k, v in defaults.items()},
               **{k: _text(v) for k, v in person.items()}}
        rows.append(row)
    return pd.DataFrame(rows, columns=list(COLUMNS)).fillna("").astype(str)


def _scheme(base: PointsScheme, case: Mapping[str, Any], as_of: dt.date) -> PointsScheme:
    changes = dict(case.get("changes") or {})
    if "quota" in case:
        changes["quota"] = case["quota"]
    return base.with_changes(changes, as_of, f"用例 {case.get('name', '')}") if changes else base


def run_points_case(base: PointsScheme, defaults: Mapping[str, Any],
                    case: Mapping[str, Any]) -> CaseOutcome:
    """Score one applicant and compare with ``output``."""
    name = str(case.get("name", "(未命名)"))
    try:
        as_of = _date(case["as_of"])
        table, problems = parse_applicants(_table([case.get("input") or {}], defaults, as_of),
                                           file=name, jurisdiction=scheme_jurisdiction(base))
        if "error_column" in case:
            cols = {p.column for p in problems}
            ok = case["error_column"] in cols
            return CaseOutcome(name, ok, "" if ok else f"应报告列 {case['error_column']} 的错误，"
                               f"实际：{cols or '无'}")
        if problems:
            return CaseOutcome(name, False, "；".join(str(p) for p in problems))
        result = score(table, _scheme(base, case, as_of), as_of)
    except (RenkouError, KeyError, ValueError) as exc:
        return CaseOutcome(name, False, f"无法运行：{exc}")
    row = {k: v[0] for k, v in result.columns().items()}
    wrong = []
    for key, expected in (case.get("output") or {}).items():
        if key not in row:
            wrong.append(f"输出没有列 {key}")
        elif isinstance(expected, bool):
            if bool(row[key]) is not expected:
                wrong.append(f"{key} 应为 {_text(expected)}，实际 {_text(bool(row[key]))}")
        elif abs(float(row[key]) - float(expected)) > TOLERANCE:
            wrong.append(f"{key} 应为 {expected}，实际 {row[key]:g}")
    for fragment in case.get("explanation_contains") or []:
        if str(fragment) not in str(row.get("explanation", "")):
            wrong.append(f"说明中应包含 {fragment!r}（说明：{row.get('explanation', '')}）")
    return CaseOutcome(name, not wrong, "；".join(wrong))


def run_points_ranking(base: PointsScheme, defaults: Mapping[str, Any],
                       case: Mapping[str, Any]) -> CaseOutcome:
    """Rank a few applicants and compare order, admission and the deciding key."""
    name = str(case.get("name", "(未命名)"))
    try:
        as_of = _date(case["as_of"])
        table, problems = parse_applicants(_table(case.get("applicants") or [], defaults, as_of),
                                           file=name, jurisdiction=scheme_jurisdiction(base))
        if problems:
            return CaseOutcome(name, False, "；".join(str(p) for p in problems))
        ranked = rank(score(table, _scheme(base, case, as_of), as_of, explain=False),
                      pseudonym_key=CASE_PSEUDONYM_KEY)
    except (RenkouError, KeyError, ValueError) as exc:
        return CaseOutcome(name, False, f"无法运行：{exc}")
    ids = table.applicant_id
    got = {"order": [str(i) for i in ids[ranked.order]],
           "admitted": sorted(str(i) for i in ids[ranked.admitted]),
           "decided_by": ranked.decided_by}
    expected_all = dict(case.get("output") or {})
    if "admitted" in expected_all:
        expected_all["admitted"] = sorted(str(i) for i in expected_all["admitted"])
    wrong = [f"{k} 应为 {v}，实际 {got.get(k)}" for k, v in expected_all.items()
             if (got.get(k) if k != "order" else got["order"]) != v]
    return CaseOutcome(name, not wrong, "；".join(wrong))


def run_points_case_file(path: Path) -> list[CaseOutcome]:
    """All cases and rankings of one ``points_*.yaml`` file."""
    doc = load_case_file(path)
    base = load_scheme(str(doc["scheme"]))
    defaults = doc.get("defaults") or {}
    return ([run_points_case(base, defaults, c) for c in doc["cases"]]
            + [run_points_ranking(base, defaults, r) for r in doc.get("rankings") or []])
