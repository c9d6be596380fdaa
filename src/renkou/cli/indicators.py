"""``renkou indicators``: reported-indicator template and import, computed indicators."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import typer

from renkou.cli._plans_common import SCALE_HELP, open_registry, resolve_scale

indicators_app = typer.Typer(help="规划指标：填报模板、导入与计算 / plan indicators",
                             no_args_is_help=True)


@indicators_app.command("template")
def template(
    plan: str = typer.Option(..., "--plan", help="规划代码，如 tianjin-14th / plan code"),
    year: int = typer.Option(..., "--year", help="填报年度 / reporting year"),
    out: Path = typer.Option(..., "--out", help="输出 .xlsx 文件 / output workbook"),
) -> None:
    """生成部门填报模板（每个填报类指标一行，含数据有效性校验和填报说明）。"""
    from renkou.plans import get_plan
    from renkou.plans.template import write_template

    p = get_plan(plan)
    path = write_template(p, year, out)
    n = len(p.reported_indicators())
    typer.echo(f"已生成填报模板：{path}（{n} 项填报类指标，{year} 年度）")


@indicators_app.command("import")
def import_(
    file: Path = typer.Argument(..., help="已填写的填报模板 .xlsx / filled template"),
    plan: str = typer.Option(None, "--plan", help="规划代码（默认取模板中记录的规划）"),
    db: Path = typer.Option(None, "--db", help="数据库文件（默认内置示范库）/ store file"),
) -> None:
    """导入填报模板：逐行通过或隔离，隔离行注明文件、行号、列和原因。"""
    from renkou.plans.template import import_template

    registry = open_registry(db)
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
    year: int = typer.Option(..., "--year", help="年份 / year"),
    area: str = typer.Option("120000", "--area", help="地区代码：市、区（6位）或街镇（9位）"),
    formula: list[str] = typer.Option(None, "--formula", help="只计算这些公式 / formulas"),
    plan: str = typer.Option(None, "--plan", help="计算该规划的全部计算类指标"),
    childcare_places: float = typer.Option(None, "--childcare-places",
                                           help="托位数（计算每千人口托位数时需要）"),
    db: Path = typer.Option(None, "--db", help="数据库文件（默认内置示范库）"),
    scale: str = typer.Option(None, "--scale", help=SCALE_HELP),
) -> None:
    """按地区和年份计算指标（数据来自人口基础信息库）。"""
    from renkou.plans.formulas import IndicatorData
    from renkou.plans.indicator_data import RegistryData
    from renkou.plans.indicators import FORMULAS, compute_many

    # (formula, area): the --area, or for a plan indicator of a district group (e.g. 外围五区
    # 城镇化率) the group within the plan's city, as ``renkou assess`` computes it.
    wanted: list[tuple[str, str]] = [(f, area) for f in dict.fromkeys(formula or [])]
    # The published hukou figure nearest the plan's base year, as ``renkou assess`` uses;
    # without a plan the one nearest the year computed.
    hukou_year = year
    if plan:
        from renkou.plans import get_plan
        from renkou.plans.plan_assessment import indicator_area

        p = get_plan(plan)
        hukou_year = p.period_start - 1
        for ind in p.computed_indicators():
            if not ind.formula:
                continue
            where = indicator_area(p, ind) if ind.area_group and area == p.area_code else area
            if (ind.formula, where) not in wanted:
                wanted.append((ind.formula, where))
    if not wanted:
        wanted = [(f, area) for f in FORMULAS]
    extra = {"childcare_places": childcare_places} if childcare_places is not None else {}
    registry = open_registry(db, read_only=True)
    try:
        from renkou.plans.coverage import UncoveredArea, uncovered_reason

        # An area the store does not hold (e.g. Chongqing in the Tianjin-like demo city)
        # gets one plain reason per indicator instead of zeros and divisions by zero.
        reason = uncovered_reason(registry, area, year)
        notes: tuple[str, ...] = ()
        factor = resolve_scale(scale, db)
        if factor is not None:
            extra["population_scale"] = extra["hukou_scale"] = factor
            if factor != 1.0:
                notes = (f"总量指标按指定的折算系数{factor:g}换算（常住、户籍口径相同）",)
        elif reason is None:
            # "auto": resident totals by the census factor, hukou totals by the published
            # hukou figure (renkou.plans.population_scale), as in ``renkou assess``.
            from renkou.plans.population_scale import hukou_scale, resident_scale

            resident = resident_scale(registry, area)
            hukou = hukou_scale(registry, area, hukou_year, resident)
            extra["population_scale"] = resident.value
            extra["hukou_scale"] = hukou.value
            notes = tuple(f.describe() for f in (resident, hukou) if f.value != 1.0)
        if childcare_places is None:
            from renkou.plans.storage import facility_counts

            stored = facility_counts(registry, area).get("childcare_places", {})
            if year in stored:
                extra["childcare_places"] = stored[year]
        data = (RegistryData(registry) if reason is None
                else cast("IndicatorData", UncoveredArea(reason)))
        results = []
        for where in dict.fromkeys(w for _f, w in wanted):
            names = [f for f, w in wanted if w == where]
            results.append((where, names, *compute_many(data, names, where, year, extra)))
    finally:
        registry.close()
    for note in notes:
        typer.echo(f"注意：{note}。")
    for where, names, values, errors in results:
        for name in names:
            f = FORMULAS.get(name)
            label = f.name_zh if f else name
            # Only a group is named: every other line is for --area.
            tag = name if where == area else f"{name}，{where}"
            if name in values:
                v = values[name]
                typer.echo(f"{label}（{tag}）：{v.value:.4g} {v.unit}  [{v.source}，{v.as_of}]")
            else:
                typer.echo(f"{label}（{tag}）：无法计算 — {errors.get(name, '')}")


@indicators_app.command("facility")
def facility(
    year: int = typer.Option(..., "--year", help="年份（年末数）/ year"),
    value: float = typer.Option(..., "--value", help="设施数量，如托位数 / count"),
    kind: str = typer.Option("childcare_places", "--kind",
                             help="设施类别（目前：childcare_places 3岁以下婴幼儿托位）"),
    area: str = typer.Option("120000", "--area", help="地区代码 / area code"),
    source: str = typer.Option(..., "--source", help="数据来源（部门、文件）/ source"),
    db: Path = typer.Option(None, "--db", help="数据库文件（默认内置示范库）"),
) -> None:
    """登记计算指标所需的设施数量（如托位数），用于每千人口托位数等指标。"""
    import datetime as dt

    import pandas as pd

    from renkou.errors import InputError
    from renkou.plans.storage import FACILITIES, write_app

    if kind != "childcare_places":
        raise InputError(f"未知的设施类别 {kind}（可选：childcare_places）")
    if value < 0:
        raise InputError(f"设施数量不能为负：{value:g}")
    registry = open_registry(db)
    try:
        write_app(registry, FACILITIES, pd.DataFrame([{
            "area": area, "kind": kind, "year": year, "value": value, "source": source,
            "recorded_at": dt.datetime.now().replace(microsecond=0)}]))
    finally:
        registry.close()
    typer.echo(f"已登记 {area} {year}年 {kind} = {value:g}（{source}）")


def register(app: typer.Typer) -> None:
    app.add_typer(indicators_app, name="indicators")
