"""Every jurisdiction's plan assessed and reported from its own demo store: the defaults come
from the store (its jurisdiction's plan, its last full year), every indicator the registry can
compute has a value, and the Word and HTML reports say 示范数据 for a synthetic store."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from docx import Document

from renkou.app.assessment import assess
from renkou.app.reports import build_evaluation, write_report
from renkou.cli.main import main
from renkou.jurisdictions import get_jurisdiction
from renkou.plans import get_plan, is_computable
from renkou.registry import Registry

pytestmark = pytest.mark.slow

HEADINGS = ("一、总体情况", "二、主要指标完成情况", "三、人口发展态势", "四、预警清单",
            "五、重点任务推进情况", "六、存在问题与建议")


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory,
           seeded_store_builder: Callable[..., Path]) -> Callable[[str], Path]:
    """The demo store of a jurisdiction (4,000 persons, seed 5), built once per module."""
    built: dict[str, Path] = {}
    folder = tmp_path_factory.mktemp("jurisdictions")

    def store(key: str) -> Path:
        if key not in built:
            built[key] = seeded_store_builder(folder, 4_000, 5, jurisdiction=key)
        return built[key]

    return store


def _last_full_year(store: Path) -> int:
    registry = Registry(store, read_only=True)
    try:
        through = registry.data_through()
    finally:
        registry.close()
    assert through is not None
    return through.year if (through.month, through.day) == (12, 31) else through.year - 1


def test_demo_store_is_named_by_its_jurisdiction(stores: Callable[[str], Path]) -> None:
    store = stores("chongqing")
    assert store.name == "demo-chongqing.duckdb"
    # Built under a temporary name and renamed whole: nothing of the build is left beside it
    # (a key file made for the temporary name goes with the store).
    assert all(p.name.startswith("demo-") for p in store.parent.iterdir())
    registry = Registry(store, read_only=True)
    try:
        assert registry.jurisdiction().key == "chongqing"
        assert registry.provenance().synthetic
    finally:
        registry.close()


def test_assessment_defaults_come_from_the_store(stores: Callable[[str], Path]) -> None:
    store = stores("chongqing")
    result = assess(store, forward=False)
    plan = get_plan(get_jurisdiction("chongqing").plans[0])
    assert result.plan.code == plan.code
    expected = min(max(_last_full_year(store), plan.period_start), plan.period_end)
    assert result.year == expected
    assert result.synthetic and result.uncovered is None
    assert result.jurisdiction.key == "chongqing"


def test_every_registry_computed_indicator_of_the_plan_has_a_value(
        stores: Callable[[str], Path]) -> None:
    result = assess(stores("chongqing"), "chongqing-2016-2030", 2020, forward=False)
    pa = result.assessment
    computed = [i for i in pa.plan.computed_indicators() if is_computable(i.formula)]
    assert len(computed) >= 10
    missing = {i.code: pa.errors.get(i.code) for i in computed
               if pa.series.get(i.code, {}).get(2020) is None}
    assert missing == {}
    # A sampled store's totals are scaled to census totals, and the output says so.
    assert any("常住人口类总量指标" in n for n in result.scale_notes)


def test_assess_command_on_a_chongqing_store(stores: Callable[[str], Path], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """``renkou assess --plan chongqing-2016-2030 --year 2020 --db FILE --out A.csv``: a value
    for every registry-computed indicator, the warning list beside it."""
    out = tmp_path / "A.csv"
    assert main(["assess", "--plan", "chongqing-2016-2030", "--year", "2020", "--db",
                 str(stores("chongqing")), "--out", str(out), "--trajectories", "20"]) == 0
    table = pd.read_csv(out, dtype={"指标代码": str}).set_index("指标代码")
    computed = [i.code for i in get_plan("chongqing-2016-2030").computed_indicators()
                if is_computable(i.formula)]
    assert table.loc[computed, "监测值"].notna().all()
    assert (tmp_path / "A-预警清单.csv").exists()
    printed = capsys.readouterr().out
    assert "示范数据" in printed and "折算系数" in printed
    assert "折算系数" in table.columns


def test_a_real_count_override_reads_the_store_unscaled(stores: Callable[[str], Path]) -> None:
    store = stores("chongqing")
    scaled = assess(store, "chongqing-2016-2030", 2020, forward=False).assessment
    raw = assess(store, "chongqing-2016-2030", 2020, forward=False, scale=1.0).assessment
    code = next(i.code for i in scaled.plan.computed_indicators()
                if i.formula == "resident_population")
    # 4,000 persons stand for about 32 million: the scaled total is thousands of times larger.
    assert scaled.series[code][2020] > 1000 * raw.series[code][2020] > 0


@pytest.mark.parametrize("key", ["chongqing", "xiqing"])
def test_word_and_html_report_of_a_jurisdiction(stores: Callable[[str], Path], key: str,
                                                tmp_path: Path) -> None:
    jurisdiction = get_jurisdiction(key)
    built = build_evaluation(stores(key), stage="midterm", trajectories=20,
                             today=dt.date(2026, 1, 15))
    report = built.report
    assert report.plan.code == jurisdiction.plans[0]
    assert report.synthetic and report.demo_notice and "示范数据" in report.demo_notice
    assert report.pyramid is not None and jurisdiction.name in report.pyramid.title
    assert report.fan is not None and report.trajectories

    html = write_report(report, "html", tmp_path / "r.html").read_text(encoding="utf-8")
    for h in HEADINGS:
        assert h in html
    assert "示范数据" in html and report.plan.name_zh in html

    docx = write_report(report, "docx", tmp_path / "r.docx")
    doc = Document(str(docx))
    text = "\n".join(p.text for p in doc.paragraphs)
    for h in HEADINGS:
        assert h in text
    assert "示范数据" in text
    assert len(doc.inline_shapes) == 3  # trajectories, pyramid, fan chart


def test_demo_reported_values_are_marked_beside_the_value(stores: Callable[[str], Path],
                                                         tmp_path: Path) -> None:
    report = build_evaluation(stores("chongqing"), "chongqing-2016-2030", 2020,
                              trajectories=0).report
    reported = {i.code for i in report.plan.indicators if i.kind == "reported"}
    pa = report.assessment
    values = [(a.indicator_code, a.value) for a in pa.assessments]
    values += [(m.indicator_code, m.value) for m in pa.monitored]
    with_value = {code for code, value in values if code in reported and value is not None}
    assert with_value and report.demo_values == with_value
    doc = Document(str(write_report(report, "docx", tmp_path / "r.docx")))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    marked = [c for c in cells if c.endswith("\n示范数据")]
    assert len(marked) >= len(with_value)


def test_chongqing_word_report_converts_to_pdf(stores: Callable[[str], Path],
                                               tmp_path: Path) -> None:
    if shutil.which("libreoffice") is None or shutil.which("pdftotext") is None:
        pytest.skip("libreoffice/pdftotext not installed")
    report = build_evaluation(stores("chongqing"), "chongqing-2016-2030", 2020,
                              trajectories=20).report
    out = write_report(report, "docx", tmp_path / "cq.docx")
    profile = tmp_path / "lo-profile"
    subprocess.run(["libreoffice", f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
                   check=True, capture_output=True, timeout=240)
    text = subprocess.run(["pdftotext", str(tmp_path / "cq.pdf"), "-"], check=True,
                          capture_output=True, timeout=60).stdout.decode("utf-8")
    compact = text.replace(" ", "").replace("\n", "")
    assert "重庆市人口发展规划" in compact and "示范数据" in compact
    for h in HEADINGS:
        assert h in compact
