"""Benchmark of the projection engine (issue 3, item 10).

* deterministic: 16 regions (Tianjin's districts, 2020 census sizes) × 101 ages × 2 sexes ×
  80 annual steps, with external net migration and an origin–destination matrix of internal
  moving rates by age and sex;
* stochastic: 1,000 trajectories × 16 regions × 30 years through
  ``stochastic.simulate_indicators`` (chunks of 100 trajectories, summary indicators kept),
  and ``stochastic.simulate`` (the full (N, …) result) for a smaller N to show its memory.

Reports wall time (best and median of repeats), peak traced memory (tracemalloc, the NumPy
allocations) and the process's peak RSS, and a cProfile breakdown of where the time goes.
Run: ``.venv/bin/python benchmarks/projection.py [--full-stochastic]``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import platform
import pstats
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from functools import partial

import numpy as np

from renkou.demography.assumptions import (
    build_inputs,
    gamma_fertility_pattern,
    interpolate_path,
)
from renkou.demography.migration_profile import age_profile
from renkou.demography.projection import ProjectionInputs, project
from renkou.demography.stochastic import simulate, simulate_indicators
from renkou.regions import tianjin_districts


def synthetic_inputs(years: int, base_year: int = 2025) -> ProjectionInputs:
    """A Tianjin-like 16-district input set built from assumption paths."""
    districts = tianjin_districts()
    sizes = np.array([float(d.census2020 or 500_000) for d in districts])
    r, a = len(districts), 101
    x = np.arange(a, dtype=float)
    # An ageing, China-like age structure (bulge at 30–40 and 50–60), split 51/49 by sex.
    shape = (1.0 + 0.5 * np.exp(-((x - 35) / 8) ** 2) + 0.6 * np.exp(-((x - 55) / 6) ** 2)) \
        * np.exp(-np.maximum(x - 60, 0) / 12)
    shape /= shape.sum()
    pop = sizes[:, None, None] * shape * np.array([0.51, 0.49])[:, None]
    standard = 0.004 * np.exp(-1.5 * x) + 0.0002 + 0.00003 * np.exp(0.098 * x)
    yrs = range(base_year, base_year + years)
    end = base_year + years
    inputs = build_inputs(
        base_year=base_year, end_year=end, population=pop,
        tfr=interpolate_path({2025: 1.0, 2035: 1.2, 2050: 1.3}, yrs),
        fertility_pattern=gamma_fertility_pattern(30.0, 5.5),
        e0_male=interpolate_path({2025: 79.0, 2050: 83.0, 2100: 87.0}, yrs),
        e0_female=interpolate_path({2025: 84.0, 2050: 87.5, 2100: 91.0}, yrs),
        standard_mx=np.stack([standard * 1.4, standard]),
        srb=1.07, net_migration_totals=np.broadcast_to(sizes * 0.004, (years, r)))
    # Internal moves: 2 % of people change district per year at the peak age, split over the
    # other districts in proportion to their size (a gravity-free simplification).
    profile = age_profile("fundamental") / age_profile("fundamental").max() * 0.02
    dest = sizes / sizes.sum()
    od = np.broadcast_to(dest[None, :], (r, r)) * (1 - np.eye(r))
    od = od / od.sum(axis=1, keepdims=True)
    internal = np.broadcast_to(od[:, :, None, None] * profile, (years, r, r, 2, a)).copy()
    return ProjectionInputs(base_year=base_year, end_year=end, population=inputs.population,
                            asfr=inputs.asfr, mx=inputs.mx, srb=inputs.srb,
                            net_migration=inputs.net_migration, internal_rates=internal)


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, float, float, float]:
    """(best wall s, median wall s, best CPU s, peak traced MiB).

    The timed runs are not traced (tracemalloc slows allocation-heavy code); one extra run
    under tracemalloc measures the peak of NumPy's allocations."""
    walls, cpus = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return min(walls), statistics.median(walls), min(cpus), peak / 2**20


def profile(fn: Callable[[], object], top: int = 12) -> str:
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    lines = [ln for ln in out.getvalue().splitlines() if ln.strip()]
    start = next(i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls"))
    return "\n".join(lines[start:start + top + 1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--full-stochastic", action="store_true",
                        help="also run simulate() with the full 1,000-trajectory result")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {platform.python_implementation()} "
          f"{platform.python_version()}, numpy {np.__version__}")

    det = synthetic_inputs(80)
    project(det)  # warm-up
    best, med, cpu, peak = timed(lambda: project(det), args.repeats)
    print(f"deterministic 16×101×2×80 with internal migration: best {best * 1000:.0f} ms, "
          f"median {med * 1000:.0f} ms, best CPU {cpu * 1000:.0f} ms, "
          f"peak traced {peak:.0f} MiB")
    print(profile(lambda: project(det)))

    sto = synthetic_inputs(30)
    for workers in (1, 2):
        best, med, cpu, peak = timed(
            partial(simulate_indicators, sto, 1000, seed=1, workers=workers), 1)
        print(f"stochastic 1000×16×30 simulate_indicators (chunks of 50, {workers} worker(s)): "
              f"{best:.1f} s, CPU {cpu:.1f} s, peak traced {peak:.0f} MiB")
    print(profile(lambda: simulate_indicators(sto, 1000, seed=1)))
    best, med, cpu, peak = timed(lambda: simulate(sto, 200, seed=1), 1)
    print(f"stochastic 200×16×30 simulate (full result): {best:.1f} s, CPU {cpu:.1f} s, "
          f"peak traced {peak:.0f} MiB")
    if args.full_stochastic:
        best, med, cpu, peak = timed(lambda: simulate(sto, 1000, seed=1), 1)
        print(f"stochastic 1000×16×30 simulate (full result): {best:.1f} s, CPU {cpu:.1f} s, "
              f"peak traced {peak:.0f} MiB")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS: {rss:.0f} MiB")


if __name__ == "__main__":
    main()
