"""Page capabilities beyond the day's main workflows, against a served demo store: a
projection split into hukou and non-hukou residents by 街镇 and its reading by a district
account; the roles and departments of the 系统管理 user form from the API; suppressed cells
of caseloads and of an indicator's drill-down marked; the 政策测算 file evaluation and the
指标监测 template download. Screenshots at 1366×768."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_kit import SMALL, Watch, log_in, log_out, screenshot

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
    log_out(page)

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


def test_suppressed_cells_marked_on_caseloads_and_the_drill_down(tianjin: tuple[Path, Any],
                                                                 browser: Any) -> None:
    """A small demo store has caseloads and 街镇 of a few persons: the planner's caseload
    tables and the district account's drill-down mark them (统计披露控制)."""
    db, server = tianjin
    page = browser.new_page(locale="zh-CN", viewport=SMALL)
    watch = Watch(page, server.base)
    page.goto(server.base + "/#/policy")
    log_in(page, db, "planner")
    page.wait_for_selector("#po-params input.param", timeout=60_000)
    page.select_option("#po-scheme", "tianjin-meal")
    page.wait_for_selector("#po-params input.param", timeout=60_000)
    page.click("#po-run button[data-what=caseload]")
    page.wait_for_selector("#po-detail-table table", timeout=120_000)
    marked = page.locator("#po-detail-table td .suppressed")
    assert marked.count() > 0 and marked.first.inner_text() == "*"
    assert "统计披露控制" in page.inner_text("#po-detail-table")
    assert page.locator("#po-groups td .suppressed").count() > 0
    screenshot(page, "capability-caseload-suppressed")
    page.click("#po-budget")
    page.wait_for_selector("#po-chart canvas", timeout=120_000)
    page.wait_for_function("() => document.querySelector('#po-detail-title')"
                           ".textContent.includes('分年')", timeout=120_000)
    assert page.locator("#po-detail-table td .suppressed").count() > 0
    log_out(page)

    # 流动人口 of the district's 街镇: a count, a few persons in some of them.
    page.goto(server.base + "/#/indicators?plan=xiqing-14th&indicator=XQ14-POP-07")
    log_in(page, db, "district")
    page.wait_for_selector("#in-areas-title:has-text('各街镇')", timeout=600_000)
    page.wait_for_selector("#in-areas-suppressed:not([hidden])", timeout=30_000)
    names = page.evaluate("""() => echarts.getInstanceByDom(document.getElementById("in-areas"))
        .getOption().yAxis[0].data""")
    assert any(n.endswith(" *") for n in names) and len(names) > 2
    assert "统计披露控制" in page.inner_text("#in-areas-suppressed")
    screenshot(page, "capability-drill-suppressed")
    page.close()
    watch.check()


PEOPLE = ("person_id,birth_date,sex,hukou_tianjin,hukou_district,social_assistance,care_level,"
          "in_institution,meal_applied\n"
          "P1,1940-01-01,female,true,120101,none,none,false,true\n"
          "P2,1940-01-01,female,maybe,120101,none,none,false,true\n"
          "P3,1958-05-01,male,true,120111,none,none,false,true\n")


def test_evaluate_an_uploaded_people_table(tianjin: tuple[Path, Any], browser: Any,
                                           tmp_path: Path) -> None:
    db, server = tianjin
    people = tmp_path / "助餐名单.csv"
    people.write_text(PEOPLE, encoding="utf-8")
    page = browser.new_page(locale="zh-CN", viewport=SMALL)
    watch = Watch(page, server.base)
    page.goto(server.base + "/#/policy")
    log_in(page, db, "statistician")
    page.wait_for_selector("#po-params input.param", timeout=60_000)
    page.select_option("#po-scheme", "tianjin-meal")
    page.wait_for_selector("#pf-columns-table td:has-text('meal_applied')", state="attached",
                           timeout=30_000)
    page.set_input_files("#pf-file", str(people))
    page.click("#pf-submit")
    page.wait_for_selector("#pf-rows table", timeout=120_000)
    cards = page.eval_on_selector_all(
        "#pf-cards .v", "vs => vs.map(v => parseInt(v.textContent.replace(/,/g, '')))")
    assert cards == [3, 2, 1]
    errors = page.inner_text("#pf-errors")
    assert "hukou_tianjin" in errors and "3" in errors  # the row, counting the header
    rows = page.inner_text("#pf-rows")
    assert "P1" in rows and "P3" in rows and "P2" not in rows
    page.locator("#po-file").scroll_into_view_if_needed()
    screenshot(page, "capability-evaluate-file")
    page.close()
    watch.check()


def test_download_the_reporting_template(tianjin: tuple[Path, Any], browser: Any,
                                         tmp_path: Path) -> None:
    import openpyxl

    db, server = tianjin
    page = browser.new_page(locale="zh-CN", viewport=SMALL, accept_downloads=True)
    watch = Watch(page, server.base)
    page.goto(server.base + "/#/indicators")
    log_in(page, db, "department")
    page.wait_for_selector("#in-board table.assess", timeout=600_000)
    year = page.input_value("#in-year")
    with page.expect_download() as info:
        page.click("#in-template")
    download = info.value
    saved = tmp_path / "template.xlsx"
    download.save_as(saved)
    assert download.suggested_filename.endswith(f"{year}-填报模板.xlsx")
    book = openpyxl.load_workbook(saved)
    assert book.sheetnames  # a workbook the department fills in
    text = " ".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows()
                    for c in row if c.value is not None)
    assert "市卫生健康委" in text or "卫生健康" in text  # its own indicators only
    screenshot(page, "capability-indicators-template")
    page.close()
    watch.check()
