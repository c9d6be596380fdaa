"""What the store benchmarks share: timing one step as a Markdown table row, and a store to
work on (a copy of ``--db`` with its key file, or a synthetic one built here)."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (a step may run a command)."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


def timed(label: str, fn: Callable[[], T]) -> T:
    w, c = time.perf_counter(), _cpu()
    out = fn()
    print(f"| {label} | {time.perf_counter() - w:.2f} s | {_cpu() - c:.2f} s |")
    return out


def work_store(db: Path, given: Path | None, persons: int, jurisdiction: str) -> Path:
    """``db``: a copy of ``given`` (the benchmark writes into it), or a synthetic store of
    ``persons`` built there (timed)."""
    if given is not None:
        from renkou.app.stores import copy_store

        return copy_store(given, db)
    from renkou.registry.synth import build_demo_store

    timed(f"build store, {persons:,} persons",
          lambda: build_demo_store(db, persons, 1, jurisdiction=jurisdiction))
    return db
