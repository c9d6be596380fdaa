"""Benchmark of the population impact assessment.

Times, on a store (``--db``, or a synthetic one built here of ``--persons``): an assessment
of a shipped example decision end to end (baseline and scenario projections of every area to
the horizon, the indicator table with service demand and gaps, subsidy caseloads, risk
grades) and the Word report, then the command end to end (``renkou impact assess`` with
``--table``, a fresh process: start-up, store, assessment, D.csv and the report). Target for
the 南站 example (``--example xiqing-nanzhan``, a 西青 decision on the city store) over 16
districts to 2035: ≤ 10 s end to end.
Run: ``.venv/bin/python benchmarks/impact.py [--db FILE] [--persons N] [--example NAME]``.
"""

from __future__ import annotations

import argparse
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _stores import timed, work_store


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, default=None)
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--example", default="tianjin-binhai-share")
    args = ap.parse_args()

    from renkou.app import impact as app_impact
    from renkou.app import services as svc

    decision = app_impact.example_decision(args.example)
    tmp = Path(tempfile.mkdtemp(prefix="renkou-bench-"))
    print(f"machine: {platform.machine()}, CPython {platform.python_version()}")
    print("| step | wall | CPU |\n|---|---|---|")
    db = tmp / "store.duckdb"
    work_store(db, args.db, args.persons, str(decision.jurisdiction))
    timed("synthetic inventory", lambda: svc.synth_facilities(db, seed=1))
    result = timed(f"assess {args.example}, with subsidies",
                   lambda: app_impact.assess_decision(db, decision))
    timed(f"assess {args.example}, without subsidies",
          lambda: app_impact.assess_decision(db, decision, subsidies=False))
    timed("Word report", lambda: app_impact.write_report(result, tmp / "report.docx"))
    decision_file = tmp / f"{args.example}.yaml"
    decision_file.write_text(app_impact.example_text(args.example), encoding="utf-8")
    renkou = str(Path(sys.executable).parent / "renkou")
    timed("renkou impact assess, end to end", lambda: subprocess.run(
        [renkou, "impact", "assess", str(decision_file), "--db", str(db),
         "--table", str(tmp / "D.csv"), "--out", str(tmp / "R.docx")],
        check=True, capture_output=True))
    print(f"\nareas: {result.table['region'].nunique() - 1}, rows: {len(result.table):,}, "
          f"horizon {decision.horizon}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
