"""Application layer of record linkage: run ``registry link`` on a store and, given the
generator's ``truth/links.csv``, score its decisions (precision, recall, F1 by threshold)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from renkou.errors import InputError
from renkou.registry.linkage.decide import LOWER, UPPER, accuracy, read_truth
from renkou.registry.linkage.link import LinkResult, link
from renkou.registry.store import Store
from renkou.settings import Settings


def run_link(db: Path, settings: Settings, *, upper: float = UPPER, lower: float = LOWER,
             truth: Path | None = None, report: Path | None = None,
             say: Callable[[str], None] | None = None) -> tuple[LinkResult, pd.DataFrame | None]:
    """Link the store's rows quarantined for their ID number; with ``truth`` score every
    dirty row's decision and write the table to ``report``."""
    if (truth is None) != (report is None):
        raise InputError("--truth 与 --report 需同时给出")
    known = read_truth(truth) if truth is not None else None
    if not db.is_file():
        raise InputError("数据库文件不存在", file=str(db))
    with Store(db, settings=settings) as store:
        result = link(store, settings, upper=upper, lower=lower, say=say,
                      score_keys=None if known is None else set(known["person_key"]))
    if known is None or report is None:
        return result, None
    table = accuracy(result.decided, known, upper, lower, result.present)
    report.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(report, index=False, lineterminator="\n")
    return result, table
