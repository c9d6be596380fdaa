"""The ``renkou registry`` commands through the real entry point (exit codes, outputs)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

# Each command starts a fresh interpreter (~2 s of imports), so the module is slow.
pytestmark = pytest.mark.slow

SMALL = Path(__file__).parent / "data" / "small"
EXE = str(Path(sys.executable).parent / "renkou")


def renkou(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "r.duckdb"
    r = renkou("registry", "ingest", "--db", str(path), str(SMALL))
    assert r.returncode == 0, r.stderr
    assert "隔离 10 行" in r.stdout and "bad_id_check" in r.stdout
    return path


def test_stats_writes_contract_columns(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "h.csv"
    r = renkou("registry", "stats", "--db", str(db), "--as-of", "2024-12-31",
               "--caliber", "resident", "--by", "region,sex,age", "--out", str(out))
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(out, dtype={"region": str})
    assert list(df.columns) == ["region", "sex", "age", "value"]
    assert df["value"].sum() == 8


def test_stats_subsets_and_levels(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.csv"
    r = renkou("registry", "stats", "--db", str(db), "--as-of", "2020-11-01", "--caliber",
               "hukou", "--by", "region", "--level", "street", "--out", str(out))
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(out, dtype={"region": str})
    assert list(df.columns) == ["region", "value"] and df["region"].str.len().eq(9).all()
    r = renkou("registry", "stats", "--db", str(db), "--as-of", "2020-11-01", "--caliber",
               "hukou", "--by", "sex", "--level", "city", "--out", str(out))
    assert pd.read_csv(out)["value"].sum() == 7


def test_separation_and_quality(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "sep.csv"
    r = renkou("registry", "separation", "--db", str(db), "--as-of", "2024-12-31",
               "--out", str(out))
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(out, dtype={"region": str})
    assert list(df.columns) == ["region", "kind", "value"] and df["value"].sum() == 4
    q = renkou("registry", "quality", "--db", str(db))
    assert q.returncode == 0, q.stderr
    assert "event_after_death" in q.stdout and "health_death" in q.stdout


def test_bad_inputs_exit_nonzero(db: Path, tmp_path: Path) -> None:
    r = renkou("registry", "stats", "--db", str(db), "--as-of", "2020-13-01",
               "--caliber", "hukou", "--out", str(tmp_path / "x.csv"))
    assert r.returncode == 2 and "日期" in r.stderr
    r = renkou("registry", "stats", "--db", str(db), "--as-of", "2020-11-01",
               "--caliber", "tourists", "--out", str(tmp_path / "x.csv"))
    assert r.returncode == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    r = renkou("registry", "ingest", "--db", str(tmp_path / "n.duckdb"), str(empty))
    assert r.returncode != 0
