"""Benchmark of the projection engine and of renkou project end to end.

* deterministic: 16 regions (Tianjin's districts, 2020 census sizes) × 101 ages × 2 sexes ×
  80 annual steps, with external net migration and an origin–destination matrix of internal
  moving rates by age and sex;
* stochastic: 1,000 trajectories × 16 regions × 30 years through
  ``stochastic.simulate_indicators`` (summary indicators kept), with 1 and 2 worker threads,
  and ``stochastic.simulate`` (the full (N, …) result) for N = 200 to show its memory;
* with ``--cli``: ``renkou project --trajectories 1000`` on the same 16-region, 30-year input
  written as CSV files and as Parquet files, each in a child process (wall time and peak
  resident memory), against the engine alone (``simulate_indicators``, 2 workers, in this
  process) — the end-to-end overhead of reading, checking and writing; and the child's
  start-up alone (``renkou --help``: importing the command groups).

Reports wall time and CPU time side by side (other jobs share this machine: the load average
is printed before each measurement), peak traced memory (tracemalloc, NumPy's allocations)
and the process's peak RSS, and where the time goes (CPU time per component, measured by
wrapping the engine's functions — cProfile's overhead distorts the many short NumPy calls).
Run: ``.venv/bin/python benchmarks/projection.py [--cli] [--repeats N]``.
"""

from __future__ import annotations

import argparse
import collections
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import numpy as np

from renkou.demography import projection_run, stochastic, summary
from renkou.demography.assumptions import (
    build_inputs,
    gamma_fertility_pattern,
    interpolate_path,
)
from renkou.demography.migration_profile import age_profile
from renkou.demography.projection import ProjectionInputs, project
from renkou.demography.stochastic import simulate, simulate_indicators
from renkou.jurisdictions import get_jurisdiction

# The benchmark's population: the 16 districts of a jurisdiction with their census sizes.
BENCH_JURISDICTION = "tianjin"


def bench_areas() -> tuple:  # type: ignore[type-arg]
    return get_jurisdiction(BENCH_JURISDICTION).areas


def synthetic_inputs(years: int, base_year: int = 2025) -> ProjectionInputs:
    """A 16-district input set built from assumption paths."""
    districts = bench_areas()
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


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f}/{five:.2f}"


def timed(fn: Callable[[], object], repeats: int, trace: bool = True
          ) -> tuple[list[float], list[float], float]:
    """(wall s per run, CPU s per run, peak traced MiB).

    The timed runs are not traced (tracemalloc slows allocation-heavy code); one extra run
    under tracemalloc measures the peak of NumPy's allocations."""
    walls, cpus = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    peak = 0
    if trace:
        tracemalloc.start()
        fn()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return walls, cpus, peak / 2**20


@contextmanager
def breakdown() -> Iterator[dict[str, float]]:
    """CPU time (thread time) spent in the engine's parts while the block runs."""
    acc: dict[str, float] = collections.defaultdict(float)
    targets = [(projection_run, "step_life_table", "life tables (survival, e0/e60/e65)"),
               (projection_run, "e0_both_sexes", "both-sex e0 (exposure-weighted rates)"),
               (projection_run.BlockRunner, "_mx", "Lee–Carter shock exp(b k) · mx"),
               (projection_run.BlockRunner, "_step",
                "cohort steps (survival, migration, internal moves, births, deaths)"),
               (projection_run, "advance", "  of which advance (survivors, moves, deaths)"),
               (summary, "summary_indicators", "summary indicators"),
               (stochastic, "e0_grid", "e0(k) grid for the mortality inversion"),
               (stochastic, "shocked_inputs", "drawing → inputs (ASFR, k, factors)")]
    saved = []
    for owner, name, label in targets:
        original = getattr(owner, name)
        saved.append((owner, name, original))

        def wrapped(*a: object, _f: Callable[..., object] = original, _l: str = label,
                    **k: object) -> object:
            t0 = time.thread_time()
            try:
                return _f(*a, **k)
            finally:
                acc[_l] += time.thread_time() - t0

        setattr(owner, name, wrapped)
    try:
        yield acc
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


