"""A small synthetic district store shared by the services tests (copy it before writing)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def district_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2,000-person synthetic store of the district jurisdiction (areas are 街镇)."""
    from renkou.registry.synth import build_demo_store

    db = tmp_path_factory.mktemp("svc-store") / "district.duckdb"
    build_demo_store(db, 2_000, 3, jurisdiction="xiqing")
    return db


@pytest.fixture(scope="session")
def city_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2,000-person synthetic store of a city jurisdiction (areas are districts)."""
    from renkou.registry.synth import build_demo_store

    db = tmp_path_factory.mktemp("svc-city") / "city.duckdb"
    build_demo_store(db, 2_000, 3, jurisdiction="tianjin")
    return db


def copy_store(src: Path, dst: Path) -> Path:
    """A copy of a store with its key file (``<store>.keys``) when it has one."""
    shutil.copy(src, dst)
    keys = src.with_name(src.name + ".keys")
    if keys.exists():
        shutil.copy(keys, dst.with_name(dst.name + ".keys"))
    return dst


@pytest.fixture
def writable(tmp_path: Path, district_store: Path) -> Path:
    return copy_store(district_store, tmp_path / "store.duckdb")


@pytest.fixture(scope="session")
def city(tmp_path_factory: pytest.TempPathFactory, city_store: Path) -> Path:
    """A copy of the city store with a synthetic facility inventory."""
    from renkou.app import services as svc

    db = copy_store(city_store, tmp_path_factory.mktemp("impact-city") / "city.duckdb")
    svc.synth_facilities(db, seed=2)
    return db
