"""Cell values as Excel and Calc hand them over (numbers, dates, typed text)."""

from __future__ import annotations

import datetime as dt

import pytest

from renkou.plans.cells import parse_date, parse_number


@pytest.mark.parametrize(("raw", "expected"), [
    (86.5, 86.5), (3, 3.0), ("86.5", 86.5), (" 1,240 ", 1240.0), ("1，240.5", 1240.5),
    ("12,345,678", 12345678.0), ("-0.4", -0.4),
])
def test_numbers(raw: object, expected: float) -> None:
    assert parse_number(raw) == expected


@pytest.mark.parametrize("raw", ["51,2", "1,24", "1,2345", "86.5%", "abc", True, "nan", "inf"])
def test_ambiguous_or_bad_numbers_are_refused(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_number(raw)


@pytest.mark.parametrize(("raw", "expected"), [
    (dt.datetime(2025, 2, 20, 10, 30), dt.date(2025, 2, 20)),
    (dt.date(2025, 2, 20), dt.date(2025, 2, 20)),
    ("2025-02-20", dt.date(2025, 2, 20)), ("2025/2/20", dt.date(2025, 2, 20)),
    ("2025.2.3", dt.date(2025, 2, 3)), ("2025年2月20日", dt.date(2025, 2, 20)),
    ("2025-02-20 00:00:00", dt.date(2025, 2, 20)),
    # Day serials as Excel and Calc count them (1900 system): 45708 is 2025-02-20,
    # 43831 is 2020-01-01.
    (45708, dt.date(2025, 2, 20)), (43831.0, dt.date(2020, 1, 1)),
])
def test_dates(raw: object, expected: dt.date) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["2025-13-01", "20250220", "二〇二五年", 12, 45708.5, "2025年2月"])
def test_bad_dates_are_refused(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_date(raw)
