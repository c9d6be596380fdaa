"""The annual population report: ``renkou report annual`` writes a Word document that
LibreOffice converts to PDF, whose text shows the sections, the jurisdiction and the
registry's own counts of the year."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from renkou.app.stores import copy_store
from renkou.cli.main import app
from renkou.registry import Registry

YEAR = 2023
HEADINGS = ("人口总量与分布", "出生、死亡与迁移", "人户分离", "年龄结构与老龄化", "劳动力",
            "人口预测", "规划指标风险", "预警清单", "人口态势信号")


def _pdf_text(docx: Path) -> str:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice is not None, "LibreOffice (soffice) is required to check the report"
    subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir",
                    str(docx.parent), str(docx)], check=True, capture_output=True,
                   timeout=300)
    pdf = docx.with_suffix(".pdf")
    assert pdf.exists()
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                         capture_output=True, text=True, timeout=120)
    return out.stdout


@pytest.mark.slow
def test_annual_report_converts_and_shows_registry_counts(seeded_store: Path,
                                                          tmp_path: Path) -> None:
    db = copy_store(seeded_store, tmp_path / "store.duckdb")
    out = tmp_path / "annual.docx"
    result = CliRunner().invoke(app, ["report", "annual", "--db", str(db), "--year",
                                      str(YEAR), "--out", str(out), "--trajectories", "50"])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 10_000

    registry = Registry(db, read_only=True)
    try:
        jur = registry.jurisdiction()
        day, start = dt.date(YEAR, 12, 31), dt.date(YEAR, 1, 1)
        resident = int(registry.caliber(day, "resident", "city", by=("region",))["value"].sum())
        hukou = int(registry.caliber(day, "hukou", "city", by=("region",))["value"].sum())
        prev = int(registry.caliber(dt.date(YEAR - 1, 12, 31), "resident", "city",
                                    by=("region",))["value"].sum())
        births = int(registry.births(start, day, "city")["value"].sum())
        deaths = int(registry.deaths(start, day, "city")["value"].sum())
        first_area = jur.areas[0]
        area_res = int(registry.caliber(day, "resident", jur.area_level, by=("region",))
                       .set_index("region")["value"].get(first_area.code, 0))
    finally:
        registry.close()

    text = _pdf_text(out)
    flat = " ".join(text.split())
    assert f"{jur.name} {YEAR} 年人口发展形势分析与预警" in flat or \
        f"{jur.name}{YEAR}年人口发展形势分析与预警" in flat.replace(" ", "")
    for heading in HEADINGS:
        assert heading in text, heading
    squeezed = flat.replace(" ", "")
    change = "增加" if resident >= prev else "减少"
    assert f"常住人口{resident:,d}人（比上年同期{change}{abs(resident - prev):,d}人）" in squeezed
    assert f"户籍人口{hukou:,d}人" in squeezed
    assert f"出生{births:,d}人" in squeezed
    assert f"死亡{deaths:,d}人" in squeezed
    assert f"{first_area.name}{area_res:,d}" in squeezed
    assert "示范数据" in squeezed  # the seeded store is synthetic
    assert "≥14%为老龄社会" in squeezed  # a threshold stated beside its signal


def test_annual_report_refuses_other_formats(tmp_path: Path) -> None:
    from renkou.app.annual import annual_report
    from renkou.errors import InputError

    with pytest.raises(InputError):
        # Refused before any store is opened.
        annual_report(tmp_path / "absent.duckdb", YEAR, tmp_path / "r.html")


@pytest.mark.slow
def test_annual_model_of_a_district_jurisdiction(district_store: Path) -> None:
    """A district jurisdiction reports by its 街镇, which sum to its total; a year the store
    holds no data of is refused."""
    from renkou.app.annual import build_annual
    from renkou.errors import InputError

    registry = Registry(district_store, read_only=True)
    try:
        jur = registry.jurisdiction()
        through = registry.data_through()
        report = build_annual(registry, None, trajectories=30)
        assert through is not None
        with pytest.raises(InputError):
            build_annual(registry, through.year + 2, trajectories=30)
    finally:
        registry.close()
    assert report.jurisdiction == jur.name
    assert report.area_level == "街镇"
    assert [a.code for a in report.areas] == list(jur.area_codes)
    assert sum(a.resident for a in report.areas) == report.resident
    assert report.resident == round(report.total)
    assert sum(a.births for a in report.areas) == report.births
    assert sum(a.deaths for a in report.areas) == report.deaths
    assert report.plan_fan is not None and report.long_fans
    assert report.long_fans[0].years[-1] >= report.plan_end
