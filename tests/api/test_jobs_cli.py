"""``renkou registry ingest`` beside a running ``renkou serve``: the command hands its batch
to the server's job runner instead of failing on the store's file lock; the server keeps
answering from the last committed state while it ingests; with no server running the
command ingests by itself again."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from renkou.app.accounts import DemoLogin

pytestmark = pytest.mark.slow

EXE = Path(sys.executable).parent / "renkou"
HELD = ("health_birth_2023.csv", "health_birth_2024.csv")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from renkou.registry.ingest import ingest_directory
    from renkou.registry.store import Store
    from renkou.registry.synth import synthesize

    root = tmp_path_factory.mktemp("cli-beside")
    feeds, held = root / "feeds", root / "held"
    synthesize(feeds, 2_000, 5, jurisdiction="tianjin")
    held.mkdir()
    for name in HELD:
        shutil.move(feeds / name, held / name)
    db = root / "store.duckdb"
    with Store(db) as s:
        ingest_directory(s, feeds, jurisdiction="tianjin")
    return db, held


@pytest.fixture(scope="module")
def server(store: tuple[Path, Path]
           ) -> Iterator[tuple[str, Path, subprocess.Popen[bytes], DemoLogin]]:
    from renkou.app.accounts import ensure_demo_accounts

    db, _ = store
    # Before the server starts: while it runs, it holds the file (this process may not).
    admin = next(d for d in ensure_demo_accounts(db, production=False) if d.role == "admin")
    port = _free_port()
    mark = db.parent / "paused"
    # The server's ingest waits inside its transaction (everything written, not committed).
    env = {**os.environ, "RENKOU_ENV": "test", "RENKOU_TEST_PAUSE_INGEST": "6",
           "RENKOU_TEST_PAUSE_MARK": str(mark)}
    proc = subprocess.Popen([str(EXE), "serve", "--db", str(db), "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    end = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/api/meta", timeout=2).status_code == 401:
                break
        except httpx.HTTPError:
            pass
        assert proc.poll() is None and time.monotonic() < end, "server did not start"
        time.sleep(0.2)
    yield url, mark, proc, admin
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)


def test_cli_ingest_is_handed_to_the_running_server(
        store: tuple[Path, Path],
        server: tuple[str, Path, subprocess.Popen[bytes], DemoLogin]) -> None:
    db, held = store
    url, mark, proc, admin = server
    login = httpx.post(f"{url}/api/auth/login", json={"username": admin.username,
                                                      "password": admin.password}, timeout=30)
    assert login.status_code == 200, login.text
    h = {"Authorization": f"Bearer {login.json()['access_token']}"}
    before = httpx.get(f"{url}/api/population/pyramid", headers=h, timeout=60).json()
    q_before = int(httpx.get(f"{url}/api/quarantine", headers=h,
                             timeout=30).headers["X-Total-Count"])
    cli = subprocess.Popen([str(EXE), "registry", "ingest", "--db", str(db), str(held)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    end = time.monotonic() + 120
    while not mark.exists():
        assert cli.poll() is None, cli.communicate()
        assert time.monotonic() < end, "the server's ingest never paused"
        time.sleep(0.05)
    # Inside the server's batch transaction: the API answers from the committed state.
    during = httpx.get(f"{url}/api/population/pyramid", headers=h, timeout=10)
    assert during.status_code == 200 and during.json() == before
    assert int(httpx.get(f"{url}/api/quarantine", headers=h,
                         timeout=10).headers["X-Total-Count"]) == q_before
    out, err = cli.communicate(timeout=180)
    assert cli.returncode == 0, err.decode()
    assert "交给服务" in err.decode()
    assert "批次 2：" in out.decode() and "health_birth_2024.csv" in out.decode()
    jobs = httpx.get(f"{url}/api/jobs", headers=h, timeout=10).json()
    assert jobs[0]["state"] == "done" and jobs[0]["started_by"].startswith("命令行")
    assert jobs[0]["params"]["via"] == "cli"
    after = int(httpx.get(f"{url}/api/quarantine", headers=h,
                          timeout=10).headers["X-Total-Count"])
    report = httpx.get(f"{url}/api/jobs/{jobs[0]['id']}/result", headers=h,
                       timeout=10).json()["result"]
    assert report["rows_read"] > 0 and after == q_before + report["quarantined"]
    audited = httpx.get(f"{url}/api/audit", headers=h, timeout=10)
    assert audited.status_code == 403  # the admin does not read the audit log; checked below
    # A refused batch handed over: the command fails with every problem, nothing written.
    bad = db.parent / "bad"
    bad.mkdir()
    (bad / "health_birth_2040.csv").write_text("记录编号,多余\nX,1\n", encoding="utf-8")
    refused = subprocess.run([str(EXE), "registry", "ingest", "--db", str(db), str(bad)],
                             capture_output=True, timeout=180)
    assert refused.returncode == 2
    assert "health_birth_2040.csv" in refused.stderr.decode()
    # The server stops: its mark goes, and the command ingests by itself again.
    proc.send_signal(signal.SIGINT)
    proc.wait(30)
    assert not (db.parent / f".{db.name}.server").exists()
    from renkou.app.audit import read_entries, verify_store

    started = [e for e in read_entries(db) if e.action == "job.start"]
    assert started and started[0].actor.startswith("cli:") and '"via": "cli"' in started[0].detail
    assert verify_store(db).ok
    alone = subprocess.run([str(EXE), "registry", "ingest", "--quiet", "--db", str(db),
                            str(held)], capture_output=True, timeout=180)
    assert alone.returncode == 0, alone.stderr.decode()
    assert "交给服务" not in alone.stderr.decode() and "跳过" in alone.stdout.decode()
