"""Every page in a real browser on a Tianjin, a Chongqing and a Xiqing store, and what each
role sees: the header names the store's jurisdiction, the navigation offers only the pages
the role's scopes allow, the areas are drawn (map, or bar chart where no shapes ship), the
plan board and the service gaps are filled, nothing is fetched from outside the machine, no
content-security-policy violation; screenshots at 1366×768 and 1920 wide."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_kit import LARGE, SMALL, Server, Watch, log_in, log_out, screenshot

from renkou.auth.roles import SCOPES, Role
from renkou.jurisdictions import get_jurisdiction

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

# The pages of the navigation and the scopes that offer each (any one of them).
PAGES = {
    "总览": {"meta"}, "人口结构": {"population"}, "预测": {"projections", "services"},
    "指标监测": {"plans"}, "任务分工": {"tasks"}, "政策测算": {"rules"},
    "公共服务": {"services"}, "数据管理": {"uploads", "quality"}, "报告": {"reports"},
    "系统管理": {"users", "audit"},
}


def expected_nav(role: Role) -> list[str]:
    scopes = {s.value for s in SCOPES[role]}
    return [label for label, needs in PAGES.items() if needs & scopes]


def nav(page: Any) -> list[str]:
    labels: list[str] = page.eval_on_selector_all("#nav a", "as => as.map(a => a.textContent)")
    return labels


def series(page: Any, element: str, kind: str) -> int:
    """Entries of the first series of the chart in ``element`` once it is of ``kind``."""
    n: int = page.wait_for_function(
        """([id, kind]) => {
             const el = document.getElementById(id);
             const c = el && echarts.getInstanceByDom(el);
             const o = c && c.getOption();
             const s = o && o.series;
             return s && s.length && s[0].type === kind ? s[0].data.length : 0;
           }""", arg=[element, kind], timeout=120_000).json_value()
    return n


@pytest.mark.parametrize("key", ["tianjin", "chongqing", "xiqing"])
def test_pages_of_each_jurisdiction(key: str, stores: dict[str, Path], browser: Any) -> None:
    j = get_jurisdiction(key)
    db = stores[key]
    kind = "map" if j.map_file else "bar"
    with Server(db) as server:
        for size, viewport in (("1366", SMALL), ("1920", LARGE)):
            page = browser.new_page(locale="zh-CN", viewport=viewport)
            watch = Watch(page, server.base)
            page.goto(server.base + "/")
            log_in(page, db, "admin")
            page.wait_for_selector("#ov-cards .card", timeout=60_000)
            assert page.inner_text("#title") == f"{j.name}人口发展监测"
            assert nav(page) == expected_nav(Role.admin)
            assert page.is_visible("#demo-badge")  # synthetic store
            # Key indicators against targets, and the warnings beside them.
            page.wait_for_selector("#ov-targets table", timeout=600_000)
            page.wait_for_selector("#ov-warnings table, #ov-warnings .ok-note", timeout=60_000)
            screenshot(page, f"{key}-overview-{size}")

            # 人口结构: one entry per area of the jurisdiction on the map (or bars).
            page.click("#nav a[data-page=structure]")
            assert series(page, "st-map", kind) == len(j.areas)
            if j.map_file:
                named = page.evaluate(
                    "key => echarts.getMap(key).geoJSON.features.map(f => f.properties.name)",
                    j.key)
                assert sorted(named) == sorted(a.name for a in j.areas)
            assert series(page, "st-pyramid", "bar") == 101
            page.wait_for_selector("#st-sep-table table", timeout=60_000)
            screenshot(page, f"{key}-structure-{size}")

            # 公共服务: coverage of the chosen service for every area, and the ranking.
            page.click("#nav a[data-page=services]")
            assert series(page, "sv-chart", kind) == len(j.areas)
            assert page.locator("#sv-service option").count() > 0
            page.wait_for_selector("#sv-table table", timeout=60_000)
            screenshot(page, f"{key}-services-{size}")

            # 指标监测: the jurisdiction's own plan; demo reported values say so.
            page.click("#nav a[data-page=indicators]")
            page.wait_for_selector("#in-board table.assess", timeout=600_000)
            assert page.input_value("#in-plan") == j.plans[0]
            assert page.locator("#in-board td .demo-tag").count() > 0
            screenshot(page, f"{key}-indicators-{size}")
            page.close()
            watch.check()


def test_service_gaps_of_a_projected_year_at_street_level(stores: dict[str, Path],
                                                         browser: Any) -> None:
    """The gaps of a year of the baseline projection, by 街镇: a bar chart of the lowest
    coverage and the ranking of shortages, largest first."""
    j = get_jurisdiction("tianjin")
    db = stores["tianjin"]
    with Server(db) as server:
        page = browser.new_page(locale="zh-CN", viewport=SMALL)
        watch = Watch(page, server.base)
        page.goto(server.base + "/#/services")
        log_in(page, db, "planner")
        page.wait_for_selector("#sv-table table", timeout=120_000)
        page.select_option("#sv-level", "street")
        assert 0 < series(page, "sv-chart", "bar") <= 30
        page.select_option("#sv-year", "2030")
        page.wait_for_function(
            "() => document.getElementById('sv-chart-title').textContent.includes('2030')",
            timeout=300_000)
        gaps = page.eval_on_selector_all(
            "#sv-table tbody tr",
            "rs => rs.map(r => Number(r.cells[6].textContent.replace(/,/g, '')))")
        assert gaps == sorted(gaps, reverse=True)
        # Only areas short of the norm are ranked (shown to one decimal).
        assert gaps and all(g >= 0 for g in gaps)
        assert j.name in page.inner_text("#title")
        # Where to add three sites of 5 places to leave the least unmet demand.
        page.fill("#sv-budget", "3")
        page.fill("#sv-site", "5")
        page.click("#sv-alloc-run")
        page.wait_for_selector("#sv-alloc table", timeout=300_000)
        sites = page.eval_on_selector_all(
            "#sv-alloc tbody tr", "rs => rs.map(r => Number(r.cells[1].textContent))")
        assert 0 < sum(sites) <= 3
        assert "新增后" in page.inner_text("#sv-alloc")
        screenshot(page, "tianjin-services-street-2030")
        page.close()
        watch.check()


# What each role's overview shows: counts, the plan, tasks or the audit log.
OVERVIEW = {
    "admin": "#ov-cards .card", "planner": "#ov-targets table", "statistician": "#ov-cards .card",
    "department": "#ov-tasks table", "district": "#ov-cards .card", "auditor": "#ov-audit table",
}


def test_each_role_logs_in_and_sees_only_its_pages(tianjin: tuple[Path, Server],
                                                   browser: Any) -> None:
    db, server = tianjin
    for role in Role:
        page = browser.new_page(locale="zh-CN", viewport=SMALL)
        watch = Watch(page, server.base)
        page.goto(server.base + "/")
        log_in(page, db, role.value)
        assert nav(page) == expected_nav(role), role
        page.wait_for_selector(OVERVIEW[role.value], timeout=600_000)
        may_count = "population" in {s.value for s in SCOPES[role]}
        # Below statistician a 3,000-person city has suppressed cells: the page says so.
        if may_count:
            page.wait_for_selector("#ov-cards .card .v", timeout=60_000)
            suppressed = page.is_visible("#ov-suppression .scope-note")
            assert suppressed == (role not in (Role.admin, Role.statistician)), role
        assert page.is_visible("#ov-audit-panel") == (role is Role.auditor)
        screenshot(page, f"tianjin-{role.value}-overview")
        # A page outside the role's scopes is refused, not drawn.
        if "系统管理" not in expected_nav(role):
            page.goto(server.base + "/#/admin")
            page.wait_for_selector("#view .error", timeout=30_000)
            assert "无权" in page.inner_text("#view")
        if role is Role.district:
            # Its own district: the region list holds it and its 街镇 only.
            me = page.evaluate("renkou.state.me")
            page.goto(server.base + "/#/structure")
            page.wait_for_selector("#st-region option", state="attached", timeout=30_000)
            codes = page.eval_on_selector_all("#st-region option", "os => os.map(o => o.value)")
            assert codes[0] == me["district"]
            assert all(c.startswith(me["district"]) for c in codes)
            assert series(page, "st-map", "bar") == len(codes) - 1
            screenshot(page, "tianjin-district-structure")
        # Logging out returns to the form.
        log_out(page)
        page.close()
        watch.check()


def test_api_docs_render_in_the_browser_without_network(tianjin: tuple[Path, Server],
                                                        browser: Any) -> None:
    """Swagger UI and ReDoc draw the operations from files the package ships, under the
    page's content security policy, fetching nothing from outside."""
    _, server = tianjin
    for path, drawn in (("/api/docs", ".swagger-ui .opblock"),
                        ("/api/redoc", "[data-section-id^='tag/']")):
        page = browser.new_page(locale="zh-CN", viewport=SMALL)
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
        screenshot(page, f"api{path.replace('/', '-')}")
        page.close()
        # ReDoc's sidebar names its maker with an image from its own site: the page's
        # policy blocks it in the browser, so it never leaves the machine.
        outside = [u for u in requests if not u.startswith((server.base, "blob:", "data:"))]
        assert all(failed.get(u) == "csp" for u in outside), (path, outside, failed)
        problems = [p for p in problems if not any(u in p for u in outside)]
        assert not problems, (path, problems)
