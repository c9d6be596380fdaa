"""Synthetic-city generation benchmark (合成城市生成性能): time, CPU and peak memory of
``renkou.registry.synth.synthesize`` (people, histories, feeds with dirt, truth).

Usage: ``.venv/bin/python benchmarks/synth.py [PERSONS] [PART_SIZE] [JURISDICTION]`` (defaults
1,000,000, 1,000,000 and the settings' jurisdiction). Prints one Markdown table row for
docs/benchmarks.md. A 14-million city is 14
parts of 1,000,000 written one after another, so its peak memory is that of one part and its
time about 14 times that of one part."""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    from renkou.registry.synth import synthesize
    from renkou.settings import get_settings

    persons = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    part = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    key = sys.argv[3] if len(sys.argv) > 3 else get_settings().jurisdiction
    with tempfile.TemporaryDirectory(prefix="renkou-synth-bench-") as tmp:
        t0, c0 = time.perf_counter(), time.process_time()
        manifest = synthesize(Path(tmp), persons, 1, part_size=part, jurisdiction=key,
                              progress=lambda m: print(f"[{time.perf_counter() - t0:7.1f}s] {m}",
                                                       file=sys.stderr))
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        size = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB → MiB on Linux
    rows = int(str(manifest["rows_written"]))
    people = int(str(manifest["people_total"]))
    print(f"| {key}: {persons:,} residents (parts of {part:,}) | {people:,} "
          f"| {rows:,} rows, {size / 2**20:,.0f} MiB | {wall:,.1f} s | {cpu:,.1f} s "
          f"| {peak:,.0f} MiB |")


if __name__ == "__main__":
    main()
