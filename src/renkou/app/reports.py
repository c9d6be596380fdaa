"""The evaluation report of a plan from a store (规划实施评估报告): assess the plan, gather
what the report shows (task progress, the population pyramid, which values are demo data)
and write it as Word or HTML. The report writers read no store themselves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from renkou.app.assessment import AssessmentResult, Scale, assess
from renkou.app.stores import StoreRef, store_registry
from renkou.errors import InputError, NotFoundError
from renkou.plans import AssessmentConfig, PlanAssessment, RegistryData, load_records
from renkou.registry import Registry
from renkou.reports.evaluation import EvaluationReport, Stage, build_report

Format = Literal["docx", "html"]
STAGES: tuple[Stage, ...] = ("midterm", "final")
FORMATS: tuple[Format, ...] = ("docx", "html")


@dataclass(frozen=True)
class ReportResult:
    """The report model and the assessment it was built from."""

    report: EvaluationReport
    result: AssessmentResult


def _population(registry: Registry, pa: PlanAssessment
                ) -> tuple[tuple[float, ...], tuple[float, ...]] | None:
    """Residents of the plan area by sex and single age at the end of the assessment year
    (or the store's last date, when earlier); None when the store cannot say."""
    if pa.uncovered is not None:
        return None
    day = dt.date(pa.year, 12, 31)
    through = registry.data_through()
    if through is not None and through < day:
        day = through
    try:
        pop = RegistryData(registry).population(day, "resident", pa.plan.area_code)
    except (InputError, NotFoundError):
        return None
    return tuple(float(x) for x in pop[0]), tuple(float(x) for x in pop[1])


def build_evaluation(registry: StoreRef, plan_code: str | None = None,
                     year: int | None = None, stage: Stage = "midterm", *,
                     config: AssessmentConfig | None = None, trajectories: int = 200,
                     scale: Scale = None, progress: Callable[[str], None] | None = None,
                     today: dt.date | None = None) -> ReportResult:
    """Assess the plan (defaults as :func:`renkou.app.assessment.assess`) and build the
    report model."""
    if stage not in STAGES:
        raise InputError(f"评估阶段应为 midterm 或 final，实际为 {stage}")
    with store_registry(registry) as reg:
        result = assess(reg, plan_code, year, config=config, trajectories=trajectories,
                        scale=scale, progress=progress)
        pa = result.assessment
        records = load_records(reg, pa.plan.code)
        population = _population(reg, pa)
    report = build_report(pa, stage, records=records, population=population,
                          notes=result.notes, synthetic=result.synthetic, today=today)
    return ReportResult(report=report, result=result)


def write_report(report: EvaluationReport, fmt: Format, out: Path) -> Path:
    """Write the report model as Word (``docx``) or HTML (``html``)."""
    if fmt == "docx":
        from renkou.reports.docx_writer import write_docx

        return write_docx(report, out)
    if fmt == "html":
        from renkou.reports.html_writer import write_html

        return write_html(report, out)
    raise InputError(f"报告格式应为 docx 或 html，实际为 {fmt}", file=str(out))


def format_of(out: Path) -> Format:
    """The report format an output file's suffix names."""
    suffix = out.suffix.lower()
    if suffix == ".docx":
        return "docx"
    if suffix in (".html", ".htm"):
        return "html"
    raise InputError("输出文件须为 .docx 或 .html", file=str(out))


def evaluation_report(registry: StoreRef, plan_code: str | None, year: int | None,
                      stage: Stage, fmt: Format, out: Path, *,
                      config: AssessmentConfig | None = None, trajectories: int = 200,
                      scale: Scale = None) -> Path:
    """Assess the plan, build its evaluation report and write it to ``out``."""
    built = build_evaluation(registry, plan_code, year, stage, config=config,
                             trajectories=trajectories, scale=scale)
    return write_report(built.report, fmt, Path(out))
