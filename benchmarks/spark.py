"""Benchmark: the Spark engine (local) against DuckDB on the same aggregates.

For one store: export it to Parquet (timed), start a local Spark session (timed), then run
each aggregate — the four calibers at the later truth date by region, sex and age, 人户分离
and the flows of five years — on the store (DuckDB) and on the export (Spark), check that
the two tables are equal and print a Markdown row per aggregate with both times and their
ratio. ``--csv FILE`` appends the measurements (persons, engine, aggregate, seconds) that
``benchmarks/scale_chart.py`` turns into the throughput chart and the extrapolation table
of docs/scale.md. The store is only read (opened read-only); the export goes to ``--work``.

Run::

    .venv/bin/python benchmarks/spark.py --db data/bench1m/store.duckdb --work data/sparkwork
    .venv/bin/python benchmarks/spark.py --persons 200000 --work data/sparkwork
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd

from _stores import work_store

AS_OF = date(2024, 12, 31)
PERIOD = (date(2020, 1, 1), date(2024, 12, 31))
CALIBERS = ("hukou", "resident", "employed", "active")


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _clock(fn: Callable[[], pd.DataFrame]) -> tuple[pd.DataFrame, float]:
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def _same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    return a.shape == b.shape and a.astype(str).reset_index(drop=True).equals(
        b.astype(str).reset_index(drop=True))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, help="store to read (default: build --persons)")
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--jurisdiction", default="tianjin")
    ap.add_argument("--work", type=Path, help="where the export is written (default: temp)")
    ap.add_argument("--spark-memory", default="4g", help="driver (= executor) memory")
    ap.add_argument("--shuffle-partitions", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=1, help="runs of each aggregate (best kept)")
    ap.add_argument("--csv", type=Path, help="append measurements here")
    args = ap.parse_args()

    from renkou.registry import Registry
    from renkou.registry.export import export_parquet
    from renkou.registry.spark.engine import SparkRegistry
    from renkou.registry.spark.session import SparkOptions, start_session

    if args.work is not None:
        args.work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="renkou-spark-", dir=args.work) as tmp:
        db = args.db if args.db is not None else work_store(
            Path(tmp) / "store.duckdb", None, args.persons, args.jurisdiction)
        reg = Registry(db, read_only=True)
        persons = int(reg.store.scalar("SELECT count(*) FROM persons"))
        print(f"store {db}: {persons:,} persons (with the dead and emigrated); "
              f"load {_load()}")
        out = Path(tmp) / "parquet"
        t = time.perf_counter()
        export_parquet(reg.store, out)
        t_export = time.perf_counter() - t
        size = sum(p.stat().st_size for p in out.rglob("*.parquet")) / 2**20
        print(f"export: {t_export:.1f} s, {size:,.0f} MB of Parquet")
        t = time.perf_counter()
        session = start_session(SparkOptions(driver_memory=args.spark_memory,
                                             shuffle_partitions=args.shuffle_partitions,
                                             local_dir=Path(tmp) / "spark-local"))
        spark = SparkRegistry(out, session=session)
        t_start = time.perf_counter() - t
        print(f"spark session and views: {t_start:.1f} s; load {_load()}")
        jobs: list[tuple[str, Callable[[object], pd.DataFrame]]] = [
            (f"caliber {c}", lambda e, c=c: e.caliber(AS_OF, c)) for c in CALIBERS]
        jobs += [("人户分离", lambda e: e.separation(AS_OF)),
                 ("flows 2020–2024", lambda e: e.flows(*PERIOD))]
        rows = [("export", "duckdb", t_export), ("session", "spark", t_start)]
        print("| aggregate | DuckDB | Spark local[2] | Spark / DuckDB | equal |")
        print("|---|---|---|---|---|")
        for label, job in jobs:
            best_d = best_s = float("inf")
            for _ in range(args.repeat):
                d, td = _clock(lambda job=job: job(reg))
                s, ts = _clock(lambda job=job: job(spark))
                best_d, best_s = min(best_d, td), min(best_s, ts)
            equal = _same(d, s)
            print(f"| {label} | {best_d:.2f} s | {best_s:.2f} s | {best_s / best_d:.1f} | "
                  f"{'yes' if equal else 'NO'} |", flush=True)
            rows += [(label, "duckdb", best_d), (label, "spark", best_s)]
        print(f"load {_load()}")
        spark.close()
        session.stop()
        reg.close()
        if args.csv is not None:
            new = not args.csv.exists()
            with args.csv.open("a", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                if new:
                    w.writerow(["persons", "engine", "aggregate", "seconds", "load"])
                for label, engine, sec in rows:
                    w.writerow([persons, engine, label, f"{sec:.3f}", _load().split()[0]])
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
