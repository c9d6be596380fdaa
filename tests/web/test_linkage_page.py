"""The record linkage's clerical review on the 数据管理 page, against a served store of a
small dirty city: a statistician starts a linkage run and follows its progress, reads the
queue (persons masked, the weights of each comparison) and rejects and accepts pairs; a
planner is offered no review. Screenshots at 1366×768."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import browser_kit
import pytest
from browser_kit import SMALL, Server, Watch, log_in, log_out, screenshot

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

MASKED = re.compile(r"\d{6}\*{8}\d{3}[\dX]")


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Server]]:
    """A store ingested from feeds with some bad ID numbers (the delivered files stay where
    they were read), with the demo accounts, served for this module."""
    from renkou.app.accounts import demo_logins, ensure_demo_accounts
    from renkou.registry import Registry
    from renkou.registry.ingest import ingest_directory
    from renkou.registry.store import Store
    from renkou.registry.synth import generate_city, write_feeds

    out = tmp_path_factory.mktemp("linkage-page")
    write_feeds(generate_city(2_000, 5), out / "feeds", dirty_ids=0.08)
    db = out / "store.duckdb"
    with Store(db) as store:
        ingest_directory(store, out / "feeds")
    ensure_demo_accounts(db, production=False)
    with Registry(db, read_only=True) as registry:
        browser_kit._LOGINS[db] = {d.role: (d.username, d.password)
                                   for d in demo_logins(registry)}
    with Server(db) as server:
        yield db, server


def test_run_and_review_the_linkage(dirty: tuple[Path, Server], browser: Any) -> None:
    db, server = dirty
    page = browser.new_page(locale="zh-CN", viewport=SMALL)
    watch = Watch(page, server.base)
    page.goto(server.base + "/#/data?tab=linkage")
    log_in(page, db, "statistician")
    page.wait_for_selector("#lk-form", timeout=60_000)
    page.wait_for_selector("#lk-rows table", timeout=60_000)
    assert "无记录" in page.inner_text("#lk-rows")  # nothing linked yet
    page.fill("#lk-upper", "0.99999")
    page.fill("#lk-lower", "0.5")
    page.click("#lk-run")
    page.wait_for_selector("#lk-job .job[data-state=done]", timeout=600_000)
    page.wait_for_selector("#lk-summary", timeout=60_000)
    assert "待复核" in page.inner_text("#lk-summary")
    page.wait_for_selector("#lk-rows button[data-accept]", timeout=60_000)
    rows = page.locator("#lk-rows tbody tr")
    assert rows.count() > 2
    first = rows.first.inner_text()
    assert MASKED.search(first), first
    assert "姓名" in first and "出生日期" in first  # the weights that explain the pair
    # names masked (a person delivered without one shows none)
    assert re.search(r"[\u4e00-\u9fff]\*+ · ", page.inner_text("#lk-rows"))
    assert "概率匹配" in page.inner_text("#lk-jobs")
    total = page.inner_text("#lk-pager")
    screenshot(page, "linkage-review")

    page.locator("#lk-rows button[data-reject]").first.click()
    page.wait_for_selector("#lk-decided[data-decision=rejected]", timeout=120_000)
    page.wait_for_selector("#lk-rows button[data-accept]:not([disabled])", timeout=60_000)
    page.locator("#lk-rows button[data-accept]").first.click()
    page.wait_for_selector("#lk-decided[data-decision=accepted], "
                           "#lk-decided[data-decision=refused]", timeout=120_000)
    page.wait_for_function("t => document.querySelector('#lk-pager').innerText !== t",
                           arg=total, timeout=60_000)
    screenshot(page, "linkage-decided")
    log_out(page)

    # A planner may not see persons: no review tab.
    page.goto(server.base + "/#/data")
    log_in(page, db, "planner")
    page.wait_for_selector(".tabs button", timeout=60_000)
    assert page.locator(".tabs button[data-tab=linkage]").count() == 0
    page.close()
    watch.check()
