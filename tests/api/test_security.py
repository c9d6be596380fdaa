"""Login (token and cookie), CSRF, lockout, rate limit and logout; security headers, no
inline script; errors as problem+json without traces, SQL or submitted values; the body
size limit; pagination; the audit log's API; API documentation from local files."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from renkou.api.app import create_app
from renkou.app.accounts import DemoLogin, ensure_demo_accounts
from renkou.auth.accounts import MAX_FAILURES
from renkou.auth.sessions import RateLimit
from renkou.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from renkou.registry.synth import build_demo_store

    db = tmp_path_factory.mktemp("security") / "store.duckdb"
    build_demo_store(db, 2_000, 3)
    return db


@pytest.fixture(scope="module")
def logins(store: Path) -> dict[str, DemoLogin]:
    return {d.role.value: d for d in ensure_demo_accounts(store, production=False)}


@pytest.fixture
def client(store: Path) -> Iterator[TestClient]:
    app = create_app(Settings(env="test", db_path=store))
    app.state.login_limit = RateLimit(1_000, 60.0)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _login(client: TestClient, d: DemoLogin) -> dict[str, object]:
    r = client.post("/api/auth/login", json={"username": d.username, "password": d.password})
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def test_login_gives_a_bearer_token_and_a_strict_httponly_cookie(
        client: TestClient, logins: dict[str, DemoLogin]) -> None:
    body = _login(client, logins["planner"])
    assert set(body) == {"access_token", "token_type"} and body["token_type"] == "bearer"
    cookies = client.cookies
    assert cookies.get("renkou_session") == body["access_token"]
    set_cookie = ";".join(v for k, v in client.post(
        "/api/auth/login", json={"username": logins["planner"].username,
                                 "password": logins["planner"].password}).headers.multi_items()
        if k == "set-cookie")
    session_cookie = next(c for c in set_cookie.split(",") if "renkou_session=" in c)
    assert "HttpOnly" in session_cookie and "SameSite=strict" in session_cookie
    # The bearer token alone, without cookies, opens the API.
    client.cookies.clear()
    assert client.get("/api/meta").status_code == 401
    h = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.get("/api/meta", headers=h).status_code == 200
    assert client.get("/api/meta", headers={"Authorization": "Bearer forged"}).status_code == 401


def test_cookie_session_needs_the_csrf_token_to_change_anything(
        client: TestClient, logins: dict[str, DemoLogin]) -> None:
    _login(client, logins["planner"])
    assert client.get("/api/meta").status_code == 200  # reading needs no CSRF token
    body = {"number": "11010519491231002X"}
    refused = client.post("/api/ids/check", json=body)
    assert refused.status_code == 403 and "CSRF" in refused.json()["message"]
    wrong = client.post("/api/ids/check", json=body, headers={"X-CSRF-Token": "x" * 32})
    assert wrong.status_code == 403
    csrf = client.cookies.get("renkou_csrf")
    assert csrf and client.get("/api/auth/me").json()["csrf_token"] == csrf
    assert client.post("/api/ids/check", json=body,
                       headers={"X-CSRF-Token": csrf}).status_code == 200


def test_lockout_after_repeated_failures_and_one_answer_for_all(
        store: Path, client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from renkou.app.accounts import add_user, reset_password

    add_user(store, "zhou", "planner", "Suo-Ding#2026x")
    unknown = client.post("/api/auth/login", json={"username": "nobody", "password": "x"})
    messages = {unknown.json()["message"]}
    for _ in range(MAX_FAILURES):
        r = client.post("/api/auth/login", json={"username": "zhou", "password": "wrong"})
        assert r.status_code == 401
        messages.add(r.json()["message"])
    locked = client.post("/api/auth/login",
                         json={"username": "zhou", "password": "Suo-Ding#2026x"})
    assert locked.status_code == 401
    messages.add(locked.json()["message"])
    assert len(messages) == 1  # unknown, wrong and locked read the same
    reset_password(store, "zhou", "Jie-Kai#2026y")  # an administrator lifts the lock
    assert client.post("/api/auth/login", json={"username": "zhou",
                                                "password": "Jie-Kai#2026y"}).status_code == 200


def test_login_rate_limit(store: Path) -> None:
    app = create_app(Settings(env="test", db_path=store))
    app.state.login_limit = RateLimit(3, 60.0)
    with TestClient(app) as c:
        codes = [c.post("/api/auth/login", json={"username": "nobody", "password": "x"}
                        ).status_code for _ in range(4)]
        last = c.post("/api/auth/login", json={"username": "nobody", "password": "x"})
    assert codes == [401, 401, 401, 429]
    assert last.status_code == 429 and last.headers["retry-after"] == "60"


def test_logout_ends_the_session(client: TestClient, logins: dict[str, DemoLogin]) -> None:
    token = _login(client, logins["statistician"])["access_token"]
    client.cookies.clear()
    h = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/auth/logout", headers=h).status_code == 204
    assert client.get("/api/meta", headers=h).status_code == 401


def test_security_headers_everywhere(client: TestClient) -> None:
    for path in ("/", "/api/meta", "/static/app.js", "/api/docs"):
        r = client.get(path)
        assert r.headers["x-content-type-options"] == "nosniff", path
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp, path
        script = re.search(r"script-src ([^;]+)", csp)
        assert script and script.group(1).strip() == "'self'", path
    assert client.get("/api/meta").headers["cache-control"] == "no-store"


def test_page_has_no_inline_script_or_style() -> None:
    static = Path(str(resources.files("renkou").joinpath("web/static")))
    html = (static / "index.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts and all('src="' in attrs and not body.strip() for attrs, body in scripts)
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers


def test_api_docs_render_from_local_files(client: TestClient) -> None:
    for path in ("/api/docs", "/api/redoc"):
        html = client.get(path).text
        refs = re.findall(r'(?:src|href|spec-url)="([^"]+)"', html)
        assert refs and all(ref.startswith("/") for ref in refs), (path, refs)
        assert "<script>" not in html  # start-up code from a file, not inline
        for ref in refs:
            assert client.get(ref).status_code in (200, 401), ref
    assert client.get("/api/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/api/docs-assets/redoc.standalone.js").status_code == 200
    assert client.get("/static/swagger-init.js").status_code == 200
    assert client.get("/api/openapi.json").json()["info"]["title"].startswith("renkou")


def test_errors_are_problems_without_internals(client: TestClient, logins: dict[str, DemoLogin],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    h = {"Authorization": f"Bearer {_login(client, logins['admin'])['access_token']}"}
    client.cookies.clear()
    missing = client.get("/api/regions/999999", headers=h)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["status"] == 404 and missing.json()["title"] == "未找到"
    # A bad value is named by field and rule, never echoed (it may be an ID number).
    number = "11010519491231002X"
    bad = client.get("/api/population/pyramid", params={"region": number}, headers=h)
    assert bad.status_code == 422 and number not in bad.text
    assert bad.json()["errors"] == [{"field": "query.region", "problem": "格式不符"}]

    from renkou.app import population
    from renkou.errors import StoreError

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("SELECT secret FROM persons")

    monkeypatch.setattr(population, "pyramid", broken)
    r = client.get("/api/population/pyramid", headers=h)
    assert r.status_code == 500 and r.headers["content-type"] == "application/problem+json"
    assert "SELECT" not in r.text and "Traceback" not in r.text and "persons" not in r.text

    def store_failed(*_: object, **__: object) -> None:
        raise StoreError("读取失败：Catalog Error: Table with name persons does not exist")

    monkeypatch.setattr(population, "pyramid", store_failed)
    r = client.get("/api/population/pyramid", headers=h)
    assert r.status_code == 503 and "Catalog" not in r.text and "读取失败" in r.text


def test_request_body_limit(client: TestClient, logins: dict[str, DemoLogin]) -> None:
    h = {"Authorization": f"Bearer {_login(client, logins['admin'])['access_token']}",
         "Content-Type": "application/json"}
    client.cookies.clear()
    big = client.post("/api/ids/check", content=b" " * (2 << 20), headers=h)
    assert big.status_code == 413 and big.headers["content-type"] == "application/problem+json"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        for _ in range(30):
            yield b" " * 100_000

    assert client.post("/api/ids/check", content=chunks(), headers=h).status_code == 413


def test_pagination(client: TestClient, logins: dict[str, DemoLogin]) -> None:
    h = {"Authorization": f"Bearer {_login(client, logins['planner'])['access_token']}"}
    client.cookies.clear()
    everything = client.get("/api/regions", headers=h)
    page = client.get("/api/regions", params={"limit": 5, "offset": 2}, headers=h)
    total = int(everything.headers["x-total-count"])
    assert total == len(everything.json()) == int(page.headers["x-total-count"]) > 7
    assert page.json() == everything.json()[2:7]
    assert client.get("/api/regions", params={"limit": 0}, headers=h).status_code == 422


def test_audit_api_for_the_auditor(client: TestClient, logins: dict[str, DemoLogin],
                                   signer: Callable[..., TestClient]) -> None:
    client.post("/api/auth/login", json={"username": logins["planner"].username,
                                         "password": "not-the-password"})
    h = {"Authorization": f"Bearer {_login(client, logins['auditor'])['access_token']}"}
    client.cookies.clear()
    rows = client.get("/api/audit", params={"action": "login"}, headers=h).json()
    assert rows[0]["actor"] == logins["auditor"].username and rows[0]["outcome"] == "ok"
    failed = next(r for r in rows if r["outcome"] == "failed")
    assert failed["actor"] == logins["planner"].username and "password" in failed["detail"]
    again = client.get("/api/audit", params={"limit": 1}, headers=h).json()
    assert again[0]["action"] == "audit.read"  # reading the log is itself recorded


def test_logins_do_not_make_the_dashboard_read_the_store_again(
        store: Path, client: TestClient, logins: dict[str, DemoLogin],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A login writes the audit log into the store file; the population data are the same,
    so the cached summary (and the plan assessments beside it) stay."""
    from renkou.app import dashboard

    calls: list[object] = []
    real = dashboard.describe
    monkeypatch.setattr(dashboard, "describe", lambda r: calls.append(r) or real(r))
    _login(client, logins["planner"])
    assert client.get("/api/meta").status_code == 200
    before = store.stat().st_mtime_ns
    for _ in range(2):
        _login(client, logins["planner"])
        assert client.get("/api/meta").status_code == 200
    assert store.stat().st_mtime_ns != before  # the file did change
    assert len(calls) == 1
    # A change from outside the server (an ingest, another process) is read afresh.
    import subprocess
    import sys

    subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                    "from renkou.app.audit import record_at; "
                    "record_at(Path(sys.argv[1]), actor='cli', role='', action='test')",
                    str(store)], check=True, timeout=120)
    # The previous summary answers at once while the new one is made beside it.
    assert client.get("/api/meta").status_code == 200
    import time

    deadline = time.monotonic() + 60
    while len(calls) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(calls) == 2


