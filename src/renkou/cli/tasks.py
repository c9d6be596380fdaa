"""``renkou tasks``: task supervision (任务督办) — record progress, import it, show status."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from renkou.cli._dates import option_date
from renkou.cli._plans_common import DB_HELP, open_store, store_path
from renkou.errors import InputError

tasks_app = typer.Typer(help="规划重点任务进展与督办 / task supervision", no_args_is_help=True)


@tasks_app.command("report")
def report(
    plan: str = typer.Option(..., "--plan", help="规划代码 / plan code"),
    task: str = typer.Option(..., "--task", help="任务编号，如 TJ14-T01（或序号）"),
    status: str = typer.Option(..., "--status", help="未启动/推进中/已完成/滞后"),
    percent: float = typer.Option(..., "--percent", help="完成百分比 0–100"),
    narrative: str = typer.Option(..., "--narrative", help="进展情况 / narrative"),
    department: str = typer.Option(..., "--department", help="填报单位（部门名称或代码）"),
    reporter: str = typer.Option(..., "--reporter", help="填报人"),
    evidence: str = typer.Option("", "--evidence", help="佐证材料（文号、链接、台账编号）"),
    date: str = typer.Option(None, "--date", help="报告日期 YYYY-MM-DD（默认今天）"),
    db: Path = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """记录一条任务进展（同时写入审计日志）。"""
    from renkou.app.accounts import CLI_ACTOR
    from renkou.app.tasks import ProgressEntry, report_progress

    rec = report_progress(store_path(db), plan, task,
                          ProgressEntry(status=status, percent=percent, narrative=narrative,
                                        evidence=evidence,
                                        report_date=option_date(date) or dt.date.today(),
                                        department=department, reporter=reporter),
                          actor=CLI_ACTOR, role="")
    typer.echo(f"已记录：{rec.task_code} {rec.status} {rec.percent:g}%（{rec.report_date}）")


@tasks_app.command("import")
def import_(
    file: Path = typer.Argument(..., help="进展表 .xlsx/.csv（列：任务编号、报告日期、进展状态、"
                                          "完成百分比、进展情况、佐证材料、填报单位、填报人）"),
    plan: str = typer.Option(..., "--plan", help="规划代码 / plan code"),
    db: Path = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """从Excel导入任务进展：逐行通过或隔离。"""
    from renkou.plans import get_plan, import_progress

    registry = open_store(db)
    try:
        n, bad = import_progress(registry, get_plan(plan), file)
    finally:
        registry.close()
    typer.echo(f"通过 {n} 行，隔离 {len(bad)} 行。")
    for b in bad:
        typer.echo(f"  隔离 {b}")


@tasks_app.command("template")
def template(
    plan: str = typer.Option(..., "--plan", help="规划代码 / plan code"),
    out: Path = typer.Option(..., "--out", help="输出 .xlsx"),
) -> None:
    """生成任务进展填报表（每项任务一行）。"""
    from renkou.plans import get_plan, write_progress_template

    p = get_plan(plan)
    write_progress_template(p, out)
    typer.echo(f"已生成任务进展填报表：{out}（{len(p.tasks)} 项任务）")


@tasks_app.command("status")
def status_(
    plan: str = typer.Option(..., "--plan", help="规划代码 / plan code"),
    as_of: str = typer.Option(None, "--as-of", help="截至日期 YYYY-MM-DD（默认今天）"),
    by: str = typer.Option("department", "--by", help="department（按部门）或 section（按章节）"),
    out: Path = typer.Option(None, "--out", help="另存每项任务状态 .csv/.xlsx"),
    db: Path = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """显示任务进展：按部门或章节汇总，并列出督办提示。"""
    from renkou.app import tasks
    from renkou.plans import get_plan

    if by not in ("department", "section"):
        raise InputError("--by 应为 department 或 section")
    db_path = store_path(db)
    day = option_date(as_of) or dt.date.today()
    states = tasks.task_list(db_path, plan, day)
    groups = tasks.board(db_path, plan, day, by=by)
    typer.echo(f"{get_plan(plan).name_zh}：重点任务 {len(states)} 项（截至 {day}）")
    typer.echo(f"{'部门' if by == 'department' else '章节'}\t任务\t已完成\t推进中\t滞后\t未报告\t"
               "平均进度\t需督办")
    for g in groups:
        typer.echo(f"{g.name}\t{g.tasks}\t{g.completed}\t{g.in_progress}\t{g.lagging}\t"
                   f"{g.unreported}\t{g.mean_percent:.0f}%\t{g.flagged}")
    marked = tasks.overdue(db_path, plan, day)
    if marked:
        typer.echo(f"督办提示（{len(marked)} 项）：")
        for s in marked:
            typer.echo(f"  {s.task.code} {s.task.title}：{'；'.join(s.flags)}")
    if out is not None:
        from renkou.plans import states_frame
        from renkou.tables import write_table

        write_table(states_frame(states), out)
        typer.echo(f"任务状态已写出：{out}")


def register(app: typer.Typer) -> None:
    app.add_typer(tasks_app, name="tasks")
