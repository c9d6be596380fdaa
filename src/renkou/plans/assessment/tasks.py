"""Task supervision (任务督办): progress records per plan task and the views on them.

A progress record (进展记录) is (task, date, status 未启动/推进中/已完成/滞后, percent,
narrative, evidence reference, department, reporter). The latest record per task is its
current state. A task is **flagged** (督办提示) when its latest status is 滞后, or when it is
not finished and has no report in the last quarter (92 days before the reference date) —
including tasks never reported at all.

Records are stored in the registry's ``app_task_progress`` table (via
:mod:`renkou.plans.storage`); the progress form departments fill in is
:mod:`renkou.plans.forms.progress_form`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from renkou.errors import InputError, NotFoundError
from renkou.plans.model.catalog import departments, resolve_department
from renkou.plans.model.plan import Plan, Task
from renkou.plans.model.reporting_units import department_names
from renkou.plans.storage import TASK_PROGRESS, AppTables, read_app, write_app

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


def find_task(plan: Plan, code: str) -> Task:
    for t in plan.tasks:
        if t.code == code or (t.number is not None and code == str(t.number)):
            return t
    raise NotFoundError(f"规划 {plan.code} 中没有任务 {code}")


def validate_record(plan: Plan, task_code: str, report_date: dt.date, status: str,
                    percent: float, narrative: str, evidence: str, department: str,
                    reporter: str, *, today: dt.date | None = None) -> ProgressRecord:
    """Check one record; raises InputError with the offending column named."""
    task = find_task(plan, task_code)
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


def records_frame(records: Iterable[ProgressRecord], stamp: dt.datetime, source: str
           ) -> pd.DataFrame:
    return pd.DataFrame([{**r.__dict__, "source": source, "recorded_at": stamp}
                         for r in records])


def record_progress(store: AppTables, record: ProgressRecord, *, source: str = "cli",
                    now: dt.datetime | None = None) -> None:
    """Store one validated record."""
    stamp = (now or dt.datetime.now()).replace(microsecond=0)
    write_app(store, TASK_PROGRESS, records_frame([record], stamp, source))


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
