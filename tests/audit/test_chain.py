"""The audit log's hash chain: intact it verifies; an edited, a deleted middle and a deleted
last entry are each detected, by ``renkou audit verify`` too."""

from __future__ import annotations

from pathlib import Path

import pytest

from renkou.app.audit import read_entries, record_at, verify_store
from renkou.cli.main import main
from renkou.registry import Registry
from renkou.registry.store import Store


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "store.duckdb"
    Registry(path).close()
    for i in range(4):
        record_at(path, actor=f"user{i}", role="planner", action="login", client="127.0.0.1",
                  detail={"n": i})
    return path


def _tamper(db: Path, sql: str) -> None:
    # By hand, as someone with file access would: straight into the table.
    with Store(db) as store:
        store.execute(sql)


def test_intact_chain_verifies(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    verdict = verify_store(db)
    assert verdict.ok and verdict.entries == 4 and not verdict.problems
    entries = read_entries(db)
    assert [e.seq for e in entries] == [4, 3, 2, 1]  # newest first
    assert entries[-1].prev == "0" * 64 and entries[0].prev == entries[1].hash
    assert main(["audit", "verify", "--db", str(db)]) == 0
    assert "哈希链校验通过" in capsys.readouterr().out


def test_edited_entry_detected(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _tamper(db, "UPDATE app_audit SET actor = 'someone' WHERE seq = 2")
    verdict = verify_store(db)
    assert not verdict.ok and any("第 2 条" in p and "改动" in p for p in verdict.problems)
    assert main(["audit", "verify", "--db", str(db)]) != 0
    assert "审计日志校验失败" in capsys.readouterr().err


def test_deleted_middle_entry_detected(db: Path) -> None:
    _tamper(db, "DELETE FROM app_audit WHERE seq = 2")
    verdict = verify_store(db)
    assert not verdict.ok and "第 2 条缺失" in verdict.problems[0]


def test_deleted_last_entry_detected(db: Path) -> None:
    _tamper(db, "DELETE FROM app_audit WHERE seq = 4")
    verdict = verify_store(db)
    assert not verdict.ok and any("链头" in p for p in verdict.problems)


def test_rehashed_edit_still_breaks_the_next_link(db: Path) -> None:
    """Editing an entry and fixing its own hash breaks the link of the entry after it."""
    from renkou.audit.log import FIELDS, entry_hash

    e = next(x for x in read_entries(db) if x.seq == 2)
    values = {f: getattr(e, f) for f in FIELDS} | {"actor": "someone"}
    _tamper(db, f"UPDATE app_audit SET actor = 'someone', hash = '{entry_hash(values)}' "
                "WHERE seq = 2")
    verdict = verify_store(db)
    assert not verdict.ok and any("第 3 条" in p and "链接" in p for p in verdict.problems)
