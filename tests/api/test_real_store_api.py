"""A store ingested from department files (no synth marker) is read as real counts: the page
is told it is not demo data, and no assessment total is scaled."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from renkou.api.app import create_app
from renkou.settings import Settings


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory,
           signer: Callable[..., TestClient]) -> Iterator[TestClient]:
    from renkou.registry.ingest import ingest_directory
    from renkou.registry.store import Store
    from renkou.registry.synth.feeds import MARKER, synthesize

    feeds = tmp_path_factory.mktemp("feeds")
    synthesize(feeds, 1_500, 9, jurisdiction="xiqing")
    (feeds / MARKER).unlink()  # as a department's delivery: no synth provenance
    db = feeds / "real.duckdb"
    with Store(db) as store:
        ingest_directory(store, feeds, jurisdiction="xiqing")
    with TestClient(create_app(Settings(env="test", db_path=db))) as c:
        yield signer(c, db)


def test_real_store_is_not_demo_data(client: TestClient) -> None:
    m = client.get("/api/meta").json()
    assert m["synthetic"] is False and m["jurisdiction"]["key"] == "xiqing"
    assert len(client.get("/api/regions").json()) == 10


@pytest.mark.slow
def test_real_store_totals_are_not_scaled(client: TestClient) -> None:
    a = client.get("/api/plans/assessment").json()
    assert a["plan"] == "xiqing-14th" and a["scale_notes"] == []
    assert not any(r["demo"] for r in a["rows"])  # no demo reports were seeded
