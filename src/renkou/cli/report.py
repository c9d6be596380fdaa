"""``renkou report``: evaluation reports of a plan (规划实施评估报告), Word or HTML."""

from __future__ import annotations

from pathlib import Path

import typer

from renkou.cli._plans_common import (
    DB_HELP,
    PLAN_HELP,
    SCALE_HELP,
    echo_notes,
    parse_scale,
    store_path,
)
from renkou.errors import InputError

report_app = typer.Typer(help="评估报告 / evaluation reports", no_args_is_help=True)


@report_app.command("evaluate")
def evaluate(
    out: Path = typer.Option(..., "--out", help="输出 .docx 或 .html / output file"),
    plan: str = typer.Option(None, "--plan", help=PLAN_HELP),
    year: int = typer.Option(None, "--year", help="评估年份（默认：库内数据的最后完整年度）"),
    stage: str = typer.Option("midterm", "--stage", help="midterm（中期）或 final（终期）"),
    db: Path = typer.Option(None, "--db", help=DB_HELP),
    tolerance: float = typer.Option(None, "--tolerance",
                                    help="“左右”目标的相对容差（默认 0.01，即 ±1%）"),
    trajectories: int = typer.Option(200, "--trajectories", help="随机预测条数 / trajectories"),
    scale: str = typer.Option(None, "--scale", help=SCALE_HELP),
) -> None:
    """生成规划实施中期/终期评估报告（Word 或 HTML）。"""
    from renkou.app.reports import STAGES, build_evaluation, format_of, write_report
    from renkou.plans import AssessmentConfig

    if stage not in STAGES:
        raise InputError(f"--stage 应为 midterm 或 final，实际为 {stage}")
    fmt = format_of(out)
    built = build_evaluation(
        store_path(db), plan, year, "final" if stage == "final" else "midterm",
        config=AssessmentConfig(approx_rel_tolerance=tolerance), trajectories=trajectories,
        scale=parse_scale(scale))
    report, result = built.report, built.result
    write_report(report, fmt, out)
    typer.echo(f"已生成评估报告：{out}")
    if result.synthetic:
        typer.echo("  注意：该库为合成的示范数据，报告已标注“示范数据”。")
    if result.uncovered:
        typer.echo(f"  注意：{result.uncovered}；报告中这些指标为“数据不足”。")
    echo_notes(result.scale_notes, indent="  ")
    counts = report.status_counts()
    typer.echo("  " + "，".join(f"{k} {v} 项" for k, v in counts.items()) +
               f"；预警 {len(report.warnings)} 项；督办任务 {len(report.flagged_tasks)} 项")


@report_app.command("annual")
def annual(
    out: Path = typer.Option(..., "--out", help="输出 .docx / output file"),
    year: int = typer.Option(None, "--year", help="报告年份（默认：库内数据的最后完整年度）"),
    db: Path = typer.Option(None, "--db", help=DB_HELP),
    plan: str = typer.Option(None, "--plan", help=PLAN_HELP),
    trajectories: int = typer.Option(200, "--trajectories", help="随机预测条数 / trajectories"),
    seed: int = typer.Option(1, "--seed", help="随机种子 / seed"),
) -> None:
    """生成年度人口发展形势分析与预警报告（Word）。"""
    from renkou.app.annual import annual_report

    written = annual_report(store_path(db), year, out, plan_code=plan,
                            trajectories=trajectories, seed=seed)
    typer.echo(f"已生成年度人口发展形势分析与预警报告：{written}")


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
