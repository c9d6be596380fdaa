"""``renkou demo`` builds one demo store per jurisdiction (once) and ``renkou serve`` refuses a
store that does not exist."""

from __future__ import annotations

import re
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
    # It says how to log in: one demo-only account per role.
    err = capsys.readouterr().err
    found = dict(re.findall(r"用户名 (demo-\S+)\s+口令 (\S+?)（", err))
    assert set(found) == {f"demo-{r}" for r in ("admin", "planner", "statistician",
                                               "department", "district", "auditor")}
    with TestClient(create_app(Settings(env="test", db_path=db))) as c:
        assert c.get("/api/meta").status_code == 401
        r = c.post("/api/auth/login",
                   json={"username": "demo-planner", "password": found["demo-planner"]})
        assert r.status_code == 200
        meta = c.get("/api/meta").json()
    assert meta["jurisdiction"]["key"] == "xiqing" and meta["synthetic"] is True


def test_demo_refused_in_production(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    from renkou.settings import get_settings

    monkeypatch.setenv("RENKOU_ENV", "production")
    get_settings.cache_clear()
    assert main(["demo", "--data-dir", str(tmp_path), "--no-serve"]) != 0
    assert "生产环境" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # nothing built


def test_serve_refuses_a_missing_store(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--db", str(tmp_path / "none.duckdb")]) != 0
    assert "数据库文件不存在" in capsys.readouterr().err
