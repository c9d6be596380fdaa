"""``renkou demo`` builds one demo store per jurisdiction (once) and ``renkou serve`` refuses a
store that does not exist."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from renkou.api.app import create_app
from renkou.cli.main import main
from renkou.settings import Settings


@pytest.mark.slow
def test_demo_builds_once_per_jurisdiction(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    args = ["demo", "--jurisdiction", "xiqing", "--data-dir", str(tmp_path),
            "--persons", "1500", "--seed", "4", "--no-serve"]
    assert main(args) == 0
    db = tmp_path / "demo-xiqing.duckdb"
    assert capsys.readouterr().out.strip() == str(db)
    built = db.stat().st_mtime_ns
    assert main(args) == 0  # reused, not rebuilt
    assert db.stat().st_mtime_ns == built
    with TestClient(create_app(Settings(env="test", db_path=db))) as c:
        meta = c.get("/api/meta").json()
    assert meta["jurisdiction"]["key"] == "xiqing" and meta["synthetic"] is True


def test_serve_refuses_a_missing_store(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--db", str(tmp_path / "none.duckdb")]) != 0
    assert "数据库文件不存在" in capsys.readouterr().err
