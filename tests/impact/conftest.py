"""The city store with a synthetic facility inventory, shared by the impact tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from renkou.app.stores import copy_store


@pytest.fixture(scope="session")
def city(tmp_path_factory: pytest.TempPathFactory, city_store: Path) -> Path:
    """A copy of the city store with a synthetic facility inventory."""
    from renkou.app import services as svc

    db = copy_store(city_store, tmp_path_factory.mktemp("impact-city") / "city.duckdb")
    svc.synth_facilities(db, seed=2)
    return db
