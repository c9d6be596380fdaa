"""Benchmark of the population impact assessment.

Times, on a store (``--db``, copied here because the benchmark writes a synthetic facility
inventory into it; or a synthetic one built here of ``--persons``): the registry read and the
computation of an assessment of a shipped example decision (baseline and scenario projections
of every area to the horizon, the indicator table with service demand and gaps, subsidy
caseloads, risk grades), the assessment without subsidies and the Word report in process,
then the command end to end ``--repeat`` times (``renkou impact assess`` with ``--table``, a
fresh process each: start-up, store, assessment, D.csv and the report), with the median and
the load average. Target for the 南站 example (``--example xiqing-nanzhan``, a 西青 decision on
the city store) over 16 districts to 2035: ≤ 10 s end to end.
Run: ``.venv/bin/python benchmarks/impact.py [--db FILE] [--persons N] [--example NAME]
[--repeat 3]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _stores import timed, work_store


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, default=None)
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--example", default="tianjin-binhai-share")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from renkou.app import impact as app_impact
    from renkou.app import services as svc
    from renkou.app.stores import registry_at
    from renkou.impact.run import compute, read

    decision = app_impact.example_decision(args.example)
    tmp = Path(tempfile.mkdtemp(prefix="renkou-bench-"))
    print(f"machine: {platform.machine()}, CPython {platform.python_version()}, "
          f"load average {_load()}")
    print("| step | wall | CPU |\n|---|---|---|")
    db = tmp / "store.duckdb"
    work_store(db, args.db, args.persons, str(decision.jurisdiction))
    timed("synthetic inventory", lambda: svc.synth_facilities(db, seed=1))
    with registry_at(db) as registry:
        norms = svc.jurisdiction_norms(registry.jurisdiction())
        reads = timed("registry read (five queries)", lambda: read(registry, decision, norms))
    timed("projections, table, subsidies, risks", lambda: compute(decision, norms, reads))
    result = timed(f"assess {args.example}, with subsidies",
                   lambda: app_impact.assess_decision(db, decision))
    timed(f"assess {args.example}, without subsidies",
          lambda: app_impact.assess_decision(db, decision, subsidies=False))
    timed("Word report", lambda: app_impact.write_report(result, tmp / "report.docx"))
    decision_file = tmp / f"{args.example}.yaml"
    decision_file.write_text(app_impact.example_text(args.example), encoding="utf-8")
    renkou = str(Path(sys.executable).parent / "renkou")
    command = [renkou, "impact", "assess", str(decision_file), "--db", str(db),
               "--table", str(tmp / "D.csv"), "--out", str(tmp / "R.docx")]
    walls = []
    for i in range(args.repeat):
        start = time.perf_counter()
        timed(f"renkou impact assess, end to end, run {i + 1} (load {_load()})",
              lambda: subprocess.run(command, check=True, capture_output=True))
        walls.append(time.perf_counter() - start)
    print(f"\nend to end: median {statistics.median(walls):.2f} s of "
          f"{', '.join(f'{w:.2f}' for w in walls)}; load average after {_load()}")
    print(f"areas: {result.table['region'].nunique() - 1}, rows: {len(result.table):,}, "
          f"horizon {decision.horizon}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
