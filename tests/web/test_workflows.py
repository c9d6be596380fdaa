"""The day's work done in the browser, end to end against a served demo store: a department
uploads a feed batch and reads its validation report and quarantined rows (ID numbers
masked); a department enters progress on its task and the auditor finds it in the log; a
planner runs two projection jobs to completion, reads the fan chart and compares them; a
planner generates an evaluation report and downloads it."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from browser_kit import LARGE, SMALL, Server, Watch, log_in, log_out, screenshot

from renkou.ids import is_valid

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

MASKED = re.compile(r"^\d{6}\*{8}\d{3}[\dX]$")
EIGHTEEN = re.compile(r"(?<!\d)\d{17}[\dX](?!\d)")


def _no_valid_ids(text: str) -> None:
    found = [m for m in EIGHTEEN.findall(text) if is_valid(m)]
    assert not found, found


def _with_a_bad_id(path: Path) -> int:
    """Append a copy of the file's first row whose ID number has a wrong check digit (a row
    the registry must quarantine); returns the rows now in the file."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    first = rows[1]
    col = next(i for i, v in enumerate(first) if EIGHTEEN.fullmatch(v))
    bad = list(first)
    digit = "0" if first[col][-1] != "0" else "1"
    bad[col] = first[col][:17] + digit
    assert not is_valid(bad[col])
    rows.append(bad)
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return len(rows) - 1


