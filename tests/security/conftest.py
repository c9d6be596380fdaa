"""Shared helpers of the security tests: the hand-made feeds and row counts of a store."""

from __future__ import annotations

from pathlib import Path

import pytest

SMALL = Path(__file__).parents[1] / "registry" / "data" / "small"
TABLES = ("ingest_batches", "ingest_files", "identity", "quarantine", "rec_police_hukou",
          "store_meta")


def counts(db: Path) -> dict[str, int]:
    from renkou.registry.store import Store

    with Store(db, read_only=True) as store:
        return {t: int(store.scalar(f"SELECT count(*) FROM {t}")) for t in TABLES
                if store.table_exists(t)}


@pytest.fixture()
def small() -> Path:
    return SMALL
