"""Scoring: the vectorised scorer against a plain per-applicant reference written from the
scheme's definition, explanations that add up, and row-level validation."""

from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pandas as pd
import pytest

from renkou.regions import gazetteer
from renkou.rules.points.applicants import generate_applicants
from renkou.rules.points.columns import COLUMNS, parse_applicants
from renkou.rules.points.loader import load_scheme
from renkou.rules.points.scheme import PointsScheme
from renkou.rules.points.score import score

AS_OF = dt.date(2022, 6, 30)


def _age(birth: str, when: dt.date) -> int:
    b = dt.date.fromisoformat(birth)
    return when.year - b.year - ((when.month, when.day) < (b.month, b.day))


def _reference(row: pd.Series, scheme: PointsScheme, when: dt.date) -> float:
    """Score one applicant the slow, obvious way."""
    r = scheme.at(when)
    got: dict[str, float] = {}
    for ind in scheme.indicators:
        v = r.versions[ind.key]
        if ind.kind == "table":
            key = row[ind.column]
            if ind.column == "district":
                key = gazetteer().get(key).group if key not in v.points else key
            raw = v.points.get(key, 0.0)
        elif ind.kind == "bands":
            age = _age(row["birth_date"], when)
            raw = 0.0
            for lo, p in v.bands:
                if age >= lo:
                    raw = p
        elif ind.kind == "per_unit":
            x = float(row[ind.column])
            raw = (math.floor(x) if ind.whole_units else x) * v.per_unit
        else:
            raw = v.flag_points if row[ind.column] == "true" else 0.0
        got[ind.key] = max(-v.cap, min(v.cap, raw * v.weight))
    total = 0.0
    for group in scheme.groups:
        members = [i.key for i in scheme.indicators if i.group == group]
        total += max(got[k] for k in members)
    total += sum(p for k, p in got.items()
                 if scheme.indicator(k).group is None)
    return total


@pytest.fixture(scope="module")
def pool() -> pd.DataFrame:
    return generate_applicants(3000, seed=11, as_of=AS_OF)


def test_vectorised_matches_reference(pool: pd.DataFrame) -> None:
    scheme = load_scheme()
    table, problems = parse_applicants(pool)
    assert not problems
    result = score(table, scheme, AS_OF, explain=False)
    expected = np.array([_reference(row, scheme, AS_OF) for _, row in pool.iterrows()])
    np.testing.assert_allclose(result.total, expected, atol=1e-9)


def test_reference_also_holds_before_a_dated_revision(pool: pd.DataFrame) -> None:
    # 2021-06-30 is the day before the sample's district-bonus revision.
    when = dt.date(2021, 6, 30)
    scheme = load_scheme()
    table, _ = parse_applicants(pool)
    result = score(table, scheme, when, explain=False)
    expected = np.array([_reference(row, scheme, when) for _, row in pool.head(500).iterrows()])
    np.testing.assert_allclose(result.total[:500], expected, atol=1e-9)


def test_explanation_points_add_up_to_total(pool: pd.DataFrame) -> None:
    table, _ = parse_applicants(pool)
    result = score(table, load_scheme(), AS_OF)
    assert result.explanation is not None
    for text, total in zip(result.explanation[:400], result.total[:400], strict=True):
        parts = text.split("；")
        counted = [p for p in parts if "不累计" not in p and "合计" not in p]
        found = sum(float(m) for p in counted for m in re.findall(r" ([+-][\d.]+)分", p))
        assert found == pytest.approx(total), text
        assert f"合计 {total:g} 分" in text


def test_bad_rows_are_reported_and_left_out(pool: pd.DataFrame) -> None:
    df = pool.head(20).copy()
    df.loc[2, "birth_date"] = "1990/01/01"
    df.loc[4, "education"] = "phd"
    df.loc[5, "district"] = "朝阳区"
    df.loc[6, "origin_province"] = "99"
    df.loc[7, "residence_years"] = "-1"
    df.loc[8, "dishonest"] = "maybe"
    df.loc[9, "applicant_id"] = df.loc[0, "applicant_id"]
    df.loc[10, "sex"] = "x"
    table, problems = parse_applicants(df, file="a.csv")
    where = {(p.row, p.column) for p in problems}
    # Spreadsheet rows: header is row 1, data row i is row i + 2.
    assert where == {(4, "birth_date"), (6, "education"), (7, "district"),
                     (8, "origin_province"), (9, "residence_years"), (10, "dishonest"),
                     (11, "applicant_id"), (12, "sex")}
    assert len(table) == 12
    assert "第 6 行" in str(next(p for p in problems if p.column == "education"))


def test_names_are_accepted_for_district_and_province(pool: pd.DataFrame) -> None:
    df = pool.head(2).copy()
    df.loc[0, "district"] = "滨海新区"
    df.loc[0, "origin_province"] = "河北省"
    df.loc[1, "district"] = "Xiqing"
    df.loc[1, "origin_province"] = "山东"
    table, problems = parse_applicants(df)
    assert not problems
    assert [table.district_codes[i] for i in table.district] == ["120116", "120111"]
    assert list(table.origin_province) == ["13", "37"]


def test_missing_column_is_an_error_for_the_file(pool: pd.DataFrame) -> None:
    from renkou.errors import InputError

    with pytest.raises(InputError, match="缺少列 award"):
        parse_applicants(pool.drop(columns=["award"]), file="x.csv")


def test_generator_is_seeded_and_has_the_documented_columns() -> None:
    a = generate_applicants(500, seed=3)
    b = generate_applicants(500, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert tuple(a.columns) == COLUMNS
    assert not generate_applicants(500, seed=4).equals(a)


@pytest.mark.parametrize(("text", "valid"), [
    ("2020-02-29", True), ("2021-02-28", True), ("2021-02-29", False), ("2021-02-30", False),
    ("2021-04-31", False), ("2021-13-01", False), ("2021-1-05", False), ("1990/01/01", False),
    ("", False),
])
def test_dates_are_strict(pool: pd.DataFrame, text: str, valid: bool) -> None:
    df = pool.head(1).copy()
    df.loc[0, "birth_date"] = "1990-01-01"
    df.loc[0, "application_date"] = text
    table, problems = parse_applicants(df)
    assert (len(table) == 1) is valid
    assert bool(problems) is not valid
    if valid:
        assert str(table.application_date[0]) == text
