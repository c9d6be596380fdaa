"""Shared fixtures: every test runs with development keys and a throwaway data dir."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from renkou.app.stores import copy_store


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory: pytest.TempPathFactory,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    from renkou.settings import get_settings

    monkeypatch.setenv("RENKOU_ENV", "test")
    monkeypatch.setenv("RENKOU_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def build_seeded_store(data_dir: Path, persons: int, seed: int, *,
                       jurisdiction: str = "tianjin", every_plan: bool = False) -> Path:
    """The demo store of ``jurisdiction`` built in ``data_dir`` by the application's one
    demo builder: a synthetic city of ``persons`` with the demo plan data (reported values
    and task progress of the jurisdiction's plans) seeded into it; ``every_plan`` seeds the
    demo data of every plan, so that other plans' reported values show on it too."""
    from renkou.app.demo import build_demo

    db = build_demo(data_dir, jurisdiction=jurisdiction, persons=persons, seed=seed)
    if every_plan:
        from renkou.app.demo_reports import seed_demo_plans, seed_demo_reports
        from renkou.registry import Registry

        registry = Registry(db)
        try:
            seed_demo_plans(registry, seed_demo_reports(registry))
        finally:
            registry.close()
    return db


@pytest.fixture(scope="session")
def seeded_store_builder() -> Callable[..., Path]:
    """:func:`build_seeded_store`, for tests that need a store of another size or
    jurisdiction."""
    return build_seeded_store


@pytest.fixture(scope="session")
def seeded_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One 3,000-person seeded demo store (with every plan's demo data) shared by the slow
    plan, CLI and API tests (read it; copy it before writing)."""
    return build_seeded_store(tmp_path_factory.mktemp("seeded"), 3_000, 7, every_plan=True)


@pytest.fixture(scope="session")
def ingested_city(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path]:
    """A 6,000-person synthetic city (seed 7): the generator's people and a registry built
    from its feeds. Shared by the slow tests that compare registry flows with the truth
    (read-only)."""
    from renkou.registry import synth
    from renkou.registry.ingest import ingest_directory
    from renkou.registry.store import Store

    out = tmp_path_factory.mktemp("city-6000")
    city = synth.generate_city(6_000, 7)
    synth.write_feeds(city, out)
    db = out / "registry.duckdb"
    with Store(db) as store:
        ingest_directory(store, out)
    return city, db


# Small synthetic stores of a district and of a city jurisdiction, shared by the services and
# impact tests (copy them before writing).
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



@pytest.fixture
def writable(tmp_path: Path, district_store: Path) -> Path:
    return copy_store(district_store, tmp_path / "store.duckdb")
