"""Benchmark and acceptance run of probabilistic record linkage.

Builds a synthetic city with ``--dirty-ids`` (default 0.05), ingests it, runs
``registry link`` with the truth, and prints: the time of each step, precision / recall /
F1 / review rows by threshold, and the largest relative gap between the registry's four
calibers and ``truth/calibers.csv`` by district on both truth dates, before and after
linkage. Acceptance (on 50,000 persons): F1 ≥ 0.99 at the default threshold, review
queue ≤ 1 % of the dirty rows, every district within 0.1 % after linkage.
Run: ``.venv/bin/python benchmarks/linkage.py [--persons N] [--seed S] [--dirty-ids R]``.

Store mode (the 14-million target: about 1 million dirty rows linked within 10 minutes):
``--db STORE --feeds DIR`` links a copy of an ingested store (the original is never
written; the copy is made in ``--work``, default a temporary directory) and scores it
against ``DIR/truth/links.csv``. Run it from the directory the store was ingested from
(the store records its delivery directory as given to ``registry ingest``)::

    .venv/bin/python benchmarks/linkage.py --db data/bench14m/store.duckdb \
        --feeds data/bench14m/feeds --work data/linkwork
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

import pandas as pd

from renkou.registry.linkage.link import LinkResult


def district_gaps(db: Path, truth_csv: Path) -> pd.DataFrame:
    """as_of, caliber, region, truth, registry, gap (relative) for every truth area."""
    from renkou.registry import Registry

    truth = pd.read_csv(truth_csv, dtype={"region": str})
    want = truth.groupby(["as_of", "caliber", "region"])["value"].sum().rename("truth")
    rows = []
    with Registry(db, read_only=True) as reg:
        for (as_of, caliber), w in want.groupby(level=["as_of", "caliber"]):
            got = reg.caliber(date.fromisoformat(str(as_of)), str(caliber), by=("region",))
            got = got.set_index("region")["value"] if "region" in got else pd.Series(dtype=int)
            for (_a, _c, region), t in w.items():
                r = int(got.get(region, 0))
                rows.append({"as_of": as_of, "caliber": caliber, "region": region,
                             "truth": int(t), "registry": r, "gap": abs(r - t) / t})
    return pd.DataFrame(rows)


def _load() -> str:
    """The machine's load average (1, 5, 15 min), printed beside the figures."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _peak() -> str:
    """Peak resident memory of this process so far."""
    return f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB"


def _steps(result: LinkResult) -> str:
    share = "" if result.share_in_store is None else f"; π = {result.share_in_store:.4f}"
    return ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items()) + share


def link_store(db: Path, feeds: Path, work: Path | None, gaps: bool) -> None:
    """Link a copy of the ingested store ``db`` and score it against the truth."""
    from renkou.app.linkage import run_link
    from renkou.app.stores import copy_store
    from renkou.settings import get_settings

    settings = get_settings()
    truth = feeds / "truth" / "links.csv"
    dirty = sum(1 for _ in truth.open(encoding="utf-8")) - 1
    print(f"store {db}, dirty rows in the truth: {dirty:,}; load {_load()}")
    with tempfile.TemporaryDirectory(prefix="renkou-linkage-", dir=work) as tmp:
        copy = Path(tmp) / "store.duckdb"
        t = time.perf_counter()
        copy_store(db, copy)
        print(f"copy store: {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        result, table = run_link(copy, settings, truth=truth, report=Path(tmp) / "report.csv",
                                 say=lambda m: print(f"  [{time.perf_counter() - t:7.1f} s] "
                                                     f"{m}", flush=True))
        print(f"link: {time.perf_counter() - t:.1f} s; {result.counts}; load {_load()}")
        print(f"steps: {_steps(result)}; peak {_peak()}")
        assert table is not None
        print(table.to_string(index=False))
        if gaps:
            after = district_gaps(copy, feeds / "truth" / "calibers.csv")
            print(f"after linkage: largest district gap {after['gap'].max():.4%}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dirty-ids", type=float, default=0.05)
    ap.add_argument("--jurisdiction", default="tianjin")
    ap.add_argument("--db", type=Path, help="an ingested store to link (a copy is linked)")
    ap.add_argument("--feeds", type=Path, help="the store's feed directory (with truth/)")
    ap.add_argument("--work", type=Path, help="where the copy is made (default: temp)")
    ap.add_argument("--gaps", action="store_true", help="store mode: district gaps after")
    args = ap.parse_args()
    if args.db is not None:
        if args.feeds is None:
            ap.error("--db needs --feeds")
        link_store(args.db, args.feeds, args.work, args.gaps)
        return
    from renkou.app.linkage import run_link
    from renkou.registry.ingest import ingest_directory
    from renkou.registry.store import Store
    from renkou.registry.synth import synthesize
    from renkou.settings import get_settings

    settings = get_settings()
    with tempfile.TemporaryDirectory(prefix="renkou-linkage-") as tmp:
        out, db = Path(tmp) / "feeds", Path(tmp) / "store.duckdb"
        t = time.perf_counter()
        synthesize(out, args.persons, args.seed, dirty_ids=args.dirty_ids,
                   jurisdiction=args.jurisdiction)
        print(f"synth: {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        with Store(db, settings=settings) as store:
            ingest_directory(store, out, settings=settings)
        print(f"ingest: {time.perf_counter() - t:.1f} s")
        before = district_gaps(db, out / "truth" / "calibers.csv")
        print(f"before linkage: largest district gap {before['gap'].max():.4%}")
        t = time.perf_counter()
        result, table = run_link(db, settings, truth=out / "truth" / "links.csv",
                                 report=Path(tmp) / "report.csv")
        print(f"link: {time.perf_counter() - t:.1f} s; {result.counts}")
        print(f"steps: {_steps(result)}; peak {_peak()}")
        dirty = len(pd.read_csv(out / "truth" / "links.csv"))
        print(f"dirty rows: {dirty}")
        assert table is not None
        print(table.to_string(index=False))
        after = district_gaps(db, out / "truth" / "calibers.csv")
        print(f"after linkage: largest district gap {after['gap'].max():.4%}")
        print(after.groupby(["as_of", "caliber"])["gap"].max().to_string())


if __name__ == "__main__":
    main()
