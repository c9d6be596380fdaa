"""``renkou assess``: assessment of a plan's indicators in a year, with the warning list."""

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


def assess(
    out: Path = typer.Option(..., "--out", help="输出 .csv 或 .xlsx / output table"),
    plan: str = typer.Option(None, "--plan", help=PLAN_HELP),
    year: int = typer.Option(None, "--year", help="评估年份（默认：库内数据的最后完整年度）"),
    db: Path = typer.Option(None, "--db", help=DB_HELP),
    tolerance: float = typer.Option(None, "--tolerance",
                                    help="“左右”目标的相对容差（默认 0.01，即 ±1%）"),
    lag_tolerance: float = typer.Option(0.10, "--lag-tolerance",
                                        help="进度容差：完成进度不低于时间进度×(1−该值)为正常"),
    trajectories: int = typer.Option(200, "--trajectories", help="随机预测条数 / trajectories"),
    no_forward: bool = typer.Option(False, "--no-forward", help="不做预测 / skip projection"),
    scale: str = typer.Option(None, "--scale", help=SCALE_HELP),
) -> None:
    """评估规划指标完成情况（已达标/进度正常/进度滞后（预警）/未达标）并生成预警清单。"""
    import pandas as pd

    from renkou.app.assessment import assess as assess_plan
    from renkou.app.sample import with_factor_column
    from renkou.plans import AssessmentConfig, assessment_frame, warning_list
    from renkou.tables import write_table, write_workbook

    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError("输出文件须为 .csv 或 .xlsx", file=str(out))
    cfg = AssessmentConfig(approx_rel_tolerance=tolerance, lag_tolerance=lag_tolerance)
    result = assess_plan(store_path(db), plan, year, config=cfg, trajectories=trajectories,
                         forward=not no_forward, scale=parse_scale(scale))
    pa = result.assessment
    frame = assessment_frame(pa)
    if result.sample is not None:
        frame = with_factor_column(frame, pa.plan, result.sample)
    warnings = warning_list(pa)
    wframe = pd.DataFrame([{
        "序号": w.rank, "预警等级": w.level, "指标代码": w.indicator_code, "指标名称": w.name,
        "评估结论": w.status, "风险分": w.score, "原因": "；".join(w.reasons),
        "建议": w.suggestion, "责任部门": "、".join(w.departments)} for w in warnings])
    if out.suffix.lower() == ".xlsx":
        write_workbook({"指标评估": frame, "预警清单": wframe}, out)
        typer.echo(f"已写出评估表与预警清单：{out}")
    else:
        write_table(frame, out)
        wpath = out.with_name(out.stem + "-预警清单.csv")
        write_table(wframe, wpath)
        typer.echo(f"已写出评估表：{out}；预警清单：{wpath}")
    if result.synthetic:
        typer.echo("注意：该库为合成的示范数据（示范数据），数值仅供演示。")
    if result.uncovered:
        typer.echo(f"注意：{result.uncovered}；这些指标记为“数据不足”，只评估部门填报的指标。")
    echo_notes(result.scale_notes)
    counts = frame["评估结论"].value_counts()
    typer.echo(f"{pa.plan.name_zh} {pa.year}年评估：" + "，".join(
        f"{k} {int(v)} 项" for k, v in counts.items()))
    for w in warnings[:5]:
        typer.echo(f"  [{w.level}] {w.name}：{w.reasons[0]}")


def register(app: typer.Typer) -> None:
    app.command("assess")(assess)
