"""Benchmark of the identity cryptography: AES-GCM against SM4-GCM (国密).

Times, on a column of ``--rows`` synthetic 'ID<TAB>name' values: encryption into an Arrow
column (as the ingest does), decryption, pseudonyms in Python, and pseudonyms of the same ID
numbers inside DuckDB (HMAC-SHA256 in SQL; SM3-HMAC through the registered vectorised
function), for each algorithm suite. With ``--db`` it then rotates the keys of a copy of that
store into SM4 (``renkou keys rotate`` end to end) and checks the caliber counts are
unchanged. Reports wall and CPU seconds and the peak RSS.
Run: ``.venv/bin/python benchmarks/crypto.py [--rows N] [--db FILE]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa

from _stores import timed, work_store


def column(rows: int) -> list[str]:
    from renkou.ids import generate

    rng = np.random.default_rng(1)
    birth = np.datetime64("1940-01-01") + rng.integers(0, 30_000, rows).astype("timedelta64[D]")
    sex = np.where(rng.random(rows) < 0.5, "male", "female")
    numbers = generate(np.array(["120103"] * rows), birth, sex, rng)
    names = np.array(["张伟", "王芳", "李娜", "刘洋", "欧阳晓明"])[rng.integers(0, 5, rows)]
    return [f"{n}\t{m}" for n, m in zip(numbers, names, strict=True)]


def suite(texts: list[str], algorithm: str) -> None:
    from renkou.registry import crypto
    from renkou.registry.store import Scratch

    keys = crypto.Keys.from_secrets({"encryption_key": "bench-e", "pseudonym_key": "bench-p"},
                                    algorithm)  # type: ignore[arg-type]
    n = len(texts)
    arrow = pa.array(texts, pa.string())
    sealed = timed(f"{algorithm}: encrypt {n:,} values (Arrow column)",
                   lambda: crypto.encrypt_array(arrow, keys))
    blobs = [bytes(b) for b in sealed.to_pylist()]
    clear = timed(f"{algorithm}: decrypt {n:,} values", lambda: crypto.decrypt_many(blobs, keys))
    assert clear == texts
    numbers = [t.split("\t", 1)[0] for t in texts]
    in_python = timed(f"{algorithm}: pseudonyms in Python", lambda: crypto.pseudonyms(numbers,
                                                                                        keys))
    ipad, opad = crypto.hmac_pads(keys)
    with Scratch(threads=2) as scratch:
        crypto.register_sql_functions(scratch, keys)
        scratch.register("_ids", pa.table({"i": np.arange(n), "x": numbers}))
        sql = f"SELECT {crypto.pseudonym_sql(keys)('x')} AS ps FROM _ids ORDER BY i"
        in_sql = timed(f"{algorithm}: pseudonyms in DuckDB",
                       lambda: scratch.rows(f"SELECT count(DISTINCT ps) FROM ({sql})",
                                            {"ipad": ipad, "opad": opad}))
        check = [r[0] for r in scratch.rows(sql + " LIMIT 1000", {"ipad": ipad, "opad": opad})]
    assert check == in_python[:1000] and in_sql[0][0] == len(set(in_python))


def rotation(db: Path, given: Path) -> None:
    renkou = str(Path(sys.executable).parent / "renkou")
    work_store(db, given, 0, "tianjin")
    stats = [renkou, "registry", "stats", "--db", str(db), "--as-of", "2020-11-01",
             "--caliber", "resident", "--by", "region,sex,age"]
    subprocess.run([*stats, "--out", str(db.with_name("before.csv"))], check=True,
                   capture_output=True)
    timed("renkou keys rotate --algorithm sm4-gcm (end to end)",
          lambda: subprocess.run([renkou, "keys", "rotate", "--db", str(db), "--algorithm",
                                  "sm4-gcm"], check=True))
    env = {**os.environ, "RENKOU_CRYPTO_ALGORITHM": "sm4-gcm"}
    subprocess.run([*stats, "--out", str(db.with_name("after.csv"))], check=True, env=env,
                   capture_output=True)
    same = db.with_name("before.csv").read_bytes() == db.with_name("after.csv").read_bytes()
    print(f"resident caliber by district × sex × age identical after rotation: {same}")
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss >> 10
    print(f"peak RSS of the rotation process (largest child): {child} MiB")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--db", type=Path, default=None)
    args = ap.parse_args()
    print(f"machine: {platform.machine()}, CPython {platform.python_version()}, "
          f"load {os.getloadavg()[0]:.1f}")
    print("| step | wall | CPU |\n|---|---|---|")
    texts = timed(f"generate {args.rows:,} ID numbers and names", lambda: column(args.rows))
    for algorithm in ("aes-gcm", "sm4-gcm"):
        suite(texts, algorithm)
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10} MiB")
    if args.db is not None:
        tmp = Path(tempfile.mkdtemp(prefix="renkou-bench-"))
        try:
            rotation(tmp / "store.duckdb", args.db)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
