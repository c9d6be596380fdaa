"""Synthetic city (合成城市) of a jurisdiction: people, 2015–2024 histories, department feeds
with realistic dirt, and the true calibers a correct registry must recover. The jurisdiction
(``renkou.jurisdictions``: a province-level city by districts, or a district by 街镇) and the
generator's assumptions for it (``data/synth/<key>.yaml``) are data.

Public API: ``generate_city``, ``write_feeds``, ``synthesize``, ``truth_calibers``,
``build_demo_store``."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from renkou.registry.synth.city import SyntheticCity, generate_city
from renkou.registry.synth.feeds import synthesize, write_feeds
from renkou.registry.synth.truth import calibers_at, state_at, truth_calibers

if TYPE_CHECKING:
    from renkou.settings import Settings

__all__ = ["SyntheticCity", "build_demo_store", "calibers_at", "generate_city", "state_at",
           "synthesize", "truth_calibers", "write_feeds"]


def build_demo_store(db_path: Path, persons: int, seed: int, *, jurisdiction: str = "tianjin",
                     settings: Settings | None = None,
                     progress: Callable[[str], None] | None = None) -> None:
    """Generate the city of ``jurisdiction``, write its feeds (with ``synthetic.json``) to a
    temporary directory and ingest them into the embedded store at ``db_path`` with the
    registry's own ingest, which records the jurisdiction and the synthetic provenance
    (persons, seed) in the store."""
    from renkou.registry.ingest import ingest_directory
    from renkou.registry.store import Store

    with tempfile.TemporaryDirectory(prefix="renkou-synth-") as tmp:
        synthesize(Path(tmp), persons, seed, progress=progress, jurisdiction=jurisdiction)
        Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        with Store(Path(db_path), settings=settings) as store:
            ingest_directory(store, Path(tmp), jurisdiction=jurisdiction, settings=settings)
