"""``renkou report``: evaluation reports of a plan (规划实施评估报告), Word or HTML."""

from __future__ import annotations

from pathlib import Path

import typer

from renkou.cli._plans_common import SCALE_HELP, open_registry, resolve_scale
from renkou.cli.assess import downscale_hint, echo_scale_notes
from renkou.errors import InputError

report_app = typer.Typer(help="评估报告 / evaluation reports", no_args_is_help=True)


@report_app.command("evaluate")
def evaluate(
    plan: str = typer.Option(..., "--plan", help="规划代码，如 tianjin-14th / plan code"),
    year: int = typer.Option(..., "--year", help="评估年份 / year assessed"),
    stage: str = typer.Option("midterm", "--stage", help="midterm（中期）或 final（终期）"),
    out: Path = typer.Option(..., "--out", help="输出 .docx 或 .html / output file"),
    db: Path = typer.Option(None, "--db", help="数据库文件（默认内置示范库）/ store file"),
    tolerance: float = typer.Option(None, "--tolerance",
                                    help="“左右”目标的相对容差（默认 0.01，即 ±1%）"),
    trajectories: int = typer.Option(200, "--trajectories", help="随机预测条数 / trajectories"),
    scale: str = typer.Option(None, "--scale", help=SCALE_HELP),
) -> None:
    """生成规划实施中期/终期评估报告（Word 或 HTML）。"""
    from renkou.plans import get_plan
    from renkou.plans.assessment import AssessmentConfig
    from renkou.plans.coverage import evaluate_store
    from renkou.reports.evaluation import build_report

    if stage not in ("midterm", "final"):
        raise InputError(f"--stage 应为 midterm 或 final，实际为 {stage}")
    suffix = out.suffix.lower()
    if suffix not in (".docx", ".html", ".htm"):
        raise InputError("输出文件须为 .docx 或 .html", file=str(out))
    p = get_plan(plan)
    registry = open_registry(db, read_only=True)
    try:
        pa, uncovered = evaluate_store(
            registry, p, year, config=AssessmentConfig(approx_rel_tolerance=tolerance),
            trajectories=trajectories, scale=resolve_scale(scale, db))
        report = build_report(pa, "final" if stage == "final" else "midterm",
                              registry=registry)
        hint = downscale_hint(registry, pa) if scale is None and db is not None else None
    finally:
        registry.close()
    if suffix == ".docx":
        from renkou.reports.docx_writer import write_docx

        write_docx(report, out)
    else:
        from renkou.reports.html_writer import write_html

        write_html(report, out)
    counts = report.status_counts()
    typer.echo(f"已生成评估报告：{out}")
    if uncovered:
        typer.echo(f"  注意：{uncovered}；报告中这些指标为“数据不足”。")
    echo_scale_notes(pa, indent="  ")
    if hint:
        typer.echo("  " + hint)
    typer.echo("  " + "，".join(f"{k} {v} 项" for k, v in counts.items()) +
               f"；预警 {len(report.warnings)} 项；督办任务 {len(report.flagged_tasks)} 项")


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
