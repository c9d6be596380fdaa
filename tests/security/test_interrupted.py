"""Nothing in clear outside the store: a ``kill -9`` while a GB18030 delivery is being
transcoded and staged leaves no plain-text copy in ``$TMPDIR`` or anywhere but the store's
private folder, which the next run removes."""

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

from .conftest import counts

pytestmark = pytest.mark.slow


def gb18030_hukou(path: Path, n: int) -> list[str]:
    """``n`` valid 户籍登记 rows written in GB18030; returns their ID numbers."""
    rng = np.random.default_rng(5)
    birth = np.datetime64("1950-01-01") + rng.integers(0, 25_000, n).astype("timedelta64[D]")
    male = rng.random(n) < 0.5
    numbers = generate(np.array(["120103"] * n), birth, np.where(male, "male", "female"), rng)
    born = np.datetime_as_string(birth, unit="D")
    df = pd.DataFrame({
        "记录编号": [f"G{i:08d}" for i in range(n)], "公民身份号码": numbers,
        "姓名": "赵某", "性别": np.where(male, "男", "女"), "出生日期": born,
        "变动类型": "户籍登记", "变动日期": born, "户籍地行政区划代码": "120103001",
        "迁入迁出地行政区划代码": "", "户口性质": "家庭户", "登记日期": "2024-12-31"})
    df.drop_duplicates("公民身份号码").to_csv(path, index=False, encoding="gb18030")
    return list(df["公民身份号码"][:50])


def ingest(db: Path, feed: Path, tmpdir: Path, pause: float = 0.0,
           mark: Path | None = None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "RENKOU_DUCKDB_THREADS": "1", "TMPDIR": str(tmpdir)}
    if pause:
        env["RENKOU_TEST_PAUSE_INGEST"] = str(pause)
        env["RENKOU_TEST_PAUSE_MARK"] = str(mark)
    return subprocess.Popen([str(Path(sys.executable).parent / "renkou"), "registry",
                             "ingest", "--quiet", "--db", str(db), str(feed)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


def clear_copies(root: Path, numbers: list[str], skip: tuple[Path, ...]) -> list[Path]:
    """Files under ``root`` (outside ``skip``) holding any of ``numbers`` in clear."""
    found = []
    for p in root.rglob("*"):
        if p.is_file() and not any(s in p.parents for s in skip):
            data = p.read_bytes()
            if any(n.encode() in data for n in numbers):
                found.append(p)
    return found


def test_killed_ingest_leaves_no_clear_text_outside_the_store(tmp_path: Path) -> None:
    feed, store_dir, tmpdir = tmp_path / "feeds", tmp_path / "store", tmp_path / "tmp"
    for d in (feed, store_dir, tmpdir):
        d.mkdir()
    numbers = gb18030_hukou(feed / "police_hukou_gb.csv", 300_000)
    db = store_dir / "r.duckdb"
    private = store_dir / ".r.duckdb.staging"
    # 1) killed while the file is transcoded and staged.
    proc = ingest(db, feed, tmpdir, pause=60, mark=tmp_path / "never")
    deadline = time.monotonic() + 60
    while not any(private.rglob("*.utf8.csv")) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert any(private.rglob("*.utf8.csv")), "the transcoded copy never appeared"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert clear_copies(tmp_path, numbers, (feed, store_dir)) == []
    assert not any(tmpdir.iterdir())
    assert private.stat().st_mode & 0o077 == 0  # private: the owner only
    # 2) killed just before COMMIT.
    mark = tmp_path / "paused"
    proc = ingest(db, feed, tmpdir, pause=60, mark=mark)
    end = time.monotonic() + 240
    while not mark.exists() and proc.poll() is None and time.monotonic() < end:
        time.sleep(0.05)
    assert mark.exists(), proc.stderr.read().decode() if proc.stderr else ""
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert clear_copies(tmp_path, numbers, (feed, store_dir)) == []
    assert not any(tmpdir.iterdir())
    assert counts(db).get("ingest_batches", 0) == 0
    # 3) the next run removes what the killed ones left and completes.
    done = ingest(db, feed, tmpdir)
    _out, err = done.communicate(timeout=300)
    assert done.returncode == 0, err.decode()
    assert not private.exists()
    assert clear_copies(tmp_path, numbers, (feed,)) == []  # the store file included
    assert counts(db)["ingest_batches"] == 1


def test_repeated_random_kills_leave_the_store_before_or_after_the_batch(
        tmp_path: Path) -> None:
    """``kill -9`` at random moments of a batch, again and again: every time the store is
    exactly as before the batch or exactly as after it, never in between."""
    feed, tmpdir = tmp_path / "feeds", tmp_path / "tmp"
    feed.mkdir()
    tmpdir.mkdir()
    gb18030_hukou(feed / "police_hukou_gb.csv", 60_000)
    reference = tmp_path / "ref" / "r.duckdb"
    reference.parent.mkdir()
    start = time.monotonic()
    done = ingest(reference, feed, tmpdir)
    assert done.wait(timeout=300) == 0
    duration = time.monotonic() - start
    after = counts(reference)
    after.pop("store_meta")
    db = tmp_path / "store" / "r.duckdb"
    db.parent.mkdir()
    rng = np.random.default_rng(18)
    for _ in range(5):
        proc = ingest(db, feed, tmpdir)
        time.sleep(float(rng.uniform(0.2, duration)))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        now = {k: v for k, v in counts(db).items() if k != "store_meta"} if db.exists() else {}
        assert all(v == 0 for v in now.values()) or now == after, now
        assert not any(tmpdir.iterdir())
    final = ingest(db, feed, tmpdir)
    _out, err = final.communicate(timeout=300)
    assert final.returncode == 0, err.decode()
    assert {k: v for k, v in counts(db).items() if k != "store_meta"} == after
