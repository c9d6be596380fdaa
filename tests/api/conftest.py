"""Signing a test client in: every /api route but the login needs a session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from renkou.app.stores import copy_store


def sign_in(client: TestClient, db: Path, role: str = "admin") -> TestClient:
    """Create the demo accounts in ``db`` (if missing) and sign ``client`` in as the demo
    account of ``role`` with its bearer token (no cookie, so no CSRF token is needed)."""
    from renkou.app.accounts import ensure_demo_accounts

    login = next(d for d in ensure_demo_accounts(db, production=False) if d.role == role)
    r = client.post("/api/auth/login", json={"username": login.username,
                                             "password": login.password})
    assert r.status_code == 200, r.text
    client.cookies.clear()
    client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    return client


@pytest.fixture(scope="session")
def signer() -> Callable[..., TestClient]:
    """:func:`sign_in`, for module fixtures."""
    return sign_in


@pytest.fixture(scope="session")
def store_copier() -> Callable[[Path, Path], Path]:
    """:func:`copy_store`, for module fixtures."""
    return copy_store


def role_tokens(client: TestClient, db: Path) -> dict[str, str]:
    """A session of each demo account, opened in the app directly (no login round trip, so
    neither the rate limit nor argon2 slows a test that needs every role)."""
    from renkou.app.accounts import ensure_demo_accounts, list_users

    ensure_demo_accounts(db, production=False)
    sessions = client.app.state.sessions  # type: ignore[attr-defined]
    return {a.role: sessions.open(a)[0] for a in list_users(db) if a.demo}


@pytest.fixture(scope="session")
def tokens_for() -> Callable[[TestClient, Path], dict[str, str]]:
    """:func:`role_tokens`, for module fixtures."""
    return role_tokens


@pytest.fixture(scope="module")
def city(city_store: Path, tmp_path_factory: pytest.TempPathFactory,
         store_copier: Callable[[Path, Path], Path],
         tokens_for: Callable[[TestClient, Path], dict[str, str]]
         ) -> Iterator[tuple[TestClient, dict[str, str], Path]]:
    """The shared city store served from a copy of this module's own (signing in writes
    accounts into the store), with a bearer token of each demo role."""
    from renkou.api.app import create_app
    from renkou.settings import Settings

    db = store_copier(city_store, tmp_path_factory.mktemp("api") / "city.duckdb")
    with TestClient(create_app(Settings(env="test", db_path=db))) as c:
        yield c, tokens_for(c, db), db
