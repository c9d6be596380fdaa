"""The facility inventory on the 公共服务 page and the function zones on the 指标监测 page,
against a served copy of the Tianjin demo store: a planner downloads each template, fills it
and imports it, and reads the row-level report and the stored lists; a district account reads
its district's facilities and is offered no import. Screenshots at 1366×768."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import browser_kit
import openpyxl
import pytest
import yaml
from browser_kit import SMALL, Server, Watch, log_in, log_out, screenshot

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def served(stores: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[Path, Server]]:
    """A copy of the shared demo store: the imports here replace its zones."""
    db = browser_kit.store_copy(stores["tianjin"], tmp_path_factory.mktemp("web-facilities"))
    with Server(db) as server:
        yield db, server


def test_import_facilities_and_zones(served: tuple[Path, Server], browser: Any,
                                     tmp_path: Path) -> None:
    db, server = served
    page = browser.new_page(locale="zh-CN", viewport=SMALL, accept_downloads=True)
    watch = Watch(page, server.base)
    page.goto(server.base + "/#/services")
    log_in(page, db, "planner")
    page.wait_for_selector("#fc-rows table", timeout=120_000)
    with page.expect_download() as info:
        page.click("#fc-template")
    workbook = tmp_path / "设施清单.xlsx"
    info.value.save_as(workbook)
    wb = openpyxl.load_workbook(workbook)
    wb["设施清单"].append(["托育机构", "甲测试托育园", "120101001", 40, "个", "2020-01-01"])
    wb["设施清单"].append(["托育机构", "乙测试托育园", "120101001", -1, "个", "2020-01-01"])
    wb.save(workbook)
    page.select_option("#fc-type", "childcare")
    page.set_input_files("#fc-file", str(workbook))
    page.click("#fc-submit")
    page.wait_for_selector("#fc-verdict", timeout=60_000)
    assert "入库 1 行，隔离 1 行" in page.inner_text("#fc-verdict")
    assert "须为正数" in page.inner_text("#fc-report")
    page.wait_for_selector("#fc-rows td:has-text('甲测试托育园')", timeout=30_000)
    page.locator("#sv-facilities").scroll_into_view_if_needed()
    screenshot(page, "services-facilities-import")

    page.goto(server.base + "/#/indicators")
    page.wait_for_selector("#zn-body table", timeout=600_000)
    with page.expect_download() as info:
        page.click("#zn-template")
    raw = yaml.safe_load(Path(info.value.path()).read_text(encoding="utf-8"))
    name = raw["zones"][0]["name"]
    zones = tmp_path / "功能区.yaml"
    zones.write_text(yaml.safe_dump({"jurisdiction": "tianjin", "zones": [
        {"name": name, "streets": ["120111001", "120111002"], "source": "测试批复"}]},
        allow_unicode=True), encoding="utf-8")
    page.set_input_files("#zn-file", str(zones))
    page.click("#zn-submit")
    page.wait_for_selector("#zn-verdict", timeout=60_000)
    assert "已导入 1 个功能区" in page.inner_text("#zn-verdict")
    text = page.inner_text("#zn-body")
    assert name in text and "测试批复" in text and "120111001" in text
    assert "部门填报（缺少范围" in text or "由库计算" in text
    page.locator("#in-zones").scroll_into_view_if_needed()
    screenshot(page, "indicators-zones-import")
    log_out(page)

    page.goto(server.base + "/#/services")
    log_in(page, db, "district")
    page.wait_for_selector("#fc-rows table", timeout=120_000)
    assert not page.query_selector("#fc-upload") and not page.query_selector("#fc-template")
    own = page.evaluate("() => fetch('/api/auth/me').then(r => r.json()).then(m => m.district)")
    streets = page.eval_on_selector_all(
        "#fc-rows td .mono", "cells => cells.map(c => c.textContent)")
    assert streets and all(s.startswith(own) for s in streets)
    page.goto(server.base + "/#/indicators")
    page.wait_for_selector("#zn-body table", timeout=600_000)
    assert not page.query_selector("#zn-upload")
    page.close()
    watch.check()