def test_disabling_an_account_ends_its_sessions(store: Path, client: TestClient,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from renkou.app.accounts import add_user, disable_user, reset_password
    from renkou.auth import sessions

    monkeypatch.setattr(sessions, "RECHECK_SECONDS", -1)  # re-read the account every time
    add_user(store, "qian", "statistician", "Tong-Ji#2026z")
    token = client.post("/api/auth/login", json={"username": "qian",
                                                 "password": "Tong-Ji#2026z"}).json()
    client.cookies.clear()
    h = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.get("/api/meta", headers=h).status_code == 200
    reset_password(store, "qian", "Xin-Kou#2026w")  # a new password ends old sessions
    assert client.get("/api/meta", headers=h).status_code == 401
    token = client.post("/api/auth/login", json={"username": "qian",
                                                 "password": "Xin-Kou#2026w"}).json()
    client.cookies.clear()
    h = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.get("/api/meta", headers=h).status_code == 200
    disable_user(store, "qian")
    assert client.get("/api/meta", headers=h).status_code == 401


def test_an_id_number_typed_anywhere_is_never_echoed(store: Path, client: TestClient,
                                                     logins: dict[str, DemoLogin]) -> None:
    """Typed as a user name it reaches the audit log masked; quoted in an error it is
    answered masked."""
    from renkou.app.audit import read_entries

    number = "11010519491231002X"
    r = client.post("/api/auth/login", json={"username": number, "password": "x"})
    assert r.status_code == 401 and number not in r.text
    assert read_entries(store)[0].actor == "110105********002X"
    h = {"Authorization": f"Bearer {_login(client, logins['admin'])['access_token']}"}
    client.cookies.clear()
    missing = client.get(f"/api/regions/{number}", headers=h)
    assert missing.status_code == 404 and number not in missing.text


def test_administrators_manage_accounts_through_the_api(
        store: Path, client: TestClient, logins: dict[str, DemoLogin]) -> None:
    """With the cookie session of the page: CSRF token required; the change is audited
    under the administrator's name, and a disabled user's sessions end at once."""
    from renkou.app.audit import read_entries

    _login(client, logins["admin"])
    csrf = {"X-CSRF-Token": client.cookies.get("renkou_csrf") or ""}
    body = {"username": "sun", "role": "district", "district": "120111",
            "password": "Qu-Ji#2026sun"}
    assert client.post("/api/users", json=body).status_code == 403  # no CSRF token
    weak = client.post("/api/users", json={**body, "password": "weak"}, headers=csrf)
    assert weak.status_code == 422 and "口令不符合要求" in weak.json()["message"]
    body["password"] = "Qu-Ji#2026abc"
    made = client.post("/api/users", json=body, headers=csrf)
    assert made.status_code == 201, made.text
    assert made.json()["district"] == "120111" and "password" not in made.text
    listed = client.get("/api/users").json()
    assert "sun" in {u["username"] for u in listed} and "argon2" not in str(listed)

    other = TestClient(client.app)
    token = other.post("/api/auth/login", json={"username": "sun",
                                                "password": "Qu-Ji#2026abc"}).json()
    h = {"Authorization": f"Bearer {token['access_token']}"}
    assert other.get("/api/meta", headers=h).status_code == 200
    assert client.post("/api/users/sun/disable", headers=csrf).json()["disabled"] is True
    assert other.get("/api/meta", headers=h).status_code == 401
    entry = next(e for e in read_entries(store) if e.action == "user.disable")
    assert (entry.actor, entry.role, entry.target) == (logins["admin"].username, "admin", "sun")


def test_production_sends_hsts_and_secure_cookies(store: Path,
                                                 logins: dict[str, DemoLogin]) -> None:
    app = create_app(Settings(env="test", db_path=store))
    with TestClient(app) as c:
        assert "strict-transport-security" not in c.get("/").headers
    from renkou.app.accounts import add_user

    add_user(store, "zheng", "planner", "Sheng-Chan#2026p")
    prod = create_app(Settings(env="production", db_path=store))
    with TestClient(prod, base_url="https://testserver") as c:
        assert c.get("/").headers["strict-transport-security"].startswith("max-age=")
        r = c.post("/api/auth/login", json={"username": "zheng", "password": "Sheng-Chan#2026p"})
        assert r.status_code == 200, r.text
        cookies = [v for k, v in r.headers.multi_items() if k == "set-cookie"]
        assert len(cookies) == 2 and all("Secure" in v for v in cookies)
        # Demo accounts do not open in production.
        admin = logins["admin"]
        demo = c.post("/api/auth/login", json={"username": admin.username,
                                               "password": admin.password})
        assert demo.status_code == 401
