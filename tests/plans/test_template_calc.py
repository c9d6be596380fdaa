"""The reporting template through LibreOffice Calc: a template saved again by Calc (as a
department using Calc would) keeps its sheets, validation lists, protection and print setup,
and imports exactly like the file renkou wrote; its PDF shows the Chinese headings."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from renkou.plans.forms.indicator_form import (
    INSTRUCTIONS,
    LISTS,
    META,
    SHEET,
    write_template,
)
from renkou.plans.forms.indicator_import import import_template
from renkou.plans.model.plan import Plan
from renkou.plans.storage import REPORTED, MemoryTables, read_app

SOFFICE = shutil.which("libreoffice") or shutil.which("soffice")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (libreoffice/soffice) is not on "
                       "PATH; install libreoffice-calc to run the Calc round trip"),
]
NOW = dt.datetime(2025, 3, 1, 9, 0)


def _convert(src: Path, fmt: str, outdir: Path) -> Path:
    """Convert with a private LibreOffice profile, so that a concurrent LibreOffice (another
    test, another user) holding the default profile cannot make the conversion fail."""
    assert SOFFICE is not None
    profile = outdir / "lo-profile"
    outdir.mkdir(parents=True, exist_ok=True)
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", fmt, "--outdir", str(outdir), str(src)],
                   check=True, capture_output=True, timeout=120)
    out = outdir / f"{src.stem}.{fmt}"
    assert out.exists(), f"LibreOffice wrote no {out.name}"
    return out


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory, tianjin: Plan) -> Path:
    return write_template(tianjin, 2024, tmp_path_factory.mktemp("calc") / "template.xlsx")


@pytest.fixture(scope="module")
def calc_saved(written: Path) -> Path:
    return _convert(written, "xlsx", written.parent / "calc")


def _fill(path: Path) -> None:
    """The same entries in either file: good rows, a decimal comma, text, a bad list value,
    a date typed as Chinese text and one as a day serial."""
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    col = {str(c.value).rstrip("*"): c.column for c in ws[1]}
    rows = {
        2: (67.5, "年报正式数", "市教委", dt.date(2025, 2, 20)),
        3: ("31.5", "统计快报数", "市人社局", "2025年2月18日"),
        4: ("51,2", "年报正式数", "市教委", dt.date(2025, 2, 20)),
        5: (9.6, "初步统计数", "市卫生健康委", 45708),  # 45708 = 2025-02-20
        6: ("abc", "年报正式数", "市卫生健康委", dt.date(2025, 2, 20)),
        7: (58.3, "乱填", "市卫生健康委", dt.date(2025, 2, 20)),
    }
    for r, (value, nature, dept, day) in rows.items():
        ws.cell(r, col["填报值"]).value = value
        ws.cell(r, col["数据性质"]).value = nature
        ws.cell(r, col["填报单位"]).value = dept
        ws.cell(r, col["填报人"]).value = "张三"
        ws.cell(r, col["填报日期"]).value = day
    wb.save(path)


def test_calc_keeps_the_template_structure(calc_saved: Path) -> None:
    wb = openpyxl.load_workbook(calc_saved)
    assert wb.sheetnames == [INSTRUCTIONS, SHEET, LISTS, META]
    assert [wb[s].sheet_state for s in wb.sheetnames] == ["visible", "visible", "hidden",
                                                           "hidden"]
    meta = {r[0]: r[1] for r in wb[META].iter_rows(values_only=True)}
    assert meta["plan"] == "tianjin-14th" and int(meta["year"]) == 2024
    ws = wb[SHEET]
    header = [str(c.value).rstrip("*") for c in ws[1]]
    assert header[:2] == ["指标代码", "指标名称"] and "填报值" in header
    kinds = sorted(dv.type for dv in ws.data_validations.dataValidation)
    assert kinds == ["date", "decimal", "list", "list", "list"]  # nature, unit, 地区
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert all(LISTS in str(dv.formula1) for dv in lists)
    # A 地区 outside the list only warns: 街镇 codes are checked on import.
    assert [dv.errorStyle for dv in lists if "$C$" in str(dv.formula1)] == ["warning"]
    # Only the input cells are editable.
    assert ws.protection.sheet
    assert not ws.cell(2, header.index("填报值") + 1).protection.locked
    assert ws.cell(2, header.index("指标代码") + 1).protection.locked
    # Print setup: landscape, one page wide, the header row on every page.
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows is not None and "1" in ws.print_title_rows
    # Calc keeps the row heights renkou computed for wrapped text (it does not recompute them).
    assert all((ws.row_dimensions[r].height or 0) >= 18 for r in range(2, ws.max_row + 1))


def test_calc_saved_copy_imports_like_the_original(written: Path, calc_saved: Path,
                                                   tmp_path: Path) -> None:
    results = []
    for name, src in (("openpyxl", written), ("calc", calc_saved)):
        path = tmp_path / f"{name}.xlsx"
        shutil.copy(src, path)
        _fill(path)
        store = MemoryTables()
        res = import_template(store, path, now=NOW)
        frame = read_app(store, REPORTED).drop(columns=["source_file"])
        results.append((res.accepted, res.blank,
                        [(x.row, x.column, x.reason) for x in res.rejected], frame))
    (acc_a, blank_a, rej_a, frame_a), (acc_b, blank_b, rej_b, frame_b) = results
    assert (acc_a, blank_a, rej_a) == (acc_b, blank_b, rej_b)
    pd.testing.assert_frame_equal(frame_a, frame_b)
    assert acc_a == 3  # rows 2, 3 and 5
    assert [(r, c) for r, c, _ in rej_a] == [(4, "填报值"), (6, "填报值"), (7, "数据性质")]
    assert "小数请用小数点" in rej_a[0][2]
    assert set(frame_a["reported_on"]) == {dt.date(2025, 2, 20), dt.date(2025, 2, 18)}


def test_template_prints_with_chinese_text(written: Path) -> None:
    pdf = _convert(written, "pdf", written.parent / "pdf")
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True, timeout=60).stdout
    for word in ("填报说明", "指标代码", "填报值", "学前教育三年毛入园率", "第 1 页"):
        assert word in text, word
    pages = text.count("\f")
    assert 2 <= pages <= 4, pages  # instructions + the table one page wide, 24 rows


def test_progress_template_through_calc_imports_like_the_original(
        tianjin: Plan, tmp_path: Path) -> None:
    from renkou.plans.forms.progress_form import (
        PROGRESS_SHEET,
        import_progress,
        write_progress_template,
    )

    written = write_progress_template(tianjin, tmp_path / "progress.xlsx")
    calc = _convert(written, "xlsx", tmp_path / "calc")
    wb = openpyxl.load_workbook(calc)
    assert wb.sheetnames[0] == PROGRESS_SHEET
    assert {dv.type for dv in wb[PROGRESS_SHEET].data_validations.dataValidation} == {
        "list", "decimal", "date"}
    outcomes = []
    for name, src in (("openpyxl", written), ("calc", calc)):
        path = tmp_path / f"filled-{name}.xlsx"
        shutil.copy(src, path)
        book = openpyxl.load_workbook(path)
        ws = book[PROGRESS_SHEET]
        col = {str(c.value): c.column for c in ws[1]}
        for r, (day, status, pct) in {2: (dt.date(2025, 2, 28), "推进中", 35),
                                      3: ("2025年3月1日", "已完成", 100),
                                      4: (dt.date(2025, 2, 28), "已完成", 80)}.items():
            for key, value in (("报告日期", day), ("进展状态", status), ("完成百分比", pct),
                               ("进展情况", "按计划推进"), ("填报单位", "市人社局"),
                               ("填报人", "王五")):
                ws.cell(r, col[key]).value = value
        book.save(path)
        n, bad = import_progress(MemoryTables(), tianjin, path, now=NOW)
        outcomes.append((n, [(b.row, b.column) for b in bad]))
    assert outcomes[0] == outcomes[1] == (2, [(4, "完成百分比")])
