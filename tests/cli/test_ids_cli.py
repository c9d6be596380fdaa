import json

import pytest

from renkou.cli.main import main


def test_check_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ids", "check", "11010519491231002X"]) == 0
    out = capsys.readouterr().out
    assert "有效" in out and "1949-12-31" in out
    assert "11010519491231002X" not in out  # masked


def test_check_invalid_names_check_character(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ids", "check", "110105194912310021"]) != 0
    out = capsys.readouterr().out
    assert "校验码" in out and "check_character" in out


def test_check_json_and_15_digit(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ids", "check", "110105491231002", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["valid"] and data["upgraded_from_15"] and data["sex"] == "female"


def test_unknown_command_is_usage_error() -> None:
    assert main(["no-such-command"]) == 2
