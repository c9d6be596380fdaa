"""Registry benchmark (人口基础信息库性能测试): synthetic city → feeds → ingest → calibers.

Measures, each phase in its own child process so that peak memory is per phase:
  1. generation: synth's ``generate_city`` + ``write_feeds`` (time, rows, bytes);
  2. plain load: DuckDB's own ``read_csv`` / ``read_parquet`` of the same files into tables
     (GB18030 transcoded and XLSX read through pandas exactly as the ingest must);
  3. ingest: ``renkou.registry.ingest.ingest_directory`` (validation, quarantine, record
     tables, encryption of identities, derived interval tables — one transaction, files
     staged group by group on a scratch database);
  4. caliber queries by district × sex × age for the four calibers at two dates, and 人户分离.

Usage: .venv/bin/python benchmarks/registry.py --persons 14000000 [--workdir DIR] [--keep]
       .venv/bin/python benchmarks/registry.py --feeds DIR   (feeds synthesised before:
       skips generation; the 14-million feeds take ≈ 30 min to write)
       add --profile FILE to log every ingest statement's time and the process's memory.
DuckDB's memory, threads and the ingest group size come from the settings (RENKOU_DUCKDB_*,
RENKOU_INGEST_GROUP_MB).
Targets: ingest ≤ 3 × plain load, each caliber query ≤ 5 s, peak memory ≤ 8 GB."""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> float:
    """CPU seconds of this process (all threads): steadier than wall time on a shared box."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def phase_generate(persons: int, seed: int, out: Path) -> dict[str, object]:
    """Synth's ``synthesize`` builds large cities in parts (bounded memory); older versions
    of synth only had ``generate_city`` + ``write_feeds`` (whole city in memory)."""
    import renkou.registry.synth as synth

    t0 = time.perf_counter()
    if hasattr(synth, "synthesize"):
        manifest = synth.synthesize(out, persons, seed)
        t1 = t2 = time.perf_counter()
    else:
        city = synth.generate_city(persons, seed)
        t1 = time.perf_counter()
        manifest = synth.write_feeds(city, out)
        t2 = time.perf_counter()
    size = sum(p.stat().st_size for p in out.iterdir() if p.is_file())
    return {"generate_s": t1 - t0, "write_s": t2 - t1, "rows": manifest.get("rows_written"),
            "bytes": size, "peak_mb": _peak_mb(), "cpu_s": _cpu_s()}


def phase_plain(feeds: Path, db: Path) -> dict[str, object]:
    from renkou.registry.feeds import find_feed_files
    from renkou.registry.loader import csv_encoding, load_raw
    from renkou.registry.store import Store

    t0 = time.perf_counter()
    rows = 0
    with Store(db) as store:
        for i, (_key, path) in enumerate(find_feed_files(feeds)):
            if path.suffix == ".csv" and csv_encoding(path) == "utf-8":
                store.execute(f"CREATE TABLE plain_{i} AS SELECT * FROM read_csv(?, "
                              "header = true, all_varchar = true)", [str(path)])
            elif path.suffix == ".parquet":
                store.execute(f"CREATE TABLE plain_{i} AS SELECT * FROM read_parquet(?)",
                              [str(path)])
            else:  # GB18030 CSV and XLSX need the same conversion as in the ingest
                load_raw(store, path, "raw_file")
                store.execute(f"CREATE TABLE plain_{i} AS SELECT * FROM raw_file")
                store.execute("DROP TABLE raw_file")
            rows += int(store.scalar(f"SELECT count(*) FROM plain_{i}"))
    return {"plain_load_s": time.perf_counter() - t0, "rows": rows, "peak_mb": _peak_mb(),
            "cpu_s": _cpu_s()}


def phase_ingest(feeds: Path, db: Path, profile: Path | None = None) -> dict[str, object]:
    from renkou.registry.ingest import ingest_directory
    from renkou.registry.store import Store

    t0 = time.perf_counter()
    with Store(db, profile=profile) as store:
        report = ingest_directory(store, feeds)
    return {"ingest_s": time.perf_counter() - t0, "rows": report.rows_read,
            "accepted": report.accepted, "quarantined": report.quarantined,
            "db_bytes": db.stat().st_size, "peak_mb": _peak_mb(), "cpu_s": _cpu_s()}


def phase_query(db: Path) -> dict[str, object]:
    from renkou.registry import Registry

    times: dict[str, float] = {}
    with Registry(db, read_only=True) as reg:
        for d in (date(2020, 11, 1), date(2024, 12, 31)):
            for caliber in ("hukou", "resident", "employed", "active"):
                t0 = time.perf_counter()
                df = reg.caliber(d, caliber, level="district", by=("region", "sex", "age"))
                times[f"{caliber}@{d}"] = time.perf_counter() - t0
                times[f"{caliber}@{d}:total"] = float(df["value"].sum())
            t0 = time.perf_counter()
            reg.separation(d)
            times[f"separation@{d}"] = time.perf_counter() - t0
    return {"queries": times, "peak_mb": _peak_mb(), "cpu_s": _cpu_s()}


def _child(phase: str, *args: str) -> dict[str, object]:
    proc = subprocess.run([sys.executable, __file__, "--phase", phase, *args],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"phase {phase} failed:\n{proc.stderr[-4000:]}")
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, default=14_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--feeds", type=Path, default=None,
                    help="ingest these existing feeds instead of generating a city")
    ap.add_argument("--profile", type=Path, default=None,
                    help="append each ingest statement's time and memory to this file")
    ap.add_argument("--phase", default=None)
    ap.add_argument("args", nargs="*")
    a = ap.parse_args()
    if a.phase:
        fn = {"generate": lambda: phase_generate(int(a.args[0]), int(a.args[1]), Path(a.args[2])),
              "plain": lambda: phase_plain(Path(a.args[0]), Path(a.args[1])),
              "ingest": lambda: phase_ingest(Path(a.args[0]), Path(a.args[1]), a.profile),
              "query": lambda: phase_query(Path(a.args[0]))}[a.phase]
        print(json.dumps(fn()))
        return
    work = a.workdir or Path(tempfile.mkdtemp(prefix="renkou-bench-"))
    feeds = a.feeds or work / "feeds"
    feeds.mkdir(parents=True, exist_ok=True)
    results: dict[str, object] = {"persons": a.persons, "seed": a.seed}
    print(f"工作目录 {work}", flush=True)
    if a.feeds is None:
        results["generate"] = _child("generate", str(a.persons), str(a.seed), str(feeds))
        print(results["generate"], flush=True)
    results["plain"] = _child("plain", str(feeds), str(work / "plain.duckdb"))
    print(results["plain"], flush=True)
    (work / "plain.duckdb").unlink(missing_ok=True)
    profile = ["--profile", str(a.profile.resolve())] if a.profile else []
    results["ingest"] = _child("ingest", *profile, str(feeds), str(work / "registry.duckdb"))
    print(results["ingest"], flush=True)
    results["query"] = _child("query", str(work / "registry.duckdb"))
    print(results["query"], flush=True)
    ingest = results["ingest"]
    plain = results["plain"]
    assert isinstance(ingest, dict) and isinstance(plain, dict)
    results["ratio_ingest_to_plain"] = float(ingest["ingest_s"]) / float(plain["plain_load_s"])
    results["ratio_ingest_to_plain_cpu"] = float(ingest["cpu_s"]) / float(plain["cpu_s"])
    print(json.dumps(results, indent=1, ensure_ascii=False))
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
