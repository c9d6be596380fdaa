"""Benchmark: points-based settlement (积分落户) over a large synthetic applicant pool.

Times, separately: validating the text table, scoring without and with explanations, ranking
for a quota, and simulating a change (two scorings and two rankings). Usage:

    .venv/bin/python benchmarks/points_score.py [N]   # default 1 000 000
"""

from __future__ import annotations

import datetime as dt
import sys
import time

from renkou.rules.points.applicants import generate_applicants
from renkou.rules.points.columns import parse_applicants
from renkou.rules.points.loader import load_scheme
from renkou.rules.points.rank import rank
from renkou.rules.points.score import score
from renkou.rules.points.simulate import simulate

AS_OF = dt.date(2021, 12, 31)


def main(n: int) -> None:
    t = time.perf_counter()
    df = generate_applicants(n, seed=1, as_of=AS_OF)
    print(f"generate {n:,} applicants: {time.perf_counter() - t:.2f} s")
    scheme = load_scheme().with_changes({"quota": 15000}, AS_OF)

    t = time.perf_counter()
    table, problems = parse_applicants(df)
    print(f"validate: {time.perf_counter() - t:.2f} s ({len(problems)} problems)")

    t = time.perf_counter()
    plain = score(table, scheme, AS_OF, explain=False)
    print(f"score without explanations: {time.perf_counter() - t:.2f} s")

    t = time.perf_counter()
    explained = score(table, scheme, AS_OF, explain=True)
    print(f"score with explanations: {time.perf_counter() - t:.2f} s")
    assert (plain.total == explained.total).all()

    t = time.perf_counter()
    ranked = rank(plain, pseudonym_key=b"benchmark")
    print(f"rank for quota 15000: {time.perf_counter() - t:.2f} s "
          f"(cutoff {ranked.cutoff_points}, decided by {ranked.decided_by})")

    t = time.perf_counter()
    sim = simulate(table, scheme, AS_OF, {"education.points.associate": 45},
                   pseudonym_key=b"benchmark")
    print(f"simulate a change: {time.perf_counter() - t:.2f} s "
          f"({sim.admitted_instead.size} admitted instead)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
