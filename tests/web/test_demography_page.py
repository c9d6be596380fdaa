"""The demographer's toolbox on the 人口结构 page, against the served Tianjin demo store: a
planner reads the rates by district (small counts marked "*") and the age-data quality; a
district account is offered neither. Screenshot at 1366×768."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_kit import SMALL, Watch, log_in, log_out, screenshot

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_rates_and_age_quality_on_the_structure_page(tianjin: tuple[Path, Any],
                                                     browser: Any) -> None:
    db, server = tianjin
    page = browser.new_page(locale="zh-CN", viewport=SMALL)
    watch = Watch(page, server.base)
    page.goto(server.base + "/#/structure")
    log_in(page, db, "planner")
    page.wait_for_selector("#st-rates table", timeout=120_000)
    page.wait_for_selector("#st-quality table", timeout=120_000)
    rates = page.inner_text("#st-rates")
    assert "总和生育率" in rates and "和平区" in rates
    # A small store's births and deaths by district: some under the threshold, marked.
    assert page.locator("#st-rates .suppressed").count() > 0
    assert "统计披露控制" in page.inner_text("#st-rates-note")
    year = page.input_value("#st-rates-year")
    assert year.isdigit() and f"{year}年" in page.inner_text("#st-rates-title")
    quality = page.inner_text("#st-quality")
    assert "惠普尔指数" in quality and "天津市" in quality
    screenshot(page, "structure-demography")
    page.fill("#st-rates-year", str(int(year) - 1))
    page.dispatch_event("#st-rates-year", "change")
    page.wait_for_function("y => document.querySelector('#st-rates-title').textContent"
                           ".includes(y + '年')", arg=str(int(year) - 1), timeout=120_000)
    # Another date of the page: the quality of that date.
    dates = page.eval_on_selector_all("#st-asof option", "os => os.map(o => o.value)")
    other = next(d for d in dates if d != page.input_value("#st-asof"))
    page.select_option("#st-asof", other)
    page.wait_for_function("d => document.querySelector('#st-quality-title').textContent"
                           ".includes(d)", arg=other, timeout=120_000)
    log_out(page)

    page.goto(server.base + "/#/structure")
    log_in(page, db, "district")
    page.wait_for_selector("#st-asof", timeout=120_000)  # the page drawn
    assert page.locator("#st-demog").count() == 0
    page.close()
    watch.check()
