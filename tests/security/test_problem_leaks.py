"""No problem response of the API tells an outsider how the server is laid out: while
another program holds the store's write lock (DuckDB's lock error names the file, the other
program's interpreter and its PID) and when the store is missing, every answer carries
neither the store's path, nor the Python path, nor a PID."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from renkou.api.app import create_app
from renkou.api.problems import redact_paths
from renkou.settings import Settings

pytestmark = pytest.mark.slow

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from renkou.registry.synth import build_demo_store

    db = tmp_path_factory.mktemp("leaks") / "store.duckdb"
    build_demo_store(db, 2_000, 3)
    return db


def secrets_of(store: Path, pid: int | None = None) -> list[str]:
    """What no response may carry."""
    found = [str(store), str(store.parent), str(store.resolve().parent), sys.executable,
             os.path.realpath(sys.executable), str(Path(sys.executable).parent), "PID",
             "Conflicting lock"]
    return found + ([str(pid)] if pid is not None else [])


def assert_clean(r: httpx.Response, secrets: list[str]) -> None:
    text = r.text + " ".join(f"{k}: {v}" for k, v in r.headers.items())
    leaked = [s for s in secrets if s in text]
    assert not leaked, f"{r.request.method} {r.request.url.path} → {r.status_code}: {leaked}"
    if r.status_code >= 400:
        assert r.headers["content-type"] == PROBLEM, r.request.url.path


def test_no_answer_while_a_writer_holds_the_store_names_path_or_pid(store: Path) -> None:
    from renkou.app.accounts import ensure_demo_accounts, list_users

    ensure_demo_accounts(store, production=False)
    app = create_app(Settings(env="test", db_path=store))
    with TestClient(app) as client:
        admin = next(a for a in list_users(store) if a.demo and a.role == "admin")
        token = app.state.sessions.open(admin)[0]
        assert client.get("/api/regions", headers={"Authorization": f"Bearer {token}"}
                          ).status_code == 200
        with _held(store) as other:
            secrets = secrets_of(store, other.pid)
            answers = []
            login = client.post("/api/auth/login",
                                json={"username": "nobody", "password": "wrong-password"})
            answers.append(login)
            client.cookies.clear()
            h = {"Authorization": f"Bearer {token}"}
            # A few routes of each kind (a refused one waits for the lock a few seconds).
            gets = {p for p, ops in app.openapi()["paths"].items() if "get" in ops}
            paths = [p for p in ("/api/population/pyramid", "/api/registry/calibers",
                                 "/api/indicators", "/api/audit", "/api/users") if p in gets]
            assert len(paths) >= 3
            for path in paths:
                answers.append(client.get(path, headers=h))
            answers.append(client.get(f"/api/regions/{store}", headers=h))
            answers.append(client.post("/api/ids/check", json={"numbers": [str(store)]},
                                       headers=h))
        for r in answers:
            assert r.status_code < 500 or r.status_code == 503, (r.request.url.path, r.text)
            assert_clean(r, secrets)
        refused = [r for r in answers if r.status_code == 503]
        # Whatever the server answers while another program writes: when it cannot read,
        # it says so plainly.
        assert all("稍后再试" in r.json()["detail"] for r in refused), refused[0].text


def test_missing_store_answers_without_its_path(tmp_path: Path) -> None:
    db = tmp_path / "deep" / "none.duckdb"
    app = create_app(Settings(env="test", db_path=db))
    with TestClient(app) as client:
        r = client.post("/api/auth/login", json={"username": "a", "password": "b" * 12})
    assert r.status_code >= 400
    assert_clean(r, secrets_of(db))


def test_paths_and_pids_are_cut_from_messages() -> None:
    message = ('无法打开数据库 /tmp/x/store.duckdb：Conflicting lock is held in '
               '/usr/bin/python3.11 (PID 4242). 请查看 /api/jobs')
    cleaned = redact_paths(message)
    assert "/tmp" not in cleaned and "/usr" not in cleaned and "4242" not in cleaned
    assert "store.duckdb" in cleaned and "/api/jobs" in cleaned


class _held:
    """Hold the store's lock in another process for the block."""

    def __init__(self, store: Path) -> None:
        self.store = store
        self.proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> subprocess.Popen[str]:
        code = ("import duckdb, time\n"
                f"con = duckdb.connect({str(self.store)!r})\n"
                "con.execute('BEGIN TRANSACTION')\n"
                "print('held', flush=True)\n"
                "time.sleep(300)\n")
        self.proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if line != "held":  # the server holds the store itself: no other writer can
            err = self.proc.stderr.read() if self.proc.stderr else ""
            assert "lock" in err.lower(), err
        return self.proc

    def __exit__(self, *exc: object) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()
