"""``renkou assess``: assessment of a plan's indicators in a year, with the warning list."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import typer

from renkou.cli._plans_common import SCALE_HELP, open_registry, resolve_scale
from renkou.errors import InputError

if TYPE_CHECKING:
    from renkou.plans.plan_assessment import PlanAssessment
    from renkou.registry import Registry


def assess(
    plan: str = typer.Option(..., "--plan", help="规划代码，如 tianjin-14th / plan code"),
    year: int = typer.Option(..., "--year", help="评估年份 / year assessed"),
    out: Path = typer.Option(..., "--out", help="输出 .csv 或 .xlsx / output table"),
    db: Path = typer.Option(None, "--db", help="数据库文件（默认内置示范库）/ store file"),
    tolerance: float = typer.Option(None, "--tolerance",
                                    help="“左右”目标的相对容差（默认 0.01，即 ±1%）"),
    lag_tolerance: float = typer.Option(0.10, "--lag-tolerance",
                                        help="进度容差：完成进度不低于时间进度×(1−该值)为正常"),
    trajectories: int = typer.Option(200, "--trajectories", help="随机预测条数 / trajectories"),
    no_forward: bool = typer.Option(False, "--no-forward", help="不做预测 / skip projection"),
    scale: str = typer.Option(None, "--scale", help=SCALE_HELP),
) -> None:
    """评估规划指标完成情况（已达标/进度正常/进度滞后（预警）/未达标）并生成预警清单。"""
    from renkou.plans import get_plan
    from renkou.plans.assessment import AssessmentConfig
    from renkou.plans.coverage import evaluate_store
    from renkou.plans.plan_assessment import assessment_frame
    from renkou.plans.warnings import warning_list
    from renkou.tables import write_table

    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError("输出文件须为 .csv 或 .xlsx", file=str(out))
    p = get_plan(plan)
    cfg = AssessmentConfig(approx_rel_tolerance=tolerance, lag_tolerance=lag_tolerance)
    registry = open_registry(db, read_only=True)
    try:
        pa, uncovered = evaluate_store(registry, p, year, config=cfg,
                                       trajectories=trajectories, forward=not no_forward,
                                       scale=resolve_scale(scale, db))
        hint = downscale_hint(registry, pa) if scale is None and db is not None else None
    finally:
        registry.close()
    frame = assessment_frame(pa)
    warnings = warning_list(pa)
    wframe = pd.DataFrame([{
        "序号": w.rank, "预警等级": w.level, "指标代码": w.indicator_code, "指标名称": w.name,
        "评估结论": w.status, "风险分": w.score, "原因": "；".join(w.reasons),
        "建议": w.suggestion, "责任部门": "、".join(w.departments)} for w in warnings])
    if out.suffix.lower() == ".xlsx":
        out.parent.mkdir(parents=True, exist_ok=True)
        with pd.ExcelWriter(out, engine="openpyxl") as writer:
            frame.to_excel(writer, sheet_name="指标评估", index=False)
            wframe.to_excel(writer, sheet_name="预警清单", index=False)
        typer.echo(f"已写出评估表与预警清单：{out}")
    else:
        write_table(frame, out)
        wpath = out.with_name(out.stem + "-预警清单.csv")
        write_table(wframe, wpath)
        typer.echo(f"已写出评估表：{out}；预警清单：{wpath}")
    if uncovered:
        typer.echo(f"注意：{uncovered}；这些指标记为“数据不足”，只评估部门填报的指标。")
    echo_scale_notes(pa)
    if hint:
        typer.echo(hint)
    counts = frame["评估结论"].value_counts()
    typer.echo(f"{p.name_zh} {year}年评估：" + "，".join(
        f"{k} {int(v)} 项" for k, v in counts.items()))
    for w in warnings[:5]:
        typer.echo(f"  [{w.level}] {w.name}：{w.reasons[0]}")


def echo_scale_notes(pa: PlanAssessment, indent: str = "") -> None:
    """Print how totals were scaled (总量折算系数), one line per caliber: the resident factor
    and the hukou factor each with its basis (renkou.plans.population_scale). Nothing for a
    real registry (factor 1) or an uncovered area (nothing was computed)."""
    for note in pa.scale_notes:
        typer.echo(f"{indent}注意：{note}。")


# Census residents per registry resident from which a store given with --db (real counts
# assumed) is taken for a sample: a real registry misses far fewer than half the residents.
DOWNSCALED_FROM = 2.0


def downscale_hint(registry: Registry, pa: PlanAssessment) -> str | None:
    """A hint when a store read as real counts (--db without --scale) holds far fewer
    residents of the plan area than the census counted — a copy of the sampled demo city,
    whose totals in 万人 then read as tiny numbers."""
    from renkou.plans.population_scale import resident_scale

    if pa.uncovered or pa.scale != 1.0:
        return None
    factor = resident_scale(registry, pa.area)
    if factor.value < DOWNSCALED_FROM:
        return None
    return (f"提示：库内常住人口约为七普的1/{factor.value:.0f}（{factor.basis}），总量指标按库内"
            "实际人数计；若为抽样示范库，请加 --scale auto 按七普和公布户籍人口折算。")


def register(app: typer.Typer) -> None:
    app.command("assess")(assess)
