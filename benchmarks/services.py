"""Benchmark of public-service gaps and allocation.

Times, on a store (``--db``, or a synthetic one built here of ``--persons``): the synthetic
facility inventory, ``services gaps`` at street and district level on the registry's date
(target at 14 million persons: ≤ 5 s at street level), gaps of a projection year, and the
allocation MILP over the street-level gaps of one service. Reports wall and CPU seconds and
the peak RSS; then ``renkou services gaps --level street`` end to end (a fresh process:
start-up, store, CSV).
Run: ``.venv/bin/python benchmarks/services.py [--db FILE] [--persons N] [--jurisdiction K]``.
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
    ap.add_argument("--jurisdiction", default="tianjin")
    args = ap.parse_args()

    from renkou.app import services as svc
    from renkou.services.allocation import allocate_from_gaps

    tmp = Path(tempfile.mkdtemp(prefix="renkou-bench-"))
    print(f"machine: {platform.machine()}, CPython {platform.python_version()}")
    print("| step | wall | CPU |\n|---|---|---|")
    db = tmp / "store.duckdb"
    work_store(db, args.db, args.persons, args.jurisdiction)
    timed("synthetic inventory", lambda: svc.synth_facilities(db, seed=1))
    street = timed("gaps, street level", lambda: svc.gaps(db, level="street"))
    timed("gaps, district level", lambda: svc.gaps(db, level="district"))
    timed("gaps, street level, hukou", lambda: svc.gaps(db, level="street", caliber="hukou"))
    year = street.as_of.year + 5
    timed(f"gaps, district level, year {year}", lambda: svc.gaps(db, level="district",
                                                               year=year))
    plan = timed("allocate childcare, 20 sites of 30",
                 lambda: allocate_from_gaps(street.table, "childcare", 20, 30))
    renkou = str(Path(sys.executable).parent / "renkou")
    timed("renkou services gaps --level street, end to end", lambda: subprocess.run(
        [renkou, "services", "gaps", "--db", str(db), "--level", "street",
         "--out", str(tmp / "G.csv")], check=True, capture_output=True))
    print(f"\nrows: {len(street.table)}, areas: {street.table['region'].nunique()}, "
          f"unmet {plan.unmet_before:,.0f} → {plan.objective:,.0f}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
