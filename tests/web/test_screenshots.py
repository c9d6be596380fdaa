"""The page in a real browser on a Tianjin, a Chongqing and a Xiqing store, after logging in
through the page's form: the header names
the store's jurisdiction, the areas are drawn (map, or bar chart where no shapes ship), the plan
table is filled, nothing is fetched from outside the machine, and a screenshot of each is kept
in test-artifacts/screenshots/."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from renkou.api.app import create_app
from renkou.jurisdictions import get_jurisdiction
from renkou.settings import Settings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PERSONS = 3_000
SEED = 5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("web-stores")


def _store(data_dir: Path, key: str) -> Path:
    from renkou.app.accounts import ensure_demo_accounts
    from renkou.app.demo import build_demo

    db = build_demo(data_dir, jurisdiction=key, persons=PERSONS, seed=SEED)
    ensure_demo_accounts(db, production=False)
    return db


def _log_in(page: Any, db: Path, role: str) -> None:
    """Sign in through the page's login form as the store's demo account of ``role``."""
    from renkou.app.accounts import demo_logins
    from renkou.registry import Registry

    with Registry(db, read_only=True) as registry:
        d = next(x for x in demo_logins(registry) if x.role == role)
    page.wait_for_selector("#login-form", state="visible", timeout=30_000)
    page.fill("#login-user", d.username)
    page.fill("#login-pass", d.password)
    page.click("#login-submit")
    page.wait_for_selector("#who", state="visible", timeout=30_000)
    assert not page.is_visible("#login")


class _Server:
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

    def __enter__(self) -> _Server:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    # A missing browser is a failure, not a skip: the page is part of the product.
    assert CHROMIUM.is_file(), (f"找不到 {CHROMIUM}：请安装 Debian 的 chromium 与 "
                                "fonts-wqy-microhei（make system-deps）")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.mark.parametrize("key", ["tianjin", "chongqing", "xiqing"])
def test_page_of_each_jurisdiction(key: str, data_dir: Path, browser: object) -> None:
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    j = get_jurisdiction(key)
    db = _store(data_dir, key)
    with _Server(db) as server:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        requests: list[str] = []
        errors: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server.base + "/")
        _log_in(page, db, "admin")
        page.wait_for_selector("#cards .card", timeout=60_000)
        assert page.inner_text("#title") == f"{j.name}人口发展监测"
        # The area chart holds one entry per area of the jurisdiction: a choropleth where
        # the jurisdiction ships shapes, a bar chart where it does not.
        kind = "map" if j.map_file else "bar"
        drawn = page.wait_for_function(
            """kind => {
                 const c = echarts.getInstanceByDom(document.getElementById("map"));
                 const s = c && c.getOption().series;
                 return s && s.length && s[0].type === kind ? s[0].data.length : 0;
               }""", arg=kind, timeout=60_000).json_value()
        assert drawn == len(j.areas)
        if j.map_file:
            # Every area found its shape (the map's regions carry the areas' names).
            named = page.evaluate(
                "key => echarts.getMap(key).geoJSON.features.map(f => f.properties.name)",
                j.key)
            assert sorted(named) == sorted(a.name for a in j.areas)
        assert page.is_visible("#demo-badge")  # synthetic store
        # 公共服务: coverage of the chosen service for every area, drawn as the areas are,
        # and the ranking of shortages beside it.
        covered = page.wait_for_function(
            """kind => {
                 const c = echarts.getInstanceByDom(document.getElementById("services-chart"));
                 const o = c && c.getOption();  // none until the gaps have come
                 const s = o && o.series;
                 return s && s.length && s[0].type === kind ? s[0].data.length : 0;
               }""", arg=kind, timeout=60_000).json_value()
        assert covered == len(j.areas)
        assert page.locator("#service option").count() > 0
        page.wait_for_selector("#services-table table.assess", timeout=60_000)
        # Impact: an example's baseline and scenario, one point a year each.
        from renkou.app.impact import examples_for

        if examples_for(key):
            page.wait_for_selector("#impact-example option", state="attached",
                                   timeout=60_000)
            page.click("#impact-run")
            page.wait_for_selector("#impact-result p:not(.loading)", timeout=120_000)
            lines = page.evaluate(
                """() => echarts.getInstanceByDom(document.getElementById("impact-chart"))
                     .getOption().series.map(s => s.data.length)""")
            assert len(lines) == 2 and lines[0] == lines[1] > 0
        # The plan table (assessment with projections) of the jurisdiction's own plan.
        page.wait_for_selector("#assessment table.assess", timeout=600_000)
        assert page.input_value("#plan") == j.plans[0]
        # Demo reported values say so beside the value.
        assert page.locator("#assessment td .demo-tag").count() > 0
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{key}.png"), full_page=True)
        page.close()
    outside = [u for u in requests if not u.startswith(server.base)]
    assert not outside, outside
    assert not errors, errors


# What each role sees first: counts for the roles that may read them, the plan table for a
# department, the audit log for the auditor.
FIRST_VIEW = {
    "planner": "#cards .card", "statistician": "#cards .card", "district": "#cards .card",
    "department": "#assessment table.assess", "auditor": "#audit table.audit",
}


def test_each_role_logs_in_and_sees_its_view(data_dir: Path, browser: object) -> None:
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    db = _store(data_dir, "tianjin")
    with _Server(db) as server:
        for role, selector in FIRST_VIEW.items():
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            errors: list[str] = []
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            # A content-security-policy violation is reported on the console.
            page.on("console", lambda m, errors=errors: errors.append(m.text)
                    if m.type == "error" and "Content Security Policy" in m.text else None)
            page.goto(server.base + "/")
            _log_in(page, db, role)
            page.wait_for_selector(selector, timeout=600_000)
            shown = {p: page.is_visible(p) for p in ("#pyramid-panel", "#audit-panel")}
            assert shown["#pyramid-panel"] == (role in ("planner", "statistician", "district"))
            assert shown["#audit-panel"] == (role == "auditor")
            assert page.is_visible("#controls") == shown["#pyramid-panel"]
            if shown["#pyramid-panel"]:  # the roles with the services scope
                page.wait_for_selector("#services-panel", state="visible", timeout=60_000)
            else:
                assert not page.is_visible("#services-panel")
            if shown["#pyramid-panel"]:
                # A 3,000-person city has small cells: marked for roles below statistician.
                page.wait_for_selector("#pyramid-title:has-text('常住人口')", timeout=60_000)
                note = page.is_visible("#suppression-note")
                assert note == (role != "statistician"), role
                if note:
                    assert "统计披露控制" in page.inner_text("#suppression-note")
                    assert "%" in page.inner_text("#cards")  # shares from whole groups
            if role == "district":
                # Its own district: the region list holds it and its 街镇 only.
                me = page.evaluate("state.me")
                codes = page.eval_on_selector_all("#region option", "os => os.map(o => o.value)")
                assert codes[0] == me["district"]
                assert all(c.startswith(me["district"]) for c in codes)
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"tianjin-{role}.png"), full_page=True)
            # Logging out returns to the form.
            page.click("#logout")
            page.wait_for_selector("#login-form", state="visible", timeout=30_000)
            page.close()
            assert not errors, (role, errors)


def test_api_docs_render_in_the_browser_without_network(data_dir: Path,
                                                        browser: object) -> None:
    """Swagger UI and ReDoc draw the operations from files the package ships, under the
    page's content security policy, fetching nothing from outside."""
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    db = _store(data_dir, "tianjin")
    with _Server(db) as server:
        for path, drawn in (("/api/docs", ".swagger-ui .opblock"),
                            ("/api/redoc", "[data-section-id^='tag/']")):
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            requests: list[str] = []
            problems: list[str] = []
            page.on("request", lambda r, requests=requests: requests.append(r.url))
            page.on("pageerror", lambda e, problems=problems: problems.append(str(e)))
            page.on("console", lambda m, problems=problems: problems.append(m.text)
                    if m.type == "error" else None)
            failed: dict[str, str] = {}
            page.on("requestfailed", lambda r, failed=failed: failed.__setitem__(
                r.url, str(r.failure)))
            page.goto(server.base + path)
            page.wait_for_selector(drawn, timeout=60_000)
            assert "/api/population/pyramid" in page.content()
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"api{path.replace('/', '-')}.png"))
            page.close()
            # ReDoc's sidebar names its maker with an image from its own site: the page's
            # policy blocks it in the browser, so it never leaves the machine.
            outside = [u for u in requests if not u.startswith((server.base, "blob:", "data:"))]
            assert all(failed.get(u) == "csp" for u in outside), (path, outside, failed)
            problems = [p for p in problems if not any(u in p for u in outside)]
            assert not problems, (path, problems)