@pytest.fixture(scope="module")
def feed_batch(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two health feeds (卫健, department wjw) of a small synthetic city, one with a row whose
    ID number is invalid, so that the batch has quarantined rows."""
    from renkou.registry.synth.feeds import synthesize

    out = tmp_path_factory.mktemp("feeds")
    synthesize(out / "city", 1000, 11, jurisdiction="tianjin")
    picked = []
    for name in ("health_birth_2024.csv", "health_death_2024.csv"):
        shutil.copy(out / "city" / name, out / name)
        picked.append(out / name)
    _with_a_bad_id(picked[1])
    return picked


def test_upload_a_feed_and_read_its_validation_report(tianjin: tuple[Path, Server],
                                                      browser: Any,
                                                      feed_batch: list[Path]) -> None:
    db, server = tianjin
    page = browser.new_page(locale="zh-CN", viewport=SMALL)
    watch = Watch(page, server.base)
    page.goto(server.base + "/#/data")
    log_in(page, db, "department")
    page.wait_for_selector("#up-form", timeout=60_000)
    page.set_input_files("#up-files", [str(p) for p in feed_batch])
    page.click("#up-submit")
    # The ingest runs as a job on the server: its bar, then its report.
    page.wait_for_selector(".job[data-state=done]", timeout=300_000)
    page.wait_for_selector("#up-report .cards", timeout=60_000)
    report = page.inner_text("#up-report")
    for p in feed_batch:
        assert p.name in report
    screenshot(page, "workflow-upload-report")
    numbers = page.eval_on_selector_all(
        "#up-report .cards .v", "vs => vs.map(v => Number(v.textContent.replace(/,/g, '')))")
    rows_read, accepted, quarantined = numbers
    assert rows_read == accepted + quarantined > 0
    assert quarantined > 0  # at least the row with the bad ID number
    assert "身份证号" in page.inner_text("#up-report table >> nth=-1")
    _no_valid_ids(page.content())
    # The quarantined rows of the batch, each with its reason and a masked ID number.
    page.click("#up-report a[href*='tab=quarantine']")
    page.wait_for_selector("#qr-rows tbody tr td", timeout=60_000)
    masked = [m for m in page.eval_on_selector_all(
        "#qr-rows .id-masked", "es => es.map(e => e.textContent)") if m != "—"]
    assert masked and all(MASKED.match(m) for m in masked), masked
    total = int(re.search(r"共 ([\d,]+) 条", page.inner_text("#qr-pager")).group(1)
                .replace(",", ""))
    assert total == quarantined
    screenshot(page, "workflow-quarantine")
    _no_valid_ids(page.content())
    page.close()
    watch.check()


def test_enter_task_progress_and_find_it_in_the_audit_log(tianjin: tuple[Path, Server],
                                                         browser: Any) -> None:
    db, server = tianjin
    page = browser.new_page(locale="zh-CN", viewport=SMALL)
    watch = Watch(page, server.base)
    page.goto(server.base + "/#/tasks?tab=list")
    log_in(page, db, "department")
    page.wait_for_selector("#tk-list tbody tr.clickable", timeout=60_000)
    page.click("#tk-list tbody tr.clickable >> nth=0")
    page.wait_for_selector("#tk-form", timeout=30_000)
    page.select_option("#tk-status", "推进中")
    page.fill("#tk-percent", "65")
    page.fill("#tk-narrative", "已完成年度托育机构摸底，新增普惠托位建设进入验收阶段。")
    page.fill("#tk-evidence", "卫健〔2025〕12号")
    page.click("#tk-submit")
    page.wait_for_selector("#tk-saved", timeout=60_000)
    history = page.inner_text("#tk-history")
    assert "新增普惠托位建设进入验收阶段" in history
    assert "65%" in page.inner_text("#tk-task")
    screenshot(page, "workflow-task-progress")
    log_out(page)
    # The auditor sees the entry, under the department's account.
    page.goto(server.base + "/#/admin?tab=audit")
    log_in(page, db, "auditor")
    page.wait_for_selector("#ad-audit table", timeout=60_000)
    page.select_option("#ad-action", "task.progress")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#ad-audit tbody tr')]"
        ".some(r => r.textContent.includes('demo-department'))", timeout=60_000)
    screenshot(page, "workflow-audit")
    page.close()
    watch.check()


def test_run_projection_jobs_to_completion_and_compare_them(tianjin: tuple[Path, Server],
                                                            browser: Any) -> None:
    db, server = tianjin
    page = browser.new_page(locale="zh-CN", viewport=LARGE)
    watch = Watch(page, server.base)
    page.goto(server.base + "/#/forecast")
    log_in(page, db, "planner")
    page.wait_for_selector("#pj-form", timeout=60_000)
    base = int(page.input_value("#pj-asof")[:4])
    for done, variant in enumerate(("medium", "high"), start=1):
        page.fill("#pj-to", str(base + 6))
        page.select_option("#pj-variant", variant)
        page.fill("#pj-traj", "20")
        page.click("#pj-run")
        page.wait_for_selector("#pj-job .job[data-state=done]", timeout=600_000)
        page.wait_for_function("n => document.querySelectorAll('#pj-jobs [data-pick]').length >= n",
                               arg=done, timeout=60_000)
        # The fan chart of the finished job: one point a year, base year to the end.
        n = page.wait_for_function(
            """() => {
                 const c = echarts.getInstanceByDom(document.getElementById("pj-fan"));
                 const o = c && c.getOption();
                 return o && o.series.length ? o.series[0].data.length : 0;
               }""", timeout=60_000).json_value()
        assert n == 7
        if variant == "medium":
            bands = page.evaluate("""() => echarts.getInstanceByDom(document.getElementById(
                "pj-fan")).getOption().series.length""")
            assert bands > 1  # intervals of the stochastic projection
            screenshot(page, "workflow-projection-fan")
    for box in page.query_selector_all("#pj-jobs [data-pick]")[:2]:
        box.check()
    page.click("#pj-compare")
    lines = page.wait_for_function(
        """() => {
             const c = echarts.getInstanceByDom(document.getElementById("pj-cmp"));
             const o = c && c.getOption();
             return o ? o.series.length : 0;
           }""", timeout=60_000).json_value()
    assert lines == 2
    screenshot(page, "workflow-projection-compare")
    page.close()
    watch.check()


def test_generate_a_report_and_download_it(tianjin: tuple[Path, Server], browser: Any,
                                           tmp_path: Path) -> None:
    db, server = tianjin
    page = browser.new_page(locale="zh-CN", viewport=SMALL, accept_downloads=True)
    watch = Watch(page, server.base)
    page.goto(server.base + "/#/reports")
    log_in(page, db, "planner")
    page.wait_for_selector("#rp-form", timeout=60_000)
    page.select_option("#rp-kind", "evaluation")
    page.select_option("#rp-format", "html")
    page.fill("#rp-traj", "10")
    page.click("#rp-run")
    page.wait_for_selector("#rp-done a", timeout=600_000)
    with page.expect_download() as info:
        page.click("#rp-done a")
    download = info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.suffix == ".html"
    text = saved.read_text(encoding="utf-8")
    assert "评估" in text and "<html" in text.lower()
    # The list holds it too.
    page.wait_for_selector(f"#rp-list a:has-text('{download.suggested_filename}')",
                           timeout=30_000)
    screenshot(page, "workflow-report")
    page.close()
    watch.check()


def test_compare_an_example_decision_with_the_baseline(tianjin: tuple[Path, Server],
                                                       browser: Any, tmp_path: Path) -> None:
    """预测's scenario comparison: a shipped decision against the baseline projection, one
    point a year for each, the difference, and the switch to another indicator and area;
    then its Word report, downloaded."""
    db, server = tianjin
    page = browser.new_page(locale="zh-CN", viewport=SMALL, accept_downloads=True)
    watch = Watch(page, server.base)
    page.goto(server.base + "/#/forecast")
    log_in(page, db, "planner")
    page.wait_for_selector("#fc-example option", state="attached", timeout=60_000)
    page.click("#fc-impact-run")
    page.wait_for_selector("#fc-impact-out:not([hidden])", timeout=600_000)
    lengths = page.evaluate("""() => echarts.getInstanceByDom(document.getElementById(
        "fc-impact-chart")).getOption().series.map(s => s.data.length)""")
    assert len(lengths) == 3 and lengths[0] == lengths[1] == lengths[2] > 0
    assert "差值" in page.inner_text("#fc-impact-summary")
    page.select_option("#fc-indicator", "pop_65p")
    page.select_option("#fc-region", index=1)
    assert "65岁及以上" in page.inner_text("#fc-impact-summary")
    screenshot(page, "workflow-impact")
    page.click("#fc-impact-report")
    page.wait_for_selector("#fc-impact-done a", timeout=600_000)
    with page.expect_download() as info:
        page.click("#fc-impact-done a")
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.name.endswith("-人口影响评估.docx")
    assert saved.read_bytes()[:2] == b"PK"
    page.close()
    watch.check()
