"""Task supervision (任务督办): progress records per plan task and the views on them.

A progress record (进展记录) is (task, date, status 未启动/推进中/已完成/滞后, percent,
narrative, evidence reference, department, reporter). The latest record per task is its
current state. A task is **flagged** (督办提示) when its latest status is 滞后, or when it is
not finished and has no report in the last quarter (92 days before the reference date) —
including tasks never reported at all.

Records are stored in the registry's ``app_task_progress`` table (via
:mod:`renkou.plans.storage`); rows of an imported Excel file are accepted or quarantined
with file, row, column and reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from renkou.errors import InputError, NotFoundError
from renkou.plans.catalog import departments, resolve_department
from renkou.plans.model import Plan, Task
from renkou.plans.storage import TASK_PROGRESS, TASK_QUARANTINE, AppTables, read_app, write_app
from renkou.plans.template import (
    Rejection,
    as_plan,
    department_names,
    parse_date,
    parse_number,
    reporting_units,
)

STATUSES = ("未启动", "推进中", "已完成", "滞后")
STALE_DAYS = 92  # "no report in the last quarter"
FLAG_LAGGING = "标记滞后"
FLAG_STALE = "近一季度未报告"
FLAG_NEVER = "从未报告"
INPUT_COLUMNS = ("报告日期", "进展状态", "完成百分比", "进展情况", "佐证材料")
PROGRESS_COLUMNS = ("任务编号", "报告日期", "进展状态", "完成百分比", "进展情况", "佐证材料",
                    "填报单位", "填报人")


@dataclass(frozen=True)
class ProgressRecord:
    """One progress report on a task (任务进展记录)."""

    plan: str
    task_code: str
    report_date: dt.date
    status: str
    percent: float
    narrative: str
    evidence: str
    department: str
    reporter: str


@dataclass(frozen=True)
class TaskState:
    """A task with its latest report and flags (任务状态)."""

    task: Task
    latest: ProgressRecord | None
    flags: tuple[str, ...]

    @property
    def status(self) -> str:
        return self.latest.status if self.latest else "未报告"

    @property
    def percent(self) -> float:
        return self.latest.percent if self.latest else 0.0


@dataclass(frozen=True)
class GroupProgress:
    """Progress summed over a department or a plan section (分组进展)."""

    key: str
    name: str
    tasks: int
    completed: int
    in_progress: int
    not_started: int
    lagging: int
    unreported: int
    mean_percent: float
    flagged: int


def _task(plan: Plan, code: str) -> Task:
    for t in plan.tasks:
        if t.code == code or (t.number is not None and code == str(t.number)):
            return t
    raise NotFoundError(f"规划 {plan.code} 中没有任务 {code}")


def validate_record(plan: Plan, task_code: str, report_date: dt.date, status: str,
                    percent: float, narrative: str, evidence: str, department: str,
                    reporter: str, *, today: dt.date | None = None) -> ProgressRecord:
    """Check one record; raises InputError with the offending column named."""
    task = _task(plan, task_code)
    if status not in STATUSES:
        raise InputError(f"进展状态“{status}”无效（可选：{'、'.join(STATUSES)}）",
                         column="进展状态")
    if not 0 <= percent <= 100:
        raise InputError(f"完成百分比 {percent:g} 应在 0 到 100 之间", column="完成百分比")
    if status == "已完成" and percent < 100:
        raise InputError("状态为“已完成”时完成百分比应为100", column="完成百分比")
    if status == "未启动" and percent > 0:
        raise InputError("状态为“未启动”时完成百分比应为0", column="完成百分比")
    if report_date > (today or dt.date.today()) + dt.timedelta(days=1):
        raise InputError(f"报告日期 {report_date} 晚于今天", column="报告日期")
    if not narrative.strip():
        raise InputError("进展情况为必填", column="进展情况")
    if not reporter.strip():
        raise InputError("填报人为必填", column="填报人")
    try:
        dept = resolve_department(department).code
    except NotFoundError:
        raise InputError(f"“{department}”不是已登记的部门", column="填报单位") from None
    return ProgressRecord(plan=plan.code, task_code=task.code, report_date=report_date,
                          status=status, percent=float(percent), narrative=narrative.strip(),
                          evidence=evidence.strip(), department=dept, reporter=reporter.strip())


def _frame(records: Iterable[ProgressRecord], stamp: dt.datetime, source: str
           ) -> pd.DataFrame:
    return pd.DataFrame([{**r.__dict__, "source": source, "recorded_at": stamp}
                         for r in records])


def record_progress(store: AppTables, record: ProgressRecord, *, source: str = "cli",
                    now: dt.datetime | None = None) -> None:
    """Store one validated record."""
    stamp = (now or dt.datetime.now()).replace(microsecond=0)
    write_app(store, TASK_PROGRESS, _frame([record], stamp, source))


def import_progress(store: AppTables, plan: Plan | str, path: Path | str, *,
                    now: dt.datetime | None = None) -> tuple[int, tuple[Rejection, ...]]:
    """Import progress rows from an Excel/CSV file with the columns of
    :data:`PROGRESS_COLUMNS`; returns (accepted count, rejections)."""
    from renkou.tables import read_table, require_columns, sheet_row

    p = as_plan(plan)
    file = Path(path)
    df = read_table(file)
    require_columns(df, [*PROGRESS_COLUMNS[:4], "进展情况", "填报单位", "填报人"],
                    file.name)
    stamp = (now or dt.datetime.now()).replace(microsecond=0)
    good: list[ProgressRecord] = []
    bad: list[Rejection] = []
    for i, row in enumerate(df.to_dict("records")):
        n = sheet_row(i)
        # Rows of the progress template that the department left empty are not reports.
        if not any(str(row.get(c, "")).strip() for c in INPUT_COLUMNS):
            continue
        try:
            try:
                on = parse_date(row["报告日期"])
            except (TypeError, ValueError):
                raise InputError(f"“{row['报告日期']}”不是有效日期", column="报告日期") from None
            try:
                pct = parse_number(row["完成百分比"] or 0)
            except (TypeError, ValueError):
                raise InputError(f"“{row['完成百分比']}”不是数字", column="完成百分比") from None
            try:
                _task(p, str(row["任务编号"]).strip())
            except NotFoundError as exc:
                raise InputError(exc.message, column="任务编号") from None
            good.append(validate_record(
                p, str(row["任务编号"]).strip(), on, str(row["进展状态"]).strip(), pct,
                str(row.get("进展情况", "")), str(row.get("佐证材料", "")),
                str(row["填报单位"]), str(row["填报人"]), today=stamp.date()))
        except InputError as exc:
            bad.append(Rejection(file.name, n, exc.column or "", exc.message))
    write_app(store, TASK_PROGRESS, _frame(good, stamp, file.name))
    write_app(store, TASK_QUARANTINE, pd.DataFrame([
        {"plan": p.code, "file": x.file, "row": x.row, "column": x.column, "reason": x.reason,
         "imported_at": stamp} for x in bad]))
    return len(good), tuple(bad)


def load_records(store: AppTables, plan_code: str) -> list[ProgressRecord]:
    df = read_app(store, TASK_PROGRESS)
    if df.empty:
        return []
    df = df[df["plan"] == plan_code].sort_values(["report_date", "recorded_at"])
    out: list[ProgressRecord] = []
    for r in df.to_dict("records"):
        out.append(ProgressRecord(
            plan=str(r["plan"]), task_code=str(r["task_code"]),
            report_date=_as_date(r["report_date"]), status=str(r["status"]),
            percent=float(r["percent"]), narrative=str(r["narrative"]),
            evidence=str(r["evidence"] or ""), department=str(r["department"]),
            reporter=str(r["reporter"])))
    return out


def _as_date(x: Any) -> dt.date:
    if isinstance(x, pd.Timestamp):
        return x.date()
    if isinstance(x, dt.datetime):
        return x.date()
    if isinstance(x, dt.date):
        return x
    return dt.date.fromisoformat(str(x)[:10])


def task_states(plan: Plan, records: Iterable[ProgressRecord], as_of: dt.date
                ) -> list[TaskState]:
    """Latest state of every task of the plan at ``as_of`` (records after it ignored)."""
    latest: dict[str, ProgressRecord] = {}
    for r in sorted(records, key=lambda r: r.report_date):
        if r.plan == plan.code and r.report_date <= as_of:
            latest[r.task_code] = r
    cutoff = as_of - dt.timedelta(days=STALE_DAYS)
    out: list[TaskState] = []
    for task in plan.tasks:
        rec = latest.get(task.code)
        flags: list[str] = []
        if rec is None:
            flags.append(FLAG_NEVER)
        else:
            if rec.status == "滞后":
                flags.append(FLAG_LAGGING)
            if rec.status != "已完成" and rec.report_date < cutoff:
                flags.append(FLAG_STALE)
        out.append(TaskState(task=task, latest=rec, flags=tuple(flags)))
    return out


def _summarise(key: str, name: str, states: list[TaskState]) -> GroupProgress:
    def count(s: str) -> int:
        return sum(1 for x in states if x.status == s)
    return GroupProgress(
        key=key, name=name, tasks=len(states), completed=count("已完成"),
        in_progress=count("推进中"), not_started=count("未启动"), lagging=count("滞后"),
        unreported=count("未报告"),
        mean_percent=sum(x.percent for x in states) / len(states) if states else 0.0,
        flagged=sum(1 for x in states if x.flags))


def progress_by_department(states: list[TaskState]) -> list[GroupProgress]:
    """Each department with the tasks it shares responsibility for (a task with several
    departments counts for each of them)."""
    groups: dict[str, list[TaskState]] = {}
    for s in states:
        for d in s.task.departments or ("unassigned",):
            groups.setdefault(d, []).append(s)
    depts = departments()
    rows = [_summarise(k, depts[k].name_zh if k in depts else "未指定部门", v)
            for k, v in groups.items()]
    return sorted(rows, key=lambda g: (-g.flagged, -g.tasks, g.key))


def progress_by_section(states: list[TaskState]) -> list[GroupProgress]:
    """Each plan section (规划章节) in plan order."""
    groups: dict[str, list[TaskState]] = {}
    for s in states:
        groups.setdefault(s.task.section, []).append(s)
    return [_summarise(k, k, v) for k, v in groups.items()]


def flagged(states: list[TaskState]) -> list[TaskState]:
    """Tasks needing attention: 滞后 first, then stale, then never reported."""
    def rank(s: TaskState) -> tuple[int, str]:
        return (0 if FLAG_LAGGING in s.flags else 1 if FLAG_STALE in s.flags else 2,
                s.task.code)
    return sorted((s for s in states if s.flags), key=rank)


def states_frame(states: list[TaskState]) -> pd.DataFrame:
    """A table of task states for CSV/Excel output and the report."""
    return pd.DataFrame([{
        "任务编号": s.task.code, "章节": s.task.section, "任务": s.task.title,
        "责任部门": "、".join(department_names(s.task.departments)),
        "最近报告日期": s.latest.report_date.isoformat() if s.latest else "",
        "进展状态": s.status, "完成百分比": s.percent,
        "进展情况": s.latest.narrative if s.latest else "",
        "佐证材料": s.latest.evidence if s.latest else "",
        "督办提示": "；".join(s.flags),
    } for s in states])


PROGRESS_SHEET = "任务进展"
TEMPLATE_COLUMNS = ("任务编号", "章节", "任务", "责任部门", "报告日期", "进展状态", "完成百分比",
                    "进展情况", "佐证材料", "填报单位", "填报人")
TEMPLATE_WIDTHS = (10, 20, 24, 20, 11, 10, 9, 36, 18, 16, 8)
TEMPLATE_WRAPPED = ("章节", "任务", "责任部门", "进展情况", "佐证材料")


def write_progress_template(plan: Plan | str, out: Path | str) -> Path:
    """An Excel workbook with one row per task for departments to fill in progress: the
    progress sheet first (it is what :func:`import_progress` reads), drop-down lists for
    status and department, a 0–100 check on the percent, a date check, only the input cells
    editable, A4 landscape print setup; then the instructions and a hidden list sheet."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from renkou.plans.template_layout import print_setup, protect_except, wrap_and_fit

    p = as_plan(plan)
    path = Path(out)
    if path.suffix.lower() != ".xlsx":
        from renkou.tables import write_table

        return write_table(pd.DataFrame([_template_row(t) for t in p.tasks],
                                        columns=list(TEMPLATE_COLUMNS)), path)
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = PROGRESS_SHEET
    ws.append(list(TEMPLATE_COLUMNS))
    for t in p.tasks:
        ws.append(list(_template_row(t).values()))
    last = max(ws.max_row, 2)
    pos = {name: i for i, name in enumerate(TEMPLATE_COLUMNS, start=1)}
    letter = {name: get_column_letter(i) for name, i in pos.items()}
    wrap_and_fit(ws, dict(enumerate(TEMPLATE_WIDTHS, start=1)),
                 [pos[c] for c in TEMPLATE_WRAPPED], 2, last, min_lines=2)
    fill = PatternFill("solid", fgColor="FFF2CC")
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    inputs = [c for c in TEMPLATE_COLUMNS if c in (*INPUT_COLUMNS, "填报单位", "填报人")]
    for row in range(2, last + 1):
        for name in inputs:
            ws[f"{letter[name]}{row}"].fill = fill
        ws[f"{letter['报告日期']}{row}"].number_format = "yyyy-mm-dd"
    ws.freeze_panes = "B2"
    print_setup(ws, landscape=True, last_col=len(TEMPLATE_COLUMNS), last_row=last,
                title_rows="1:1", header=f"{p.name_zh} 重点任务进展填报表")
    protect_except(ws, [pos[name] for name in inputs], 2, last)

    lists = wb.create_sheet("选项")
    names = reporting_units(p)
    lists.append(["进展状态", "填报单位"])
    for i in range(max(len(STATUSES), len(names))):
        lists.append([STATUSES[i] if i < len(STATUSES) else None,
                      names[i] if i < len(names) else None])
    lists.sheet_state = "hidden"
    checks = (
        (DataValidation(type="list", formula1=f"'选项'!$A$2:$A${len(STATUSES) + 1}",
                        allow_blank=True, showErrorMessage=True, errorTitle="进展状态无效",
                        error="请从下拉列表中选择：" + "、".join(STATUSES)), "进展状态"),
        (DataValidation(type="list", formula1=f"'选项'!$B$2:$B${len(names) + 1}",
                        allow_blank=True, showErrorMessage=True, errorTitle="填报单位无效",
                        error="请从下拉列表中选择填报单位。"), "填报单位"),
        (DataValidation(type="decimal", operator="between", formula1="0", formula2="100",
                        allow_blank=True, showErrorMessage=True, errorTitle="完成百分比无效",
                        error="完成百分比填写0到100之间的数字（不带%）。"), "完成百分比"),
        (DataValidation(type="date", operator="between", formula1="DATE(2000,1,1)",
                        formula2="DATE(2100,12,31)", allow_blank=True, showErrorMessage=True,
                        errorTitle="日期无效", error="请填写日期，格式 yyyy-mm-dd。"), "报告日期"),
    )
    for dv, name in checks:
        ws.add_data_validation(dv)
        dv.add(f"{letter[name]}2:{letter[name]}{last}")

    notes = wb.create_sheet("填报说明", 1)
    for line in (
        f"{p.name_zh} — 重点任务进展填报表",
        "",
        f"1. 本表列出规划的{len(p.tasks)}项重点任务，“责任部门”为规划或任务分工确定的责任单位。",
        "2. 请在黄色单元格中填写：报告日期、进展状态、完成百分比、进展情况、佐证材料、"
        "填报单位、填报人；本单位不牵头的任务保持空白即可，空白行不视为报告。",
        f"3. 进展状态从下拉列表选择：{'、'.join(STATUSES)}；“已完成”须填100，“未启动”须填0。",
        "4. 完成百分比填写0到100之间的数字，不带%；报告日期格式 yyyy-mm-dd，不得晚于填报当天。",
        "5. 近一季度（92天）未报告、或标记为“滞后”的任务将列入督办提示。",
        f"6. 导入命令：renkou tasks import 文件.xlsx --plan {p.code}；不通过的行列入待核查清单，"
        "注明文件、行号、列和原因。",
    ):
        notes.append([line])
    wrap_and_fit(notes, {1: 60}, [1], 1, notes.max_row)
    notes["A1"].font = Font(bold=True, size=14)
    notes.row_dimensions[1].height = 24
    print_setup(notes, landscape=False, last_col=1, last_row=notes.max_row)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _template_row(t: Task) -> dict[str, str]:
    return {"任务编号": t.code, "章节": t.section, "任务": t.title,
            "责任部门": "、".join(department_names(t.departments)), "报告日期": "",
            "进展状态": "", "完成百分比": "", "进展情况": "", "佐证材料": "", "填报单位": "",
            "填报人": ""}
