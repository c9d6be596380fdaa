"""Schemathesis over the OpenAPI document the server itself publishes: every operation
(routes added later included, since the operations are read from /api/openapi.json) is
called with generated valid and invalid input by a signed-in administrator. No answer may be
a server error, every answer must conform to the document (status, content type, headers,
body schema), and no answer may carry a stack trace or SQL text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import CheckContext, not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from renkou.api.app import create_app, warm
from renkou.auth.sessions import RateLimit
from renkou.settings import Settings

pytestmark = pytest.mark.slow

# An administrator of the fuzzing's own, so that no generated user name (disable, reset a
# password) can end the session the run is signed in with.
FUZZ_ADMIN = "fuzz-admin-qx7"
FUZZ_PASSWORD = "Fuzz-Admin#2026q"
LOGOUT = ("POST", "/api/auth/logout")
MAX_EXAMPLES = 5
# Generous: a report or an assessment on two busy cores is slow, but it must answer.
REQUEST_TIMEOUT = 90.0

# What a leaked Python trace or SQL statement looks like in an answer.
LEAKS = re.compile(
    r"Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+|"
    r"\b(?:SELECT|INSERT\s+INTO|UPDATE|DELETE\s+FROM|CREATE\s+TABLE)\b.{0,80}\b"
    r"(?:FROM|VALUES|SET|WHERE|AS)\b|"
    r"(?:Catalog|Binder|Parser|Conversion|Constraint|Invalid Input|IO|Internal) Error:|"
    r"duckdb\.|sqlite3\.|psycopg|\w+Error: .*line \d+",
    re.DOTALL)


def _published_operations() -> Any:
    """The OpenAPI document as the application publishes it, read at collection so that
    each operation is a test of its own (the document does not depend on a store)."""
    app = create_app(Settings(env="test", db_path=Path("openapi-only.duckdb")))
    # Examples and random fuzzing, a few cases per operation; the coverage phase (every
    # boundary of every parameter) would take the run well past its two minutes.
    config = SchemathesisConfig.from_dict({
        "generation": {"max-examples": MAX_EXAMPLES, "mode": "all"},
        "phases": {"coverage": {"enabled": False}},
        "seed": 2026,
    })
    return schemathesis.openapi.from_dict(app.openapi(), config=config)


@dataclass
class Served:
    app: Any
    client: Any
    account: Any
    token: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    from schemathesis.python import asgi

    from renkou.app.accounts import add_user, list_users
    from renkou.registry.synth import build_demo_store

    db: Path = tmp_path_factory.mktemp("schemathesis") / "store.duckdb"
    build_demo_store(db, 2_000, 3)
    add_user(db, FUZZ_ADMIN, "admin", FUZZ_PASSWORD)
    app = create_app(Settings(env="test", db_path=db))
    # Generated logins are many; the lockout of an account is the login tests' concern.
    app.state.login_limit = RateLimit(1_000_000, 60.0)
    account = next(a for a in list_users(db) if a.username == FUZZ_ADMIN)
    warming = warm(app, db)  # the plan assessment, computed once before the run
    if warming is not None:
        warming.join()
    with asgi.get_client(app) as client:  # runs the application's lifespan
        yield Served(app, client, account, app.state.sessions.open(account)[0])
    asgi.shutdown_lifespans()


def no_leak(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """The answer (body and headers) holds no stack trace, no SQL and no file path of the
    interpreter."""
    kind = (response.headers.get("content-type") or [""])[0]
    textual = kind.startswith(("text/", "application/json", "application/problem+json"))
    # A downloaded Word or Excel file is binary: its text is not an answer of the server's.
    text = (response.text or "") if textual else ""
    headers = " ".join(f"{k}: {v}" for k, vs in response.headers.items() for v in vs)
    for part in (text, headers):
        found = LEAKS.search(part)
        if found:
            raise AssertionError(f"answer leaks internals: {found.group(0)[:120]!r}")
    return None


def problem_on_error(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every error answer is ``application/problem+json`` with a Chinese message."""
    if response.status_code < 400:
        return None
    kind = (response.headers.get("content-type") or [""])[0]
    assert kind.startswith("application/problem+json"), kind
    body = response.json()
    assert body["status"] == response.status_code
    assert re.search(r"[\u4e00-\u9fff]", body["detail"]), body["detail"]
    return None


# What the server answers is checked; how lenient it is with odd but parseable input
# (negative_data_rejection: "0" read as a date by pydantic) is the routes' own choice.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, no_leak,
          problem_on_error]

schema = _published_operations()


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_conforms(case: Case, served: Served) -> None:
    token = served.token
    if (case.method.upper(), case.path) == LOGOUT:
        # A throwaway session: logging out must not end the run's own.
        token = served.app.state.sessions.open(served.account)[0]
    case.call_and_validate(base_url="http://testserver", session=served.client,
                           headers={"Authorization": f"Bearer {token}"}, checks=CHECKS,
                           timeout=REQUEST_TIMEOUT)
