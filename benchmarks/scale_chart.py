"""Throughput chart and run-time extrapolation of docs/scale.md.

Reads the measurements that ``benchmarks/spark.py --csv`` appended (persons, engine,
aggregate, seconds, load) — the committed copy is docs/scale-measurements.csv — fits, per
engine, the time of the six aggregates (four calibers, 人户分离, flows) as a fixed cost plus
a cost per person (least squares over the measured sizes), and

* draws the measured points and the fitted lines up to 1.4 billion persons
  (``--png``, default docs/scale-throughput.png);
* prints the Markdown table of expected times at 14 M, 100 M and 1.4 B persons: on the
  measured machine (2 cores) and, for Spark, on clusters of 64 and 512 cores, the
  per-person cost divided by the core ratio and by a parallel efficiency (``--efficiency``,
  0.6 by default: shuffles and stragglers), the fixed cost kept.

Run: ``.venv/bin/python benchmarks/scale_chart.py [--csv docs/scale-measurements.csv]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
TARGETS = (14_000_000, 100_000_000, 1_400_000_000)
LOCAL_CORES = 2
CLUSTERS = (64, 512)
AGGREGATES = ("caliber hukou", "caliber resident", "caliber employed", "caliber active",
              "人户分离", "flows 2020–2024")


def totals(df: pd.DataFrame) -> pd.DataFrame:
    """Seconds of the six aggregates per store size and engine (the best run of each)."""
    agg = df[df["aggregate"].isin(AGGREGATES)]
    best = agg.groupby(["persons", "engine", "aggregate"])["seconds"].min().reset_index()
    return best.groupby(["persons", "engine"])["seconds"].sum().unstack("engine")


def fit(n: np.ndarray, t: np.ndarray) -> tuple[float, float]:
    """t ≈ a + b·n by least squares, a and b kept ≥ 0."""
    b, a = np.polyfit(n.astype(float), t.astype(float), 1)
    if a < 0:
        a, b = 0.0, float(np.sum(n * t) / np.sum(n * n))
    return float(a), max(float(b), 0.0)


def _fmt(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172_800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86_400:.1f} d"


def table(tot: pd.DataFrame, efficiency: float) -> str:
    fits = {e: fit(tot.index.to_numpy(), tot[e].to_numpy()) for e in tot.columns}
    head = ["persons", "DuckDB, 2 cores", "Spark local[2]"] + [
        f"Spark, {c} cores" for c in CLUSTERS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for n in TARGETS:
        a_d, b_d = fits["duckdb"]
        a_s, b_s = fits["spark"]
        cells = [f"{n / 1e6:,.0f} M", _fmt(a_d + b_d * n), _fmt(a_s + b_s * n)]
        cells += [_fmt(a_s + b_s * n * LOCAL_CORES / (c * efficiency)) for c in CLUSTERS]
        lines.append("| " + " | ".join(cells) + " |")
    per = {e: f"{1 / b / LOCAL_CORES:,.0f}" if b else "—" for e, (_, b) in fits.items()}
    lines.append("")
    lines.append(f"Fitted: DuckDB {fits['duckdb'][0]:.1f} s + {fits['duckdb'][1] * 1e6:.2f} s "
                 f"per million persons ({per['duckdb']} persons/s per core); Spark "
                 f"{fits['spark'][0]:.1f} s + {fits['spark'][1] * 1e6:.2f} s per million "
                 f"({per['spark']} persons/s per core); parallel efficiency {efficiency}.")
    return "\n".join(lines)


def chart(tot: pd.DataFrame, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    xs = np.logspace(np.log10(tot.index.min()), np.log10(TARGETS[-1]), 100)
    colours = {"duckdb": "#1f77b4", "spark": "#d62728"}
    names = {"duckdb": "DuckDB (store, 2 cores)", "spark": "Spark local[2] (Parquet)"}
    for engine in tot.columns:
        a, b = fit(tot.index.to_numpy(), tot[engine].to_numpy())
        ax.plot(tot.index, tot[engine], "o", color=colours[engine],
                label=f"{names[engine]}, measured")
        ax.plot(xs, a + b * xs, "--", color=colours[engine], alpha=0.7,
                label=f"{names[engine]}, fitted a + b·n")
        if engine == "spark":
            for c in CLUSTERS:
                ax.plot(xs, a + b * xs * LOCAL_CORES / (c * 0.6), ":", color="#2ca02c",
                        alpha=0.5 + c / 2048, label=f"Spark, {c} cores (efficiency 0.6)")
    for n in TARGETS:
        ax.axvline(n, color="grey", lw=0.6)
        ax.text(n, ax.get_ylim()[0] if ax.get_ylim()[0] > 0 else 1, f" {n / 1e6:,.0f} M",
                rotation=90, va="bottom", fontsize=8, color="grey")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("persons in the registry")
    ax.set_ylabel("seconds for 4 calibers + separation + flows")
    ax.set_title("Registry aggregates: measured locally, extrapolated")
    ax.grid(True, which="both", lw=0.3)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(png)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", type=Path, default=ROOT / "docs" / "scale-measurements.csv")
    ap.add_argument("--png", type=Path, default=ROOT / "docs" / "scale-throughput.png")
    ap.add_argument("--efficiency", type=float, default=0.6)
    args = ap.parse_args()
    tot = totals(pd.read_csv(args.csv))
    print(tot.to_string())
    print()
    print(table(tot, args.efficiency))
    chart(tot, args.png)
    print(f"\nchart: {args.png}")


if __name__ == "__main__":
    main()
