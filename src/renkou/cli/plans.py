"""``renkou plans``: the population development plans as data (规划指标与任务)."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import TYPE_CHECKING

import typer

from renkou.errors import InputError

if TYPE_CHECKING:  # the plans package (pandas, openpyxl) loads when a command runs: start-up
    from rich.console import Console

    from renkou.plans import Indicator, Plan

plans_app = typer.Typer(help="人口发展规划：指标、目标、任务与责任部门 / plans as data",
                        no_args_is_help=True)

_KIND_ZH = {"computed": "计算", "reported": "填报"}
_BASIS_ZH = {"task-division": "分工清单", "plan-text": "规划原文", "mandate": "按职能"}


class Format(StrEnum):
    table = "table"
    json = "json"


class Part(StrEnum):
    all = "all"
    indicators = "indicators"
    tasks = "tasks"
    figures = "figures"


def _console() -> Console:
    from rich.console import Console

    # Wide enough for Chinese tables when output is piped; soft-wraps otherwise.
    return Console(width=160) if not Console().is_terminal else Console()


def _dept_names(codes: tuple[str, ...]) -> str:
    from renkou.plans import departments

    depts = departments()
    return "、".join(depts[c].name_zh if c in depts else c for c in codes)


def _baselines_zh(ind: Indicator) -> str:
    parts = []
    for b in ind.baselines:
        mark = {"eq": "", "approx": "约", "gt": ">", "lt": "<", "ge": "≥", "le": "≤"}[b.comparator]
        when = f"{b.period_start}—{b.period_end}" if b.period_start else str(b.year)
        parts.append(f"{when}：{mark}{b.value:g}")
    return "；".join(parts) or "—"


def _targets_zh(ind: Indicator) -> str:
    parts = [f"{t.year}：{t.describe_zh(ind.unit)}" for t in ind.targets]
    if ind.qualitative_target:
        parts.append(f"定性：{ind.qualitative_target}")
    return "；".join(parts) or "—"


def _show_table(plan: Plan, part: Part) -> None:
    from rich.table import Table

    con = _console()
    period = f"{plan.period_start}—{plan.period_end}年"
    con.print(f"[bold]{plan.name_zh}[/bold]（{plan.code}）")
    con.print(f"区域：{plan.area_name}（{plan.area_code}）  规划期：{period}  "
              f"发文机关：{plan.issuing_body or '未载明'}"
              + (f"  文号：{plan.document_number}" if plan.document_number else "")
              + (f"  印发：{plan.issued.isoformat()}" if plan.issued else ""))
    if plan.lead_department:
        con.print(f"牵头部门：{_dept_names((plan.lead_department,))}  "
                  f"原文：{'，'.join(plan.source_files)}")
    if part in (Part.all, Part.indicators):
        t = Table(title=f"指标（{len(plan.indicators)} 项）", show_lines=False)
        for col in ("代码", "指标", "单位", "类别", "基期值", "目标", "类型", "责任部门"):
            t.add_column(col, overflow="fold")
        for ind in plan.indicators:
            t.add_row(ind.code, ind.name_zh, ind.unit, ind.category, _baselines_zh(ind),
                      _targets_zh(ind), _KIND_ZH[ind.kind],
                      f"{_dept_names(ind.departments)}（{_BASIS_ZH[ind.department_basis]}）")
        con.print(t)
    if part in (Part.all, Part.tasks) and plan.tasks:
        t = Table(title=f"重点任务（{len(plan.tasks)} 项）")
        for col in ("代码", "序号", "章节", "任务", "举措数", "牵头部门", "责任部门"):
            t.add_column(col, overflow="fold")
        for task in plan.tasks:
            t.add_row(task.code, str(task.number) if task.number is not None else "—",
                      task.section, task.title, str(len(task.measures)),
                      _dept_names((task.lead_department,)) if task.lead_department else "—",
                      _dept_names(task.departments))
        con.print(t)
    if part in (Part.all, Part.figures) and plan.figures:
        t = Table(title=f"其他数据（标准、金额、成就等，{len(plan.figures)} 项）")
        for col in ("代码", "名称", "数值", "单位", "年份", "类别"):
            t.add_column(col, overflow="fold")
        kinds = {"achievement": "成就", "standard": "标准", "amount": "金额",
                 "planning": "规划值", "projection": "预测", "context": "背景"}
        for f in plan.figures:
            t.add_row(f.code, f.name_zh, f"{f.value:g}", f.unit,
                      str(f.year) if f.year else "—", kinds[f.kind])
        con.print(t)


@plans_app.command("list")
def list_cmd(
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table 或 json"),
) -> None:
    """列出已内置的规划。 List the plans shipped with renkou."""
    from rich.table import Table

    from renkou.plans import list_plans

    plans = list_plans()
    if fmt is Format.json:
        typer.echo(json.dumps([
            {"code": p.code, "name_zh": p.name_zh, "name_en": p.name_en,
             "area_code": p.area_code, "period_start": p.period_start,
             "period_end": p.period_end, "indicators": len(p.indicators),
             "computed": len(p.computed_indicators()),
             "reported": len(p.reported_indicators()), "tasks": len(p.tasks),
             "figures": len(p.figures)} for p in plans], ensure_ascii=False, indent=2))
        return
    t = Table(title="人口发展规划")
    for col in ("代码", "名称", "区域", "规划期", "指标（计算/填报）", "任务", "其他数据"):
        t.add_column(col)
    for p in plans:
        t.add_row(p.code, p.name_zh, f"{p.area_name}（{p.area_code}）",
                  f"{p.period_start}—{p.period_end}",
                  f"{len(p.indicators)}（{len(p.computed_indicators())}/"
                  f"{len(p.reported_indicators())}）", str(len(p.tasks)), str(len(p.figures)))
    _console().print(t)


@plans_app.command("show")
def show_cmd(
    plan: str = typer.Argument(..., help="规划代码，如 tianjin-14th"),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table 或 json"),
    part: Part = typer.Option(Part.all, "--part", help="all / indicators / tasks / figures"),
) -> None:
    """显示一个规划的指标、目标、任务和责任部门。 Show one plan."""
    from renkou.plans import get_plan

    p = get_plan(plan)
    if fmt is Format.json:
        data = p.model_dump(mode="json")
        if part is not Part.all:
            data = {k: v for k, v in data.items()
                    if k not in {"indicators", "tasks", "figures"} - {part.value}}
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    _show_table(p, part)


@plans_app.command("departments")
def departments_cmd(
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table 或 json"),
) -> None:
    """列出责任部门。 List the departments named by the plans."""
    from rich.table import Table

    from renkou.plans import departments

    depts = departments()
    if fmt is Format.json:
        typer.echo(json.dumps([d.model_dump(mode="json") for d in depts.values()],
                              ensure_ascii=False, indent=2))
        return
    t = Table(title=f"责任部门（{len(depts)} 个）")
    for col in ("代码", "名称", "英文名", "层级", "别名"):
        t.add_column(col)
    level = {"city": "市级", "district": "区级", "generic": "泛指"}
    for d in depts.values():
        t.add_row(d.code, d.name_zh, d.name_en, level[d.level], "、".join(d.aliases))
    _console().print(t)


@plans_app.command("check")
def check_cmd() -> None:
    """核对每条引文是否逐字出现在规划原文中。 Check every quote against the source texts."""
    from renkou.plans import list_plans, plan_quotes, unverified_quotes

    bad: list[str] = []
    for p in list_plans():
        problems = unverified_quotes(p)
        n = len(plan_quotes(p)) + sum(len(t.measures) for t in p.tasks)
        typer.echo(f"{p.code}：核对 {n} 条引文与举措，{len(problems)} 条未找到")
        bad += [f"{p.code} {x}" for x in problems]
    if bad:
        raise InputError("以下引文未在原文中找到：\n" + "\n".join(bad))
    typer.echo("全部引文均在原文中找到。")


def register(app: typer.Typer) -> None:
    app.add_typer(plans_app, name="plans")
