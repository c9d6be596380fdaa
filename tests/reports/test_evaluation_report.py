"""Evaluation report end to end: a small synthetic city through the registry, the demo plan
data, assessment (:mod:`renkou.app.reports`), Word and HTML output; the Word file is
converted to PDF by LibreOffice (when installed) and its text checked for the Chinese
headings."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from renkou.app.reports import build_evaluation
from renkou.plans import get_plan
from renkou.reports.evaluation import EvaluationReport

pytestmark = pytest.mark.slow

HEADINGS = ("一、总体情况", "二、主要指标完成情况", "三、人口发展态势", "四、预警清单",
            "五、重点任务推进情况", "六、存在问题与建议")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory,
          seeded_store_builder: Callable[..., Path]) -> Path:
    """A 5,000-person synthetic city with the demo plan data."""
    return seeded_store_builder(tmp_path_factory.mktemp("report"), 5_000, 11)


@pytest.fixture(scope="module")
def report(store: Path) -> EvaluationReport:
    # The store is synthetic: totals are scaled to the census without being asked.
    return build_evaluation(store, "tianjin-14th", 2024, "midterm", trajectories=50).report


def test_cli_assess_and_report(store: Path, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    import pandas as pd

    from renkou.cli.main import main

    out = tmp_path / "assess.xlsx"
    assert main(["assess", "--plan", "tianjin-14th", "--year", "2024", "--db", str(store),
                 "--out", str(out), "--trajectories", "20", "--scale", "auto"]) == 0
    sheets = pd.read_excel(out, sheet_name=None)
    assert set(sheets) == {"指标评估", "预警清单"}
    table = sheets["指标评估"]
    assert len(table) == len(get_plan("tianjin-14th").indicators)
    assert {"评估结论", "规划目标", "数据来源", "达标概率"} <= set(table.columns)
    assert "预警" in capsys.readouterr().out
    html = tmp_path / "r.html"
    assert main(["report", "evaluate", "--plan", "tianjin-14th", "--year", "2024",
                 "--stage", "final", "--db", str(store), "--out", str(html),
                 "--trajectories", "20"]) == 0
    assert "终期评估" in html.read_text(encoding="utf-8")
    assert main(["report", "evaluate", "--plan", "tianjin-14th", "--year", "2024",
                 "--stage", "x", "--db", str(store), "--out", str(html)]) == 2


def test_report_model(report: EvaluationReport) -> None:
    counts = report.status_counts()
    assert sum(counts.values()) == len(report.assessment.assessments) > 20
    # Demo reports give statuses for reported indicators; the computed ones have values.
    by_code = report.assessment.by_code()
    assert by_code["TJ14-SRV-04"].status == "进度正常"
    assert by_code["TJ14-POP-01"].value is not None
    # The census scale makes the synthetic city's total comparable with the plan (万人).
    assert by_code["TJ14-POP-01"].value == pytest.approx(1386.6, rel=0.05)
    assert report.pyramid is not None and report.fan is not None
    assert report.findings and report.recommendations and report.warnings
    assert any(s.flags for s in report.tasks)


def test_html_is_self_contained(report: EvaluationReport, tmp_path: Path) -> None:
    from renkou.reports.html_writer import write_html

    text = write_html(report, tmp_path / "r.html").read_text(encoding="utf-8")
    for h in HEADINGS:
        assert h in text
    assert "data:image/png;base64," in text and "data:font/woff2;base64," in text
    assert "http://" not in text and "https://" not in text


def test_docx_converts_to_pdf_with_chinese(report: EvaluationReport, tmp_path: Path) -> None:
    from docx import Document

    from renkou.reports.docx_writer import write_docx

    out = write_docx(report, tmp_path / "r.docx")
    doc = Document(str(out))
    text = "\n".join(p.text for p in doc.paragraphs)
    for h in HEADINGS:
        assert h in text
    assert len(doc.inline_shapes) == 3  # trajectories, pyramid, fan chart
    if shutil.which("libreoffice") is None or shutil.which("pdftotext") is None:
        pytest.skip("libreoffice/pdftotext not installed")
    profile = tmp_path / "lo-profile"
    subprocess.run(["libreoffice", f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
                   check=True, capture_output=True, timeout=240)
    pdf = tmp_path / "r.pdf"
    assert pdf.exists()
    pdf_text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                              timeout=60).stdout.decode("utf-8")
    compact = pdf_text.replace(" ", "")
    for h in HEADINGS:
        assert h in compact
    assert "天津市人口发展" in compact and "预警" in compact
