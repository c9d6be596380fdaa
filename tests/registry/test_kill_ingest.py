"""All-or-nothing ingest: kill a real ``renkou registry ingest`` process mid-batch, check
the database is exactly as before the batch, run again and get the complete result."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from renkou.ids import generate
from renkou.registry.store import Store

SMALL = Path(__file__).parent / "data" / "small"
HEADERS = ["记录编号", "公民身份号码", "姓名", "性别", "出生日期", "变动类型", "变动日期",
           "户籍地行政区划代码", "迁入迁出地行政区划代码", "户口性质", "登记日期"]


def bulk_hukou(path: Path, n: int, seed: int = 3) -> int:
    """About ``n`` valid 户籍登记 rows of distinct people (enough work that an ingest takes
    a few seconds); returns the number written."""
    rng = np.random.default_rng(seed)
    birth = np.datetime64("1950-01-01") + rng.integers(0, 25_000, n).astype("timedelta64[D]")
    male = rng.random(n) < 0.5
    numbers = generate(np.array(["120103"] * n), birth, np.where(male, "male", "female"), rng)
    born = np.datetime_as_string(birth, unit="D")
    df = pd.DataFrame({
        "记录编号": [f"K{i:08d}" for i in range(n)], "公民身份号码": numbers,
        "姓名": "某", "性别": np.where(male, "男", "女"), "出生日期": born,
        "变动类型": "户籍登记", "变动日期": born, "户籍地行政区划代码": "120103001",
        "迁入迁出地行政区划代码": "", "户口性质": "家庭户", "登记日期": "2024-12-31"})
    df = df.drop_duplicates("公民身份号码")
    df.to_csv(path, index=False)
    return len(df)


def counts(db: Path) -> dict[str, int]:
    with Store(db, read_only=True) as store:
        return {t: int(store.scalar(f"SELECT count(*) FROM {t}"))
                for t in ("ingest_batches", "ingest_files", "identity", "quarantine",
                          "rec_police_hukou", "hukou_spells")}


def run_ingest(db: Path, directory: Path, pause: float = 0.0,
               mark: Path | None = None) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).parent / "renkou"
    env = {**os.environ, "RENKOU_DUCKDB_THREADS": "1"}
    if pause:
        env["RENKOU_TEST_PAUSE_INGEST"] = str(pause)
        env["RENKOU_TEST_PAUSE_MARK"] = str(mark)
    return subprocess.Popen([str(exe), "registry", "ingest", "--quiet", "--db", str(db),
                             str(directory)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env)


def wait_for(path: Path, proc: subprocess.Popen[bytes], timeout: float = 240) -> None:
    end = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            pytest.fail(f"ingest ended before pausing: {err}")
        if time.monotonic() > end:
            pytest.fail("ingest never reached the pause")
        time.sleep(0.05)


@pytest.mark.slow
def test_killed_ingest_leaves_store_unchanged_and_rerun_completes(tmp_path: Path) -> None:
    db = tmp_path / "k.duckdb"
    first = run_ingest(db, SMALL)
    assert first.wait(timeout=120) == 0
    before = counts(db)
    big = tmp_path / "big"
    big.mkdir()
    rows = bulk_hukou(big / "police_hukou_bulk.csv", 300_000)
    # 1) killed early, while files are read and checked (the pause keeps it from finishing).
    mark = tmp_path / "paused"
    proc = run_ingest(db, big, pause=60, mark=mark)
    time.sleep(1.0)
    assert not mark.exists(), "machine too fast: the batch was already written"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert counts(db) == before
    # 2) killed after every table of the batch was written, just before COMMIT.
    proc = run_ingest(db, big, pause=60, mark=mark)
    wait_for(mark, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert counts(db) == before
    # 3) run again: the batch completes.
    done = run_ingest(db, big)
    _out, err = done.communicate(timeout=300)
    assert done.returncode == 0, err.decode()
    after = counts(db)
    assert after["ingest_batches"] == before["ingest_batches"] + 1
    assert after["rec_police_hukou"] - before["rec_police_hukou"] == rows
    assert after["identity"] - before["identity"] == rows
    assert after["quarantine"] == before["quarantine"]
    # And once more: nothing changes.
    again = run_ingest(db, big)
    assert again.wait(timeout=120) == 0
    assert {k: v for k, v in counts(db).items() if k != "ingest_batches"} == \
        {k: v for k, v in after.items() if k != "ingest_batches"}
