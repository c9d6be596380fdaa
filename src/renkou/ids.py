"""Citizen identity numbers (公民身份号码, GB 11643-1999).

An 18-character number: 6-digit division code of the place of first registration,
8-digit birth date, 3-digit sequence (odd for men, even for women) and an ISO 7064
MOD 11-2 check character (0-9 or X). Legacy 15-digit numbers (2-digit year, no check
character) can be upgraded."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from renkou.errors import InputError
from renkou.regions import gazetteer
from renkou.types import Sex

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


class IdProblem(StrEnum):
    """Why a number is not a valid 18-digit ID (one reason per kind of failure)."""

    FORMAT = "format"  # not 17 digits + digit/X
    UNKNOWN_DIVISION = "unknown_division"  # province part of the division code unknown
    INVALID_BIRTH_DATE = "invalid_birth_date"  # not a calendar date
    FUTURE_BIRTH_DATE = "future_birth_date"  # after today (or the reference date)
    CHECK_CHARACTER = "check_character"  # MOD 11-2 check character wrong


PROBLEM_ZH: dict[IdProblem, str] = {
    IdProblem.FORMAT: "格式错误：应为17位数字加1位校验码（数字或X）",
    IdProblem.UNKNOWN_DIVISION: "行政区划代码未知（前两位不是已知的省级代码）",
    IdProblem.INVALID_BIRTH_DATE: "出生日期不是有效日期",
    IdProblem.FUTURE_BIRTH_DATE: "出生日期晚于当前日期",
    IdProblem.CHECK_CHARACTER: "校验码错误",
}


@dataclass(frozen=True)
class IdVerdict:
    """Result of validating one number."""

    number: str
    valid: bool
    problem: IdProblem | None = None
    detail: str = ""


@dataclass(frozen=True)
class IdInfo:
    """The facts an 18-digit number encodes."""

    division_code: str
    birth_date: dt.date
    sequence: str
    sex: Sex
    check: str


class IdNumberError(InputError, ValueError):
    """An ID number that cannot be parsed or upgraded: bad input to the CLI and API (exit
    2, HTTP 422), and still a ``ValueError`` for callers that catch one."""


def _ascii_digits(text: str) -> bool:
    # str.isdigit() also accepts '²' or '٣', which int() cannot read.
    return text.isascii() and text.isdigit()


def check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits."""
    if len(first17) != 17 or not _ascii_digits(first17):
        raise IdNumberError(f"应为17位数字：{mask(first17)}")
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def normalise(number: str) -> str:
    return number.strip().upper()


def validate(number: str, today: dt.date | None = None) -> IdVerdict:
    """Validate an 18-digit number; the first failing check gives the reason."""
    n = normalise(number)
    if len(n) != 18 or not _ascii_digits(n[:17]) or not (_ascii_digits(n[17]) or n[17] == "X"):
        return IdVerdict(n, False, IdProblem.FORMAT, PROBLEM_ZH[IdProblem.FORMAT])
    if not gazetteer().is_known_province(n[:6]):
        return IdVerdict(n, False, IdProblem.UNKNOWN_DIVISION,
                         f"{PROBLEM_ZH[IdProblem.UNKNOWN_DIVISION]}：{n[:6]}")
    try:
        born = dt.date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    except ValueError:
        return IdVerdict(n, False, IdProblem.INVALID_BIRTH_DATE,
                         f"{PROBLEM_ZH[IdProblem.INVALID_BIRTH_DATE]}：{n[6:14]}")
    if born > (today or dt.date.today()) or born.year < 1850:
        return IdVerdict(n, False, IdProblem.FUTURE_BIRTH_DATE if born.year >= 1850
                         else IdProblem.INVALID_BIRTH_DATE,
                         f"出生日期不合理：{born.isoformat()}")
    expected = check_character(n[:17])
    if n[17] != expected:
        detail = f"{PROBLEM_ZH[IdProblem.CHECK_CHARACTER]}：第18位应为 {expected}，实为 {n[17]}"
        return IdVerdict(n, False, IdProblem.CHECK_CHARACTER, detail)
    return IdVerdict(n, True)


def is_valid(number: str, today: dt.date | None = None) -> bool:
    return validate(number, today).valid


def parse(number: str) -> IdInfo:
    """Decode a valid 18-digit number. Raises :class:`IdNumberError` (a ``ValueError``)
    when it is invalid."""
    v = validate(number)
    if not v.valid:
        raise IdNumberError(v.detail)
    n = v.number
    return IdInfo(
        division_code=n[:6],
        birth_date=dt.date(int(n[6:10]), int(n[10:12]), int(n[12:14])),
        sequence=n[14:17],
        sex="male" if int(n[16]) % 2 == 1 else "female",
        check=n[17],
    )


def upgrade15(number: str) -> str:
    """Upgrade a legacy 15-digit number (YYMMDD birth date, issued before 2000) to 18 digits."""
    n = number.strip()
    if len(n) != 15 or not _ascii_digits(n):
        raise IdNumberError(f"15位身份证号码应为15位数字：{mask(n)}")
    # 15-digit numbers were issued to people born in the 1900s (the century is implicit).
    first17 = n[:6] + "19" + n[6:]
    return first17 + check_character(first17)


def mask(number: str) -> str:
    """Display form: division code, eight stars, last four (``120111********123X``)."""
    n = normalise(number)
    if len(n) == 18:
        return n[:6] + "*" * 8 + n[14:]
    if len(n) == 15:
        return n[:6] + "*" * 6 + n[12:]
    return "*" * len(n)


def generate(
    division_codes: np.ndarray,
    birth_dates: np.ndarray,
    sexes: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Valid numbers for synthetic people, vectorised.

    ``division_codes``: 6-digit strings; ``birth_dates``: datetime64[D]; ``sexes``: 'male' or
    'female' (or booleans, True = male). Sequence numbers are random; collisions are
    resolved by the caller if uniqueness matters (probability is tiny for 200k people)."""
    n = len(division_codes)
    ymd = np.datetime_as_string(np.asarray(birth_dates, dtype="datetime64[D]"), unit="D")
    births = np.char.replace(ymd.astype("U10"), "-", "")
    male = np.asarray(sexes == "male") if sexes.dtype.kind in "UO" else sexes.astype(bool)
    seq2 = rng.integers(0, 100, size=n)
    last = rng.integers(0, 5, size=n) * 2 + np.where(male, 1, 0)
    seq = seq2 * 10 + last
    seq_s = np.char.zfill(seq.astype("U3"), 3)
    first17 = np.char.add(np.char.add(np.asarray(division_codes).astype("U6"), births), seq_s)
    digits = np.frombuffer(first17.astype("S17").tobytes(), dtype=np.uint8).reshape(n, 17) - 48
    totals = (digits.astype(np.int64) * np.array(_WEIGHTS)).sum(axis=1) % 11
    checks = np.array(list(_CHECK))[totals]
    return np.char.add(first17, checks)
