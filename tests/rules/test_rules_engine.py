"""Dated parameters, input checks, the engine and explanations (rules as code)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from renkou.errors import ConfigError, InputError, NotInForceError
from renkou.rules.engine import money, split_shares
from renkou.rules.inputs import ColumnSpec, completed_years, parse_table
from renkou.rules.parameters import load_parameters, parse_override, parse_overrides
from renkou.rules.schemes import run_people
from renkou.rules.schemes.elderly import ELDERLY_COLUMNS
from renkou.rules.schemes.family_planning import load_fp_parameters, with_dynamic_adjustment


def test_minimum_wage_changes_on_its_effective_date() -> None:
    p = load_parameters("tianjin-common")["minimum_wage_monthly"]
    assert p.at(dt.date(2022, 11, 30)) == 2180
    assert p.at(dt.date(2022, 12, 1)) == 2320
    assert p.entry_at(dt.date(2023, 1, 1)).source.startswith("天津市人力资源和社会保障局")
    with pytest.raises(NotInForceError):
        p.at(dt.date(2010, 1, 1))


def test_every_shipped_value_cites_a_source() -> None:
    for name in ("tianjin-home-care", "tianjin-meal", "family-planning-assistance",
                 "caseload-assumptions"):
        ps = load_parameters(name)
        for param in ps.params.values():
            assert all(v.source for v in param.values), param.name


def test_override_holds_at_every_date_and_unknown_names_fail() -> None:
    ps = load_parameters("tianjin-home-care").with_overrides(
        parse_overrides(["minimum_wage_monthly=2500"]))
    assert ps.value("minimum_wage_monthly", dt.date(2021, 1, 1)) == 2500
    assert ps["minimum_wage_monthly"].entry_at(dt.date(2030, 1, 1)).source.startswith("命令行")
    with pytest.raises(InputError):
        ps.with_overrides({"no_such_parameter": 1})
    with pytest.raises(InputError):
        ps.with_overrides({"care_amount_light": "abc"})
    assert parse_override("care_excludes_institution=true") == ("care_excludes_institution",
                                                                True)
    with pytest.raises(InputError):
        parse_override("minimum_wage_monthly")


def test_parameter_file_without_source_is_rejected(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("parameters:\n  x:\n    values:\n      - {effective_from: 2020-01-01, value: 1}\n",
                 encoding="utf-8")
    with pytest.raises(ConfigError, match="source"):
        load_parameters(f)


def test_completed_years_birthday_counts_and_leap_day() -> None:
    births = np.array(["1965-06-30", "1965-07-01", "1964-02-29", "1964-02-29"],
                      dtype="datetime64[D]")
    assert completed_years(births[:2], dt.date(2025, 6, 30)).tolist() == [60, 59]
    assert completed_years(births[2:3], dt.date(2025, 2, 28)).tolist() == [60]
    assert completed_years(births[3:], dt.date(2025, 3, 1)).tolist() == [61]


def test_bad_cells_are_reported_with_row_and_column_and_others_go_on() -> None:
    df = pd.DataFrame({"person_id": ["a", "b", "b", ""],
                       "n": ["1", "x", "2", "-1"],
                       "flag": ["true", "false", "是", "maybe"]})
    specs = (ColumnSpec("person_id", "id", ""), ColumnSpec("n", "count", ""),
             ColumnSpec("flag", "bool", ""), ColumnSpec("opt", "number", "", required=False))
    t = parse_table(df, specs, dt.date(2025, 1, 1))
    assert t.n == 1 and t.rows.tolist() == [2]
    where = {(e.row, e.column) for e in t.errors}
    assert {(3, "n"), (4, "person_id"), (5, "person_id"), (5, "n"), (5, "flag")} <= where
    assert np.isnan(t.columns["opt"]).all()  # an optional column may be absent


def test_shares_add_up_to_the_amount() -> None:
    amount = np.array([3.0, 600.0, 0.0, 1.0])
    city, district = split_shares(amount, 4, 6)
    assert np.allclose(city + district, amount)
    assert city.tolist()[:2] == [1.2, 240.0]
    assert money(1.2000000001) == "1.2" and money(600.0) == "600"


def _person(**kw: str) -> dict[str, str]:
    row = {"person_id": "x", "birth_date": "1940-01-01", "hukou_tianjin": "true",
           "hukou_district": "120111", "residence": "urban", "social_assistance": "none",
           "key_entitled": "false", "care_level": "none", "household_income_per_capita": "5000",
           "only_child_parent": "false", "only_child_age": "", "living_children": "2",
           "model_worker_city": "false", "in_institution": "false", "meal_applied": "false"}
    row.update(kw)
    return row


def test_output_columns_follow_the_contract() -> None:
    df = pd.DataFrame([_person(person_id="a", care_level="severe", social_assistance="dibao")])
    run = run_people("tianjin-home-care", df, dt.date(2025, 6, 30))
    assert list(run.output.columns) == [
        "person_id", "care_groups", "care_subsidy_monthly", "care_city_share",
        "care_district_share", "meal_eligible", "meal_subsidy_per_meal", "meal_city_share",
        "meal_district_share", "explanation"]
    row = run.output.iloc[0]
    assert (row["care_groups"], row["care_subsidy_monthly"], row["meal_eligible"]) == (
        "1", "600", "false")
    assert "专栏3 护理第1项" in row["explanation"]


def test_explanations_are_shared_per_pattern_not_per_person() -> None:
    people = [_person(person_id=f"p{i}", care_level="light", social_assistance="dibao")
              for i in range(50)]
    out = run_people("tianjin-home-care", pd.DataFrame(people), dt.date(2025, 6, 30)).output
    assert out["explanation"].nunique() == 1
    assert isinstance(out["explanation"].dtype, pd.CategoricalDtype)


def test_dynamic_adjustment_becomes_dated_entries() -> None:
    fp = load_fp_parameters({"fp_annual_adjustment_rate": 0.05})
    adjusted = with_dynamic_adjustment(fp, 2028)
    assert adjusted["fp_death_monthly"].at(dt.date(2025, 12, 31)) == 720
    assert adjusted["fp_death_monthly"].at(dt.date(2027, 7, 1)) == pytest.approx(720 * 1.05**2,
                                                                                 abs=0.01)
    assert with_dynamic_adjustment(load_fp_parameters(), 2030)["fp_death_monthly"].at(
        dt.date(2030, 1, 1)) == 720


def test_elderly_columns_cover_the_contract() -> None:
    names = [c.name for c in ELDERLY_COLUMNS]
    assert names == ["person_id", "birth_date", "hukou_tianjin", "hukou_district", "residence",
                     "social_assistance", "key_entitled", "care_level",
                     "household_income_per_capita", "only_child_parent", "only_child_age",
                     "living_children", "model_worker_city", "in_institution", "meal_applied"]
