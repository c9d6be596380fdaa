"""Benchmark of plan assessment and the evaluation report (issue 5).

Times, on a demo store (the embedded one, or ``--db``): the assessment of the Tianjin plan in
2024 without and with the forward look (200 trajectories), the report model, the Word file and
the HTML file. Reports wall and CPU seconds and the process's peak RSS.
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

    from renkou.plans import get_plan
    from renkou.plans.demo_seed import seed_demo_plans
    from renkou.plans.plan_assessment import evaluate_registry
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
        timed("seed demo plan data", lambda: seed_demo_plans(reg, 2024))
        reg.close()
    plan = get_plan("tianjin-14th")
    reg = Registry(db, read_only=True)
    try:
        timed("assess, no forward look", lambda: evaluate_registry(
            reg, plan, 2024, forward=False, scale=None))
        pa = timed("assess + projection (200 trajectories)", lambda: evaluate_registry(
            reg, plan, 2024, trajectories=200, scale=None))
        report = timed("report model", lambda: build_report(pa, "midterm", registry=reg))
    finally:
        reg.close()
    timed("Word file (3 charts)", lambda: write_docx(report, tmp / "r.docx"))
    timed("HTML file", lambda: write_html(report, tmp / "r.html"))
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
