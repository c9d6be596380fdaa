"""Runs the policy staff's YAML cases for points schemes (src/renkou/rules/tests/points_*.yaml)
through :mod:`renkou.rules.points.cases` — one pytest item per case or ranking."""

from __future__ import annotations

from pathlib import Path

import pytest

from renkou.rules.cases import default_cases_dir, load_case_file
from renkou.rules.points.cases import (
    is_points_case_file,
    run_points_case,
    run_points_case_file,
    run_points_ranking,
)
from renkou.rules.points.loader import load_scheme

FILES = sorted(f for f in default_cases_dir().glob("*.yaml") if is_points_case_file(f))
ITEMS = [(f, kind, i, c.get("name", str(i)))
         for f in FILES for kind in ("cases", "rankings")
         for i, c in enumerate(load_case_file(f).get(kind) or [])]


def test_case_files_found() -> None:
    assert "points_tianjin_sample.yaml" in {f.name for f in FILES}
    assert sum(1 for _, kind, _, _ in ITEMS if kind == "rankings") >= 2


@pytest.mark.parametrize(("path", "kind", "index", "name"), ITEMS,
                         ids=[f"{f.stem}:{k}:{n}" for f, k, _, n in ITEMS])
def test_points_case(path: Path, kind: str, index: int, name: str) -> None:
    doc = load_case_file(path)
    scheme = load_scheme(str(doc["scheme"]))
    run = run_points_case if kind == "cases" else run_points_ranking
    outcome = run(scheme, doc.get("defaults") or {}, doc[kind][index])
    assert outcome.passed, f"{name}: {outcome.message}"


def test_runner_reports_wrong_expectations(tmp_path: Path) -> None:
    f = tmp_path / "points_wrong.yaml"
    f.write_text(
        "scheme: tianjin-sample\n"
        "defaults: {sex: male, education: bachelor, insurance_years: 2,\n"
        "  has_residence_permit: true, residence_years: 0, professional_title: none,\n"
        "  skill_level: none, shortage_occupation: false, award: none, district: '120101',\n"
        "  origin_province: '13', violations: 0, dishonest: false}\n"
        "cases:\n"
        "  - {name: wrong total, as_of: 2022-06-30, input: {birth_date: 1990-01-01},\n"
        "     output: {total_points: 75, points_education: 40}}\n"
        "  - {name: no error, as_of: 2022-06-30, input: {birth_date: 1990-01-01},\n"
        "     error_column: education}\n"
        "rankings:\n"
        "  - {name: wrong order, as_of: 2022-06-30, quota: 1,\n"
        "     applicants: [{applicant_id: x, birth_date: 1990-01-01},\n"
        "                  {applicant_id: y, birth_date: 1990-01-01, insurance_years: 5}],\n"
        "     output: {order: [x, y]}}\n",
        encoding="utf-8")
    outcomes = run_points_case_file(f)
    assert [o.passed for o in outcomes] == [False, False, False]
    # bachelor 50 + age 20 + 2 years × 3 = 76
    assert "实际 76" in outcomes[0].message and "实际 50" in outcomes[0].message
    assert "['y', 'x']" in outcomes[2].message