def _child(cmd: list[str]) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MiB) of a child process, by GNU time (getrusage of children
    would count the pages the child shares with this large parent right after fork)."""
    timer = shutil.which("time") or "/usr/bin/time"
    done = subprocess.run([timer, "-f", "%M %e %U %S", *cmd], check=True,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    kib, wall, user, system = done.stderr.strip().splitlines()[-1].split()
    return float(wall), float(user) + float(system), int(kib) / 1024


def cli_end_to_end(inputs: ProjectionInputs, trajectories: int, repeats: int) -> None:
    """``renkou project --trajectories N`` on the inputs written as CSV and as Parquet,
    against the engine alone on the same inputs."""
    import dataclasses

    from renkou.projection.output import write_input_directory
    exe = str(Path(sys.executable).parent / "renkou")
    walls, cpus, _ = timed(partial(simulate_indicators, inputs, trajectories, seed=1, workers=2),
                           repeats, trace=False)
    engine = min(walls)
    print(f"[{load()}] engine alone (simulate_indicators {trajectories}, 2 workers): wall best "
          f"{engine:.2f} s, CPU best {min(cpus):.2f} s")
    starts = [_child([exe, "--help"]) for _ in range(repeats)]
    start = min(r[0] for r in starts)
    print(f"renkou start-up (renkou --help): wall best {start:.2f} s, CPU best "
          f"{min(r[1] for r in starts):.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        codes = tuple(d.code for d in bench_areas())
        named = dataclasses.replace(inputs, region_codes=codes)
        for fmt in ("csv", "parquet"):
            src = write_input_directory(named, Path(tmp) / fmt, fmt=fmt)
            size = sum(f.stat().st_size for f in src.iterdir()) / 2**20
            runs = [_child([exe, "project", str(src), "--out", str(Path(tmp) / f"out-{fmt}"),
                            "--trajectories", str(trajectories), "--seed", "1"])
                    for _ in range(repeats)]
            wall = min(r[0] for r in runs)
            print(f"[{load()}] renkou project --trajectories {trajectories} "
                  f"({inputs.n_regions} regions, {inputs.steps} years, {fmt} input "
                  f"{size:.0f} MiB): wall best {wall:.1f} s = {wall / engine:.2f} × engine "
                  f"({(wall - start) / engine:.2f} × without start-up), CPU "
                  f"{min(r[1] for r in runs):.1f} s = {min(r[1] for r in runs) / min(cpus):.2f} × "
                  f"engine CPU, "
                  f"peak RSS {max(r[2] for r in runs):.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cli", action="store_true",
                        help="also measure renkou project end to end (CSV and Parquet input)")
    parser.add_argument("--cli-only", action="store_true",
                        help="only the end-to-end measurement")
    args = parser.parse_args()
    cpu_name = next((ln.split(":", 1)[1].strip() for ln in
                     Path("/proc/cpuinfo").read_text().splitlines()
                     if ln.startswith("model name")), platform.processor())
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {cpu_name}, "
          f"{os.cpu_count()} cores; CPython {platform.python_version()}, numpy {np.__version__}")

    if args.cli_only:
        cli_end_to_end(synthetic_inputs(30), 1000, args.repeats)
        return
    det = synthetic_inputs(80)
    project(det)  # warm-up
    print(f"[{load()}]")
    walls, cpus, peak = timed(lambda: project(det), max(15, args.repeats))
    print(f"deterministic 16×101×2×80 with internal migration: wall best "
          f"{min(walls) * 1000:.0f} ms, median {statistics.median(walls) * 1000:.0f} ms; CPU "
          f"best {min(cpus) * 1000:.0f} ms, median {statistics.median(cpus) * 1000:.0f} ms; "
          f"peak traced {peak:.0f} MiB")
    with breakdown() as acc:
        for _ in range(10):
            project(det)
    for label, seconds in sorted(acc.items(), key=lambda kv: -kv[1]):
        print(f"    {seconds * 100:6.1f} ms per run  {label}")

    sto = synthetic_inputs(30)
    for workers in (1, 2):
        print(f"[{load()}]")
        walls, cpus, peak = timed(
            partial(simulate_indicators, sto, 1000, seed=1, workers=workers), args.repeats)
        print(f"stochastic 1000×16×30 simulate_indicators, {workers} worker(s): wall best "
              f"{min(walls):.2f} s, median {statistics.median(walls):.2f} s; CPU best "
              f"{min(cpus):.2f} s, median {statistics.median(cpus):.2f} s; "
              f"peak traced {peak:.0f} MiB")
    with breakdown() as acc:
        t0 = time.process_time()
        simulate_indicators(sto, 1000, seed=1)
        total = time.process_time() - t0
    print(f"  where the CPU time goes (1 worker, total {total:.2f} s):")
    for label, seconds in sorted(acc.items(), key=lambda kv: -kv[1]):
        print(f"    {seconds:6.2f} s  {label}")
    print(f"[{load()}]")
    walls, cpus, peak = timed(lambda: simulate(sto, 200, seed=1), 1)
    print(f"stochastic 200×16×30 simulate (full result): wall {walls[0]:.1f} s, CPU "
          f"{cpus[0]:.1f} s, peak traced {peak:.0f} MiB")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS: {rss:.0f} MiB")
    if args.cli:
        cli_end_to_end(sto, 1000, args.repeats)


if __name__ == "__main__":
    main()
