import datetime as dt

import numpy as np
import pytest

from renkou import ids
from renkou.ids import IdProblem

STANDARD_EXAMPLE = "11010519491231002X"  # GB 11643-1999's own example


def test_standard_example_validates_and_parses() -> None:
    v = ids.validate(STANDARD_EXAMPLE)
    assert v.valid, v.detail
    info = ids.parse(STANDARD_EXAMPLE)
    assert info.division_code == "110105"
    assert info.birth_date == dt.date(1949, 12, 31)
    assert info.sex == "female"  # 17th digit 2 is even
    assert info.check == "X"


def test_lowercase_x_is_accepted() -> None:
    assert ids.is_valid(STANDARD_EXAMPLE.lower())


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("110105194912310021", IdProblem.CHECK_CHARACTER),
        ("11010519491231002", IdProblem.FORMAT),
        ("1101051949123100AX", IdProblem.FORMAT),
        ("99010519491231002X", IdProblem.UNKNOWN_DIVISION),
        ("110105194902300020", IdProblem.INVALID_BIRTH_DATE),
    ],
)
def test_each_failure_has_its_reason(number: str, problem: IdProblem) -> None:
    v = ids.validate(number)
    assert not v.valid
    assert v.problem is problem
    assert v.detail


def test_check_character_message_names_expected_character() -> None:
    v = ids.validate("110105194912310021")
    assert "X" in v.detail and "校验码" in v.detail


def test_future_birth_date() -> None:
    first17 = "12011120300101123"
    number = first17 + ids.check_character(first17)
    v = ids.validate(number, today=dt.date(2026, 1, 1))
    assert v.problem is IdProblem.FUTURE_BIRTH_DATE


def test_every_check_character_is_reachable() -> None:
    seen = {ids.check_character(f"{i:017d}") for i in range(200)}
    assert seen == set("0123456789X")


def test_upgrade_15_to_18() -> None:
    assert ids.upgrade15("110105491231002") == STANDARD_EXAMPLE
    with pytest.raises(ValueError):
        ids.upgrade15("11010549123100")


def test_mask() -> None:
    assert ids.mask("12011119900102477X") == "120111********477X"
    assert ids.mask("110105491231002") == "110105******002"


def test_generate_valid_and_consistent() -> None:
    rng = np.random.default_rng(7)
    n = 2000
    births = np.datetime64("1930-01-01") + rng.integers(0, 34000, n).astype("timedelta64[D]")
    sexes = np.where(rng.random(n) < 0.5, "male", "female")
    codes = np.full(n, "120111")
    numbers = ids.generate(codes, births, sexes, rng)
    for num, born, sex in zip(numbers[:500], births[:500], sexes[:500], strict=True):
        info = ids.parse(str(num))
        assert info.birth_date == born.astype(dt.date)
        assert info.sex == sex


@pytest.mark.parametrize("number", ["ABCDEFGHIJKLMNO", "1101054912310²2", "11010549123100 "])
def test_fifteen_characters_that_are_no_old_number_are_input_errors(number: str) -> None:
    from renkou.errors import InputError

    with pytest.raises(InputError):
        ids.upgrade15(number)


def test_ids_check_cli_exits_2_for_fifteen_non_digits(
        capsys: pytest.CaptureFixture[str]) -> None:
    from renkou.cli.main import main

    assert main(["ids", "check", "ABCDEFGHIJKLMNO"]) == 2
    assert "15位" in capsys.readouterr().err
    assert main(["ids", "check", "11010519491231002²"]) == 1  # invalid, not a crash
