"""Benchmark of plan assessment and the evaluation report.

Times, on a demo store (built here, or ``--db``): the assessment of the store jurisdiction's
first plan in its last full year of data without and with the forward look (200
trajectories), the report model, the Word file and the HTML file. Reports wall and CPU
seconds and the process's peak RSS.
Run: ``.venv/bin/python benchmarks/plans_assess.py [--db FILE] [--persons N]``.
"""

from __future__ import annotations

import argparse
import platform
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def timed(label: str, fn: Callable[[], T]) -> T:
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    print(f"| {label} | {time.perf_counter() - w:.1f} s | {time.process_time() - c:.1f} s |")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, default=None)
    ap.add_argument("--persons", type=int, default=200_000)
    args = ap.parse_args()

    from renkou.app.demo_reports import seed_demo_reports
    from renkou.app.sample import store_data
    from renkou.plans import evaluate_registry, get_plan
    from renkou.registry import Registry
    from renkou.reports.docx_writer import write_docx
    from renkou.reports.evaluation import build_report
    from renkou.reports.html_writer import write_html

    tmp = Path(tempfile.mkdtemp(prefix="renkou-bench-"))
    db = args.db
    print(f"machine: {platform.machine()}, CPython {platform.python_version()}")
    print("| step | wall | CPU |\n|---|---|---|")
    if db is None:
        from renkou.registry.synth import build_demo_store

        db = tmp / "demo.duckdb"
        timed(f"build demo store ({args.persons:,} persons)",
              lambda: build_demo_store(db, args.persons, 2020))
        reg = Registry(db)
        timed("seed demo plan data", lambda: seed_demo_reports(reg))
        reg.close()
    reg = Registry(db, read_only=True)
    try:
        plan = get_plan(reg.jurisdiction().plans[0])
        through = reg.data_through()
        year = min(plan.period_end, through.year - 1 if through else plan.period_start)
        data = store_data(reg, plan.area_code, plan.period_start - 1)
        timed("assess, no forward look", lambda: evaluate_registry(
            reg, plan, year, data=data, forward=False))
        pa = timed("assess + projection (200 trajectories)", lambda: evaluate_registry(
            reg, plan, year, data=data, trajectories=200))
        report = timed("report model", lambda: build_report(pa, "midterm", registry=reg))
    finally:
        reg.close()
    timed("Word file (3 charts)", lambda: write_docx(report, tmp / "r.docx"))
    timed("HTML file", lambda: write_html(report, tmp / "r.html"))
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
