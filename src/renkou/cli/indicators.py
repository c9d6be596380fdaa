"""``renkou indicators``: reported-indicator template and import, computed indicators."""

from __future__ import annotations

from pathlib import Path

import typer

from renkou.cli._plans_common import (
    DB_HELP,
    SCALE_HELP,
    echo_notes,
    open_store,
    parse_scale,
    store_path,
)

indicators_app = typer.Typer(help="规划指标：填报模板、导入与计算 / plan indicators",
                             no_args_is_help=True)


@indicators_app.command("template")
def template(
    plan: str = typer.Option(..., "--plan", help="规划代码，如 tianjin-14th / plan code"),
    year: int = typer.Option(..., "--year", help="填报年度 / reporting year"),
    out: Path = typer.Option(..., "--out", help="输出 .xlsx 文件 / output workbook"),
    area: list[str] = typer.Option(None, "--area",
                                   help="按地区填报（可重复，如各街镇代码）；默认规划地区"),
) -> None:
    """生成部门填报模板（每个填报类指标一行，含数据有效性校验和填报说明）。"""
    from renkou.plans import get_plan, write_template

    p = get_plan(plan)
    path = write_template(p, year, out, areas=area or None)
    n = len(p.reported_indicators())
    per = f"，{len(area)} 个地区" if area else ""
    typer.echo(f"已生成填报模板：{path}（{n} 项填报类指标{per}，{year} 年度）")


@indicators_app.command("import")
def import_(
    file: Path = typer.Argument(..., help="已填写的填报模板 .xlsx / filled template"),
    plan: str = typer.Option(None, "--plan", help="规划代码（默认取模板中记录的规划）"),
    db: Path = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """导入填报模板：逐行通过或隔离，隔离行注明文件、行号、列和原因。"""
    from renkou.plans import import_template

    registry = open_store(db)
    try:
        result = import_template(registry, file, plan)
    finally:
        registry.close()
    typer.echo(f"规划 {result.plan}：通过 {result.accepted} 行，未填报 {result.blank} 行，"
               f"隔离 {len(result.rejected)} 行。")
    for r in result.rejected:
        typer.echo(f"  隔离 {r}")


@indicators_app.command("compute")
def compute(
    year: int = typer.Option(None, "--year", help="年份（默认：库内数据的最后完整年度）"),
    area: str = typer.Option(None, "--area",
                             help="地区代码（默认：库所属辖区）：辖区、区县（6位）或街镇（9位）"),
    formula: list[str] = typer.Option(None, "--formula", help="只计算这些公式 / formulas"),
    plan: str = typer.Option(None, "--plan", help="计算该规划的全部计算类指标"),
    childcare_places: float = typer.Option(None, "--childcare-places",
                                           help="托位数（计算每千人口托位数时需要）"),
    db: Path = typer.Option(None, "--db", help=DB_HELP),
    scale: str = typer.Option(None, "--scale", help=SCALE_HELP),
) -> None:
    """按地区和年份计算指标（数据来自人口基础信息库）。"""
    from renkou.app.indicators import compute as compute_indicators

    results = compute_indicators(store_path(db), year, area=area, formulas=formula or [],
                                 plan_code=plan, childcare_places=childcare_places,
                                 scale=parse_scale(scale))
    echo_notes(results.scale_notes)
    for c in results.indicators:
        # Only a group is named: every other line is for the area asked for.
        tag = c.formula if c.area == results.area else f"{c.formula}，{c.area}"
        if c.value is not None:
            v = c.value
            typer.echo(f"{c.name}（{tag}）：{v.value:.4g} {v.unit}  [{v.source}，{v.as_of}]")
        else:
            typer.echo(f"{c.name}（{tag}）：无法计算 — {c.error or ''}")


@indicators_app.command("facility")
def facility(
    year: int = typer.Option(..., "--year", help="年份（年末数）/ year"),
    value: float = typer.Option(..., "--value", help="设施数量，如托位数 / count"),
    kind: str = typer.Option("childcare_places", "--kind",
                             help="设施类别（目前：childcare_places 3岁以下婴幼儿托位）"),
    area: str = typer.Option(None, "--area", help="地区代码（默认：库所属辖区）/ area code"),
    source: str = typer.Option(..., "--source", help="数据来源（部门、文件）/ source"),
    db: Path = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """登记计算指标所需的设施数量（如托位数），用于每千人口托位数等指标。"""
    import datetime as dt

    import pandas as pd

    from renkou.errors import InputError
    from renkou.plans import FACILITIES, write_app

    if kind != "childcare_places":
        raise InputError(f"未知的设施类别 {kind}（可选：childcare_places）")
    if value < 0:
        raise InputError(f"设施数量不能为负：{value:g}")
    registry = open_store(db)
    try:
        area = area or registry.jurisdiction().code
        write_app(registry, FACILITIES, pd.DataFrame([{
            "area": area, "kind": kind, "year": year, "value": value, "source": source,
            "recorded_at": dt.datetime.now().replace(microsecond=0)}]))
    finally:
        registry.close()
    typer.echo(f"已登记 {area} {year}年 {kind} = {value:g}（{source}）")


def register(app: typer.Typer) -> None:
    app.add_typer(indicators_app, name="indicators")
