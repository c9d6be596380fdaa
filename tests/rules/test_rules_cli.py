"""``renkou rules`` through the real command line."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

HEADER = ("person_id,birth_date,hukou_tianjin,hukou_district,residence,social_assistance,"
          "key_entitled,care_level,household_income_per_capita,only_child_parent,only_child_age,"
          "living_children,model_worker_city,in_institution,meal_applied")


def renkou(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "renkou.cli.main", *args],
                          capture_output=True, text=True, timeout=120)


def test_evaluate_boundaries_and_bad_rows(tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("\n".join([
        HEADER,
        # 80 on the as-of date, urban only-child parent, income just below 2320
        "a,1945-06-30,true,120101,urban,none,false,moderate,2319.99,true,50,1,false,false,true",
        # the same with income exactly 2320
        "b,1945-06-30,true,120101,urban,none,false,moderate,2320,true,50,1,false,false,false",
        # rural, no living children, 79 on the as-of date
        "c,1945-07-01,true,120119,rural,none,false,severe,800,false,,0,false,false,true",
        # a bad row: impossible date and care level
        "d,1950-02-30,true,120101,urban,none,false,medium,800,false,,0,false,false,true",
    ]) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    r = renkou("rules", "evaluate", "--scheme", "tianjin-home-care", "--people", str(people),
               "--as-of", "2025-06-30", "--out", str(out))
    assert r.returncode == 0, r.stderr
    rows = {row["person_id"]: row for row in csv.DictReader(out.open(encoding="utf-8"))}
    assert set(rows) == {"a", "b", "c"}
    assert (rows["a"]["care_groups"], rows["a"]["care_subsidy_monthly"],
            rows["a"]["care_city_share"], rows["a"]["care_district_share"]) == (
        "2", "400", "200", "200")
    assert (rows["a"]["meal_eligible"], rows["a"]["meal_subsidy_per_meal"],
            rows["a"]["meal_city_share"], rows["a"]["meal_district_share"]) == (
        "true", "3", "1.2", "1.8")
    assert rows["b"]["care_subsidy_monthly"] == "0"
    assert rows["c"]["care_groups"] == "" and rows["c"]["meal_eligible"] == "false"
    errors = list(csv.DictReader((tmp_path / "out.errors.csv").open(encoding="utf-8")))
    assert {(e["row"], e["column"]) for e in errors} == {("5", "birth_date"),
                                                         ("5", "care_level")}
    assert "第 5 行" in r.stderr

    # The minimum wage is a parameter: at 2500 person b qualifies.
    r = renkou("rules", "evaluate", "--scheme", "tianjin-home-care", "--people", str(people),
               "--as-of", "2025-06-30", "--out", str(out), "--param",
               "minimum_wage_monthly=2500")
    rows = {row["person_id"]: row for row in csv.DictReader(out.open(encoding="utf-8"))}
    assert rows["b"]["care_subsidy_monthly"] == "400"


def test_bad_as_of_and_unknown_scheme_exit_nonzero(tmp_path: Path) -> None:
    people = tmp_path / "p.csv"
    people.write_text(HEADER + "\n", encoding="utf-8")
    r = renkou("rules", "evaluate", "--scheme", "tianjin-home-care", "--people", str(people),
               "--as-of", "2025-13-01", "--out", str(tmp_path / "o.csv"))
    assert r.returncode == 2
    r = renkou("rules", "evaluate", "--scheme", "nope", "--people", str(people),
               "--as-of", "2025-01-01", "--out", str(tmp_path / "o.csv"))
    assert r.returncode == 3


def test_policy_cases_pass_through_the_cli() -> None:
    r = renkou("rules", "test")
    assert r.returncode == 0, r.stderr
    assert "0 个失败" in r.stdout


@pytest.mark.slow
def test_budget_from_a_synthetic_registry(tmp_path: Path) -> None:
    import pandas as pd

    db = tmp_path / "city.duckdb"
    r = renkou("synth", "--persons", "8000", "--seed", "5", "--db", str(db))
    assert r.returncode == 0, r.stderr
    out = tmp_path / "budget.xlsx"
    r = renkou("rules", "budget", "--scheme", "tianjin-home-care", "--db", str(db),
               "--from", "2025", "--to", "2027", "--out", str(out))
    assert r.returncode == 0, r.stderr
    by_year = pd.read_excel(out, sheet_name="按年汇总")
    assert by_year["year"].tolist() == [2025, 2026, 2027]
    # Care is shared 1:1, so the two payers carry the same amount.
    assert (by_year["annual_cost_city"] - by_year["annual_cost_district"]).abs().max() < 0.05
    by_district = pd.read_excel(out, sheet_name="按年按区", dtype={"district": str})
    assert by_district["district"].str.startswith("12").all()
