"""Page capabilities beyond the day's main workflows, against a served demo store: a
projection split into hukou and non-hukou residents by 街镇 and its reading by a district
account; the roles and departments of the 系统管理 user form from the API; suppressed cells
of caseloads and of an indicator's drill-down marked; the 政策测算 file evaluation and the
指标监测 template download. Screenshots at 1366×768."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_kit import SMALL, Watch, log_in, screenshot

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _series_names(page: Any, element: str) -> list[str]:
    names: list[str] = page.evaluate(
        """id => echarts.getInstanceByDom(document.getElementById(id)).getOption()
                 .series.map(s => s.name)""", element)
    return names


def test_hukou_split_projection_and_the_district_view(tianjin: tuple[Path, Any],
                                                      browser: Any) -> None:
    db, server = tianjin
    page = browser.new_page(locale="zh-CN", viewport=SMALL)
    watch = Watch(page, server.base)
    page.goto(server.base + "/#/forecast")
    log_in(page, db, "planner")
    page.wait_for_selector("#pj-form", timeout=60_000)
    base = int(page.input_value("#pj-asof")[:4])
    page.fill("#pj-to", str(base + 6))
    page.select_option("#pj-level", "street")
    page.select_option("#pj-variant", "plan")
    page.check("#pj-split")
    page.fill("#pj-traj", "")  # a deterministic run
    page.click("#pj-run")
    page.wait_for_selector("#pj-job .job[data-state=done]", timeout=600_000)
    page.wait_for_selector("#pj-split-table table", timeout=60_000)
    names = _series_names(page, "pj-fan")
    assert {"规划目标方案", "户籍常住人口", "非户籍常住人口"} <= set(names)
    assert "95% 区间" not in names  # no trajectories, no band
    assert "户籍人口占比" in page.inner_text("#pj-split-table")
    assert "规划目标方案" in page.inner_text("#pj-fan-title")
    assert "规划目标方案（" in page.inner_text("#pj-said")  # what of the plan was used
    screenshot(page, "capability-projection-split")
    # The hukou caliber cannot be split: the box is switched off with it.
    page.select_option("#pj-caliber", "hukou")
    assert page.is_disabled("#pj-split") and not page.is_checked("#pj-split")
    page.click("#logout")
    page.wait_for_selector("#login-form", state="visible", timeout=30_000)

    page.goto(server.base + "/#/forecast")
    log_in(page, db, "district")
    page.wait_for_selector("#ap-job option", state="attached", timeout=60_000)
    assert not page.query_selector("#pj-form")  # runs no projections itself
    page.wait_for_selector("#ap-streets table", timeout=60_000)
    assert set(_series_names(page, "ap-fan")) >= {"户籍常住人口", "非户籍常住人口"}
    title = page.inner_text("#ap-title")
    assert "西青区" in title, title
    rows = page.locator("#ap-streets tbody tr").count()
    assert rows > 1
    # The base year is the registry's count: a small store's small cells are marked.
    assert page.locator("#ap-streets .suppressed").count() > 0
    assert "统计披露控制" in page.inner_text("#ap-suppressed")
    screenshot(page, "capability-projection-district")
    page.close()
    watch.check()


def test_account_form_offers_the_servers_roles_departments_and_districts(
        tianjin: tuple[Path, Any], browser: Any) -> None:
    from renkou.auth.roles import ROLE_LABELS, Role

    db, server = tianjin
    page = browser.new_page(locale="zh-CN", viewport=SMALL)
    watch = Watch(page, server.base)
    page.goto(server.base + "/#/admin?tab=users")
    log_in(page, db, "admin")
    page.wait_for_selector("#ad-add", timeout=60_000)
    roles = page.eval_on_selector_all("#ad-role option", "os => os.map(o => o.value)")
    assert roles == [r.value for r in Role]
    # The form asks for what the chosen role is bound to.
    page.select_option("#ad-role", "department")
    assert page.is_enabled("#ad-dept") and page.is_disabled("#ad-district")
    assert "限本部门" in page.inner_text("#ad-role-note")
    assert page.locator("#ad-dept option[value=wjw]").count() == 1
    page.fill("#ad-name", "web-xq-wjw")
    page.select_option("#ad-dept", "xq-wjw")
    page.fill("#ad-pass", "Wei-Jian-Wei#2026x")
    screenshot(page, "capability-account-form")
    page.click("#ad-add button[type=submit]")
    page.wait_for_selector("#ad-users td:has-text('web-xq-wjw')", timeout=30_000)
    row = page.locator("#ad-users tr:has-text('web-xq-wjw')").inner_text()
    assert "区卫生健康委" in row
    page.select_option("#ad-role", "district")
    assert page.is_enabled("#ad-district") and page.is_disabled("#ad-dept")
    assert page.locator("#ad-district option").count() == 1 + 16  # Tianjin's 16 districts
    page.click(".tabs button[data-tab=roles]")
    page.wait_for_selector("#ad-roles table", timeout=30_000)
    text = page.inner_text("#ad-roles")
    assert all(ROLE_LABELS[r] in text for r in Role)
    assert "人口预测任务" in text and "限本区及其街镇" in text
    assert "卫健出生医学证明" in page.inner_text("#ad-depts")
    screenshot(page, "capability-roles")
    page.close()
    watch.check()
