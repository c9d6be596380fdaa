"""Every operation of the OpenAPI document, called with generated parameters and bodies by
a signed-in administrator: no answer is a server error, and every error is problem+json
without a trace."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from renkou.api.app import create_app
from renkou.auth.sessions import RateLimit
from renkou.settings import Settings

pytestmark = pytest.mark.slow

# Ending the session would end the run; logging in is covered by the login tests.
SKIP = {("POST", "/api/auth/logout")}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory,
           tokens_for: Callable[[TestClient, Path], dict[str, str]]
           ) -> Iterator[tuple[TestClient, str]]:
    from renkou.registry.synth import build_demo_store

    db = tmp_path_factory.mktemp("fuzz") / "store.duckdb"
    build_demo_store(db, 1_500, 4)
    app = create_app(Settings(env="test", db_path=db))
    app.state.login_limit = RateLimit(100_000, 60.0)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c, tokens_for(c, db)["admin"]


def _value(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    options = schema.get("anyOf")
    if options:
        return st.one_of(*[_value(o) for o in options])
    if "enum" in schema:
        return st.sampled_from(schema["enum"]) | st.text(max_size=8)
    kind = schema.get("type")
    if kind == "integer":
        return st.integers(-10**6, 10**6) | st.sampled_from([2020, 2021, 2024, 2030])
    if kind == "null":
        return st.none()
    if schema.get("format") == "date":
        return st.dates().map(str) | st.text(max_size=12)
    return st.text(max_size=24) | st.sampled_from(["120111", "120000", "500000", "1201110",
                                                   "tianjin-14th", "'; DROP TABLE x; --"])


def _operations() -> list[tuple[str, str]]:
    app = create_app(Settings(env="test"))
    spec = app.openapi()
    return sorted((m.upper(), p) for p, ops in spec["paths"].items() for m in ops
                  if (m.upper(), p) not in SKIP)


@pytest.mark.parametrize("op", _operations(), ids=lambda op: f"{op[0]} {op[1]}")
def test_no_server_errors(op: tuple[str, str], served: tuple[TestClient, str]) -> None:
    client, token = served
    spec = client.app.openapi()  # type: ignore[attr-defined]
    method, path = op
    operation = spec["paths"][path][method.lower()]
    params = operation.get("parameters", [])
    body_schema = None
    # A multipart body (an uploaded file) is not generated: the call without it must still
    # be answered without a server error.
    json_body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if json_body is not None:
        ref = json_body["schema"]["$ref"]
        body_schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]

    query = st.fixed_dictionaries({}, optional={
        p["name"]: _value(p["schema"]) for p in params if p["in"] == "query"})
    path_values = st.fixed_dictionaries({
        p["name"]: st.text(min_size=1, max_size=12) for p in params if p["in"] == "path"})
    body = (st.fixed_dictionaries({k: _value(v) for k, v in
                                   body_schema.get("properties", {}).items()})
            | st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3)
            if body_schema else st.none())

    @settings(max_examples=25, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(query, path_values, body)
    def call(q: dict[str, Any], pv: dict[str, str], b: Any) -> None:
        url = path.format(**{k: quote(v, safe="") for k, v in pv.items()})
        r = client.request(method, url, params={k: v for k, v in q.items() if v is not None},
                           json=b, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code < 500, (url, q, b, r.text)
        if r.status_code >= 400:
            assert r.headers["content-type"].startswith("application/problem+json")
            assert "Traceback" not in r.text

    call()
