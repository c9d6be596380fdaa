"""Runs every policy case in ``src/renkou/rules/tests/*.yaml`` (one pytest item per case)."""

from __future__ import annotations

from pathlib import Path

import pytest

from renkou.rules.cases import case_files, load_case_file, run_case, run_case_file

CASES = [
    (f, i, c.get("name", str(i)))
    for f in case_files()
    for i, c in enumerate(load_case_file(f)["cases"])
]


def test_case_files_found() -> None:
    names = {f.name for f, _, _ in CASES}
    assert {"tianjin_home_care.yaml", "tianjin_meal.yaml",
            "family_planning_assistance.yaml"} <= names


@pytest.mark.parametrize(("path", "index", "name"), CASES,
                         ids=[f"{f.stem}:{n}" for f, _, n in CASES])
def test_policy_case(path: Path, index: int, name: str) -> None:
    doc = load_case_file(path)
    outcome = run_case(doc["scheme"], doc.get("defaults") or {}, doc["cases"][index])
    assert outcome.passed, f"{name}: {outcome.message}"


def test_runner_reports_a_wrong_expectation(tmp_path: Path) -> None:
    # The runner must be able to fail: a case expecting 400 for a severe care level.
    f = tmp_path / "wrong.yaml"
    f.write_text(
        "scheme: tianjin-home-care\n"
        "defaults: {birth_date: 1950-01-01, hukou_tianjin: true, residence: urban,\n"
        "  social_assistance: dibao, key_entitled: false, care_level: severe,\n"
        "  only_child_parent: false, model_worker_city: false, in_institution: false,\n"
        "  meal_applied: false}\n"
        "cases:\n"
        "  - {name: wrong, as_of: 2025-01-01, output: {care_subsidy_monthly: 400}}\n"
        "  - {name: no error expected, as_of: 2025-01-01, error_column: care_level}\n",
        encoding="utf-8")
    outcomes = run_case_file(f)
    assert [o.passed for o in outcomes] == [False, False]
    assert "600" in outcomes[0].message
