"""Benchmark: evaluate one million people for each scheme (target ≤ 10 s per scheme).

Run: .venv/bin/python benchmarks/rules.py [--n 1000000] [--csv] [--budget N]
Times validation + evaluation + explanations + output formatting from an in-memory text table
(what `renkou rules evaluate` does between reading and writing); with --csv also the full
command path including reading PEOPLE.csv and writing OUT.csv (with and without the
explanation column); with --budget N the 2025–2035 budget path over N synthetic hukou
people aged 40–100."""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from renkou.rules.schemes import run_people

AS_OF = dt.date(2025, 6, 30)


def _dates(rng: np.random.Generator, n: int, lo: str, hi: str) -> np.ndarray:
    a, b = np.datetime64(lo, "D").astype(int), np.datetime64(hi, "D").astype(int)
    return np.datetime_as_string(rng.integers(a, b, n).astype("datetime64[D]"), unit="D")


def elderly_people(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    tf = np.array(["false", "true"])
    only_child_age = rng.integers(30, 70, n).astype(str)
    only_child_age[rng.random(n) < 0.5] = ""
    return pd.DataFrame({
        "person_id": np.char.add("P", np.arange(n).astype(str)),
        "birth_date": _dates(rng, n, "1920-01-01", "1975-12-31"),
        "hukou_tianjin": tf[(rng.random(n) < 0.9).astype(int)],
        "hukou_district": rng.choice(["120101", "120111", "120116", "120119"], n),
        "residence": rng.choice(["urban", "rural"], n, p=[0.8, 0.2]),
        "social_assistance": rng.choice(["none", "dibao", "low_income"], n, p=[0.9, 0.05, 0.05]),
        "key_entitled": tf[(rng.random(n) < 0.02).astype(int)],
        "care_level": rng.choice(["none", "light", "moderate", "severe"], n,
                                 p=[0.8, 0.1, 0.06, 0.04]),
        "household_income_per_capita": np.round(rng.gamma(3, 1200, n), 2).astype(str),
        "only_child_parent": tf[(rng.random(n) < 0.3).astype(int)],
        "only_child_age": only_child_age,
        "living_children": rng.integers(0, 4, n).astype(str),
        "model_worker_city": tf[(rng.random(n) < 0.01).astype(int)],
        "in_institution": tf[(rng.random(n) < 0.03).astype(int)],
        "meal_applied": tf[(rng.random(n) < 0.3).astype(int)],
    })


def fp_people(n: int, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    grade = rng.integers(1, 5, n).astype(str)
    grade[rng.random(n) < 0.7] = ""
    return pd.DataFrame({
        "person_id": np.char.add("F", np.arange(n).astype(str)),
        "birth_date": _dates(rng, n, "1930-01-01", "1985-12-31"),
        "sex": rng.choice(["male", "female"], n),
        "hukou_tianjin": "true",
        "hukou_district": "120104",
        "woman_birth_date": _dates(rng, n, "1930-01-01", "1985-12-31"),
        "children_born_or_adopted": rng.integers(1, 3, n).astype(str),
        "living_children": rng.integers(0, 2, n).astype(str),
        "child_disability_grade": grade,
    })


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--csv", action="store_true")
    ap.add_argument("--budget", type=int, default=0)
    args = ap.parse_args()
    cases = [("tianjin-home-care", elderly_people), ("tianjin-meal", elderly_people),
             ("family-planning-assistance", fp_people)]
    for key, make in cases:
        df = make(args.n)
        t0, c0 = time.perf_counter(), time.process_time()
        run = run_people(key, df, AS_OF)
        t1, c1 = time.perf_counter(), time.process_time()
        n_patterns = run.output["explanation"].nunique()
        # CPU time is reported too: on a shared machine wall time mostly measures the others.
        print(f"{key}: {args.n:,} people evaluated in {t1 - t0:.2f} s wall, "
              f"{c1 - c0:.2f} s CPU ({len(run.errors)} cell errors, "
              f"{n_patterns:,} distinct explanations)")
        if args.csv:
            from renkou.tables import read_table, write_table

            with tempfile.TemporaryDirectory() as d:
                src = Path(d) / "people.csv"
                df.to_csv(src, index=False)
                for explain in (True, False):
                    t0 = time.perf_counter()
                    run = run_people(key, read_table(src), AS_OF, explain=explain)
                    write_table(run.output, Path(d) / "out.csv")
                    t1 = time.perf_counter()
                    size = (Path(d) / "out.csv").stat().st_size / 1e6
                    print(f"  with CSV read + write, explain={explain}: {t1 - t0:.2f} s "
                          f"(OUT.csv {size:,.0f} MB)")
    if args.budget:
        from renkou.jurisdictions import get_jurisdiction
        from renkou.rules.budget import demo_base, project_base
        from renkou.rules.caseload import load_assumptions

        a = load_assumptions()
        base_date = dt.date(2024, 12, 31)
        base, lat = demo_base(args.budget, 7, a, base_date,
                              jurisdiction=get_jurisdiction("tianjin"))
        for key, _ in cases:
            t0 = time.perf_counter()
            project_base(key, base, lat, base_date, 2025, 2035, {}, a)
            print(f"budget {key} 2025–2035 over {args.budget:,} people aged 40–100: "
                  f"{time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
