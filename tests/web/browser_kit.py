"""Helpers of the browser tests: Debian's Chromium driven by Playwright, a uvicorn server on
a free localhost port over a small demo store, login through the page's form as the store's
demo account of a role, and screenshots kept in test-artifacts/screenshots/."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn

from renkou.api.app import create_app
from renkou.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PERSONS = 3_000
SEED = 5
# The two screens the page is laid out for.
SMALL = {"width": 1366, "height": 768}
LARGE = {"width": 1920, "height": 1080}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# The demo accounts of each built store, read before any server holds the store (a served
# store is one DuckDB instance inside the server; the test process opens it no more).
_LOGINS: dict[Path, dict[str, tuple[str, str]]] = {}


def build_store(data_dir: Path, key: str) -> Path:
    from renkou.app.accounts import demo_logins, ensure_demo_accounts
    from renkou.app.demo import build_demo
    from renkou.registry import Registry

    db = build_demo(data_dir, jurisdiction=key, persons=PERSONS, seed=SEED)
    ensure_demo_accounts(db, production=False)
    with Registry(db, read_only=True) as registry:
        _LOGINS[db] = {d.role: (d.username, d.password) for d in demo_logins(registry)}
    return db


def store_copy(src: Path, folder: Path) -> Path:
    """A copy of a built store (its accounts and key file with it) whose demo logins are the
    original's: for a module whose tests write, so that no other module sees its writes."""
    from renkou.app.stores import copy_store

    db = copy_store(src, folder / src.name)
    _LOGINS[db] = _LOGINS[src]
    return db


def password_of(db: Path, role: str) -> tuple[str, str]:
    return _LOGINS[db][role]


def log_in(page: Any, db: Path, role: str) -> None:
    """Sign in through the page's login form as the store's demo account of ``role``. The
    server allows ten login attempts a minute from one address and the tests log in often
    from 127.0.0.1: when the form says so, wait out the minute and sign in again."""
    username, password = password_of(db, role)
    for _ in range(3):
        page.wait_for_selector("#login-form", state="visible", timeout=30_000)
        page.fill("#login-user", username)
        page.fill("#login-pass", password)
        page.click("#login-submit")
        page.wait_for_selector("#who:not([hidden]), #login-error:not([hidden])",
                               timeout=30_000)
        if page.is_visible("#who"):
            break
        message = page.inner_text("#login-error")
        assert "频繁" in message, message
        time.sleep(61)
    page.wait_for_selector("#who", state="visible", timeout=30_000)
    page.wait_for_selector("#nav a", timeout=30_000)
    assert not page.is_visible("#login")


def log_out(page: Any) -> None:
    """Sign out and wait for the page that signing out reloads: a request of the old page
    answered 401 shows the login form before the reload, and a test that went on at that
    moment would lose what it did next to the reload."""
    page.evaluate("window.__signedIn = true")
    page.click("#logout")
    page.wait_for_function("() => !window.__signedIn && document.readyState === 'complete'",
                           timeout=30_000)
    page.wait_for_selector("#login-form", state="visible", timeout=30_000)


def screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


class Server:
    """uvicorn on a free localhost port in a thread."""

    def __init__(self, db: Path) -> None:
        self.port = _free_port()
        app = create_app(Settings(env="test", db_path=db))
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


class Watch:
    """What a page did wrong: script errors, content-security-policy violations and
    requests that left the machine."""

    def __init__(self, page: Any, base: str) -> None:
        self.base = base
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", lambda m: self.errors.append(m.text)
                if m.type == "error" and "Content Security Policy" in m.text else None)
        page.on("request", lambda r: self.requests.append(r.url))

    def check(self) -> None:
        outside = [u for u in self.requests
                   if not u.startswith((self.base, "data:", "blob:"))]
        assert not outside, outside
        assert not self.errors, self.errors
