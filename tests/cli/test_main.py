import subprocess
import sys

import pytest

from renkou.cli.main import main


def test_help_lists_command_groups(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for group in ("ids", "registry", "project", "plans", "assess", "rules", "serve", "demo"):
        assert group in out, group
    assert "人口" in out  # Chinese help


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert "renkou" in capsys.readouterr().out


def test_console_script_runs() -> None:
    r = subprocess.run([sys.executable, "-m", "renkou.cli.main", "ids", "check",
                        "11010519491231002X"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
