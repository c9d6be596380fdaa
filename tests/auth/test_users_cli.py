"""``renkou users``: add (password from standard input only), list, disable, reset a
password; every change lands in the audit log."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from renkou.app.accounts import list_users, login
from renkou.app.audit import read_entries, verify_store
from renkou.cli.main import main
from renkou.registry import Registry

PASSWORD = "Qiao#Zhu-2026q"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "store.duckdb"
    Registry(path).close()
    return path


def _run(args: list[str], monkeypatch: pytest.MonkeyPatch, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(args)


def test_add_list_disable_reset(db: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["users", "add", "lin", "--role", "district", "--district", "120111",
                 "--password-stdin", "--db", str(db)], monkeypatch, PASSWORD + "\n") == 0
    assert _run(["users", "add", "he", "--role", "department", "--department", "wjw",
                 "--password-stdin", "--db", str(db)], monkeypatch, PASSWORD + "\n") == 0
    assert _run(["users", "list", "--db", str(db)], monkeypatch) == 0
    out = capsys.readouterr().out
    assert "lin\tdistrict\t-\t120111\t正常" in out and "he\tdepartment\twjw" in out
    stored = {a.username: a for a in list_users(db)}
    assert stored["lin"].password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored["lin"].password_hash

    assert login(db, "lin", PASSWORD, client="", production=False).account is not None
    assert _run(["users", "disable", "lin", "--db", str(db)], monkeypatch) == 0
    assert login(db, "lin", PASSWORD, client="", production=False).reason == "disabled"
    new = "Qiao#Zhu-2027r"
    assert _run(["users", "reset-password", "lin", "--password-stdin", "--db", str(db)],
                monkeypatch, new + "\n") == 0
    assert login(db, "lin", PASSWORD, client="", production=False).account is None
    assert login(db, "lin", new, client="", production=False).account is not None

    actions = [(e.action, e.target, e.outcome) for e in reversed(read_entries(db))]
    assert actions[:3] == [("user.add", "lin", "ok"), ("user.add", "he", "ok"),
                           ("login", "", "ok")]
    assert ("user.disable", "lin", "ok") in actions
    assert ("login", "", "failed") in actions
    assert ("user.reset_password", "lin", "ok") in actions
    assert verify_store(db).ok


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["--role", "planner"], "", "--password-stdin"),
    (["--role", "planner", "--password-stdin"], "short\n", "口令不符合要求"),
    (["--role", "root", "--password-stdin"], PASSWORD + "\n", "未知角色"),
    (["--role", "district", "--district", "500101", "--password-stdin"], PASSWORD + "\n",
     "不属于本库的辖区"),
    (["--role", "department", "--department", "nosuch", "--password-stdin"],
     PASSWORD + "\n", "未知的部门代码"),
])
def test_add_refusals(db: Path, monkeypatch: pytest.MonkeyPatch,
                      capsys: pytest.CaptureFixture[str], args: list[str], stdin: str,
                      message: str) -> None:
    assert _run(["users", "add", "wu", *args, "--db", str(db)], monkeypatch, stdin) == 2
    assert message in capsys.readouterr().err
    assert list_users(db) == []


def test_duplicate_name_refused(db: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    args = ["users", "add", "wu", "--role", "auditor", "--password-stdin", "--db", str(db)]
    assert _run(args, monkeypatch, PASSWORD + "\n") == 0
    assert _run(args, monkeypatch, PASSWORD + "\n") == 2
    assert "已存在" in capsys.readouterr().err
