"""A server makes the answers of a new data version in a child process, which reads the store
through the server (DuckDB lets no other process open it beside the server's instance): the
child's answer is kept with the new version, and a recipe failing there is forgotten, so
that the next request makes the answer itself and reports the error."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from renkou.api.answers import AnswerCache
from renkou.app import indicator_views, population
from renkou.app.stores import data_version, hosted
from renkou.app.workers import StoreWorkers
from renkou.settings import Settings

pytestmark = pytest.mark.slow

PLAN = "tianjin-14th"
ROUTES = (("/api/warnings", {"plan": PLAN}), (f"/api/plans/{PLAN}/assessment", {}),
          ("/api/indicators/TJ14-STR-05/areas", {"plan": PLAN, "year": 2022}),
          ("/api/population/pyramid", {}))


@pytest.fixture(scope="module")
def served(city_store: Path, tmp_path_factory: pytest.TempPathFactory,
           store_copier: Callable[[Path, Path], Path],
           tokens_for: Callable[[TestClient, Path], dict[str, str]]
           ) -> Iterator[tuple[TestClient, str, Path]]:
    from renkou.api.app import create_app, refresh_apart

    db = store_copier(city_store, tmp_path_factory.mktemp("apart") / "city.duckdb")
    app = create_app(Settings(env="test", db_path=db))
    refresh_apart(app)
    with TestClient(app) as client:
        yield client, tokens_for(client, db)["planner"], db


def _get(client: TestClient, token: str, path: str, params: dict[str, Any]) -> Any:
    r = client.get(path, params=params, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    return r.json()


def _settled(cache: AnswerCache) -> None:
    deadline = time.monotonic() + 120
    while cache.refreshing() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not cache.refreshing()


def test_a_new_version_is_made_in_the_child(served: tuple[TestClient, str, Path],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    client, token, db = served
    first = [_get(client, token, path, params) for path, params in ROUTES]
    cache: AnswerCache = client.app.state.answers  # type: ignore[attr-defined]
    kept = dict(cache._kept)
    # From now on a computation in the server's own process fails: what lands after the
    # ingest was made in the child.
    def fails(*_: object, **__: object) -> None:
        raise AssertionError("computed in the server's process")

    monkeypatch.setattr(client.app.state.dashboard, "assessment", fails)  # type: ignore[attr-defined]
    monkeypatch.setattr(indicator_views, "drill", fails)
    monkeypatch.setattr(population, "pyramid", fails)
    host = hosted(db)
    assert host is not None
    host.bump()  # what a committed ingest of the server does
    new = data_version(db)
    # The previous answers at once, the new ones made beside them.
    assert [_get(client, token, path, params) for path, params in ROUTES] == first
    _settled(cache)
    assert [_get(client, token, path, params) for path, params in ROUTES] == first
    for key in kept:
        assert cache._kept[key].version == new, key
    # The child let the store go: the server holds it only while something reads it.
    deadline = time.monotonic() + 10
    while host.held and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not host.held


class Out(BaseModel):
    value: int


def test_a_recipe_failing_in_the_child_is_forgotten(served: tuple[TestClient, str, Path]
                                                    ) -> None:
    from renkou.api.routers.indicators import _drill

    _, _, db = served
    workers = StoreWorkers(db, Settings(env="test", db_path=db))
    try:
        cache = AnswerCache(workers=workers)
        for key, failing in ((("k",), partial(int, "x")),
                             # reads the store through the server, then finds no indicator
                             (("drill",), partial(_drill, db, PLAN, "NO-SUCH", 2022, None,
                                                  None))):
            cache.answer(key, 1, lambda: Out(value=1))
            cache._refresh(key, 2, failing)  # type: ignore[arg-type]
            _settled(cache)
            assert cache._get(key) is None  # the next request misses, reports the error
            assert cache.answer(key, 2, lambda: Out(value=2)).body == b'{"value":2}'
    finally:
        workers.shutdown()


def test_the_link_carries_reads_and_their_errors(served: tuple[TestClient, str, Path]
                                                 ) -> None:
    """Both ends in one process: a registry on the remote host reads through the server's
    instance, and a failing query raises the store's error on the reading side."""
    import multiprocessing
    import threading

    from renkou.errors import StoreError
    from renkou.registry import Registry
    from renkou.registry.remote import RemoteHost, serve_link

    _, _, db = served
    host = hosted(db)
    assert host is not None
    ours, theirs = multiprocessing.Pipe()
    server = threading.Thread(target=serve_link, args=(ours, host), daemon=True)
    server.start()
    remote = RemoteHost(db, host.settings, theirs)
    registry = Registry(db, read_only=True, settings=host.settings, host=remote)
    try:
        assert registry.store.scalar("SELECT count(*) FROM persons") > 0
        assert len(registry.store.frame("SELECT * FROM persons LIMIT 3")) == 3
        assert registry.jurisdiction().code == "120000"
        with pytest.raises(StoreError, match="ghost"):
            registry.store.rows("SELECT * FROM ghost")
        assert remote.data_generation() == host.data_generation()
    finally:
        registry.close()
    theirs.close()
    server.join(10)
    assert not server.is_alive() and not host.held
