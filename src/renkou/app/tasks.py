"""Task supervision (任务督办) of a plan from a store: the task division list (任务分工) with each
task's latest progress, the board by department or section, the overdue list, a task's
history, and progress entry — the use cases behind ``renkou tasks`` and the API's task routes.

A ``department`` account answers for its own department's tasks only: the services take the
department a caller is bound to and refuse a task or a department outside it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from renkou.app.audit import record
from renkou.app.stores import StoreRef, registry_at, store_registry
from renkou.errors import InputError, RenkouError
from renkou.plans import get_plan
from renkou.plans.assessment.tasks import (
    GroupProgress,
    ProgressRecord,
    TaskState,
    find_task,
    flagged,
    load_records,
    progress_by_department,
    progress_by_section,
    record_progress,
    task_states,
    validate_record,
)
from renkou.plans.model.catalog import resolve_department
from renkou.plans.model.plan import Plan, Task


class OutsideDepartment(RenkouError):
    """A department account asked for another department's tasks (answered as 403)."""

    exit_code = 2
    http_status = 403


def department_code(text: str) -> str:
    """The department code a code or Chinese name stands for."""
    return resolve_department(text).code


def carries(task: Task, department: str) -> bool:
    """Whether ``department`` (a code) is among the task's responsible departments."""
    return department in task.departments


def _states(store: StoreRef, plan: Plan, as_of: dt.date) -> list[TaskState]:
    with store_registry(store) as registry:
        records = load_records(registry, plan.code)
    return task_states(plan, records, as_of)


def task_list(store: StoreRef, plan_code: str, as_of: dt.date | None = None, *,
              department: str | None = None) -> list[TaskState]:
    """Every task of the plan with its latest state at ``as_of`` (default today), or those
    ``department`` carries."""
    plan = get_plan(plan_code)
    states = _states(store, plan, as_of or dt.date.today())
    if department is None:
        return states
    code = department_code(department)
    return [s for s in states if carries(s.task, code)]


def board(store: StoreRef, plan_code: str, as_of: dt.date | None = None, *,
          by: str = "department", department: str | None = None) -> list[GroupProgress]:
    """Progress summed by department (a task counts for each department it names) or by plan
    section; with ``department`` only that department's tasks."""
    if by not in ("department", "section"):
        raise InputError(f"分组方式应为 department 或 section，实际为 {by}")
    states = task_list(store, plan_code, as_of, department=department)
    groups = progress_by_department(states) if by == "department" else \
        progress_by_section(states)
    if by == "department" and department is not None:
        code = department_code(department)
        groups = [g for g in groups if g.key == code]
    return groups


def overdue(store: StoreRef, plan_code: str, as_of: dt.date | None = None, *,
            department: str | None = None) -> list[TaskState]:
    """Tasks needing attention (督办提示): marked 滞后 first, then those with no report in the
    last quarter, then those never reported."""
    return flagged(task_list(store, plan_code, as_of, department=department))


def history(store: StoreRef, plan_code: str, task_code: str, *,
            department: str | None = None) -> tuple[Task, list[ProgressRecord]]:
    """Every progress record of one task, oldest first."""
    plan = get_plan(plan_code)
    task = find_task(plan, task_code)
    if department is not None:
        _check_carries(task, department_code(department))
    with store_registry(store) as registry:
        records = [r for r in load_records(registry, plan.code) if r.task_code == task.code]
    return task, records


def _check_carries(task: Task, department: str) -> None:
    if not carries(task, department):
        raise OutsideDepartment(f"任务 {task.code} 不属于本部门（{department}），"
                                "部门账户只能查看和填报本部门承担的任务")


@dataclass(frozen=True)
class ProgressEntry:
    """What a caller submits as a task's progress (进展填报)."""

    status: str
    percent: float
    narrative: str
    evidence: str = ""
    report_date: dt.date | None = None
    department: str | None = None  # code or name; a department account's own by default
    reporter: str | None = None  # the caller by default


def report_progress(db: Path, plan_code: str, task_code: str, entry: ProgressEntry, *,
                    actor: str, role: str, bound_department: str | None = None,
                    client: str = "", today: dt.date | None = None) -> ProgressRecord:
    """Check and store one progress record and write it to the audit log in the same
    store session. ``bound_department``: the department a ``department`` account is bound
    to — the task must be one of its own and the record is filed under it."""
    plan = get_plan(plan_code)
    task = find_task(plan, task_code)
    if bound_department is not None:
        own = department_code(bound_department)
        _check_carries(task, own)
        if entry.department and department_code(entry.department) != own:
            raise OutsideDepartment("部门账户只能以本部门名义填报进展")
        department = own
    elif entry.department:
        department = entry.department
    elif len(task.departments) == 1:
        department = task.departments[0]
    elif task.lead_department:
        department = task.lead_department
    else:
        raise InputError(f"任务 {task.code} 有多个责任部门，请指明填报单位", column="department")
    rec = validate_record(plan, task.code, entry.report_date or (today or dt.date.today()),
                          entry.status, entry.percent, entry.narrative, entry.evidence,
                          department, entry.reporter or actor, today=today)
    if bound_department is None and not carries(task, rec.department):
        raise InputError(f"“{rec.department}”不是任务 {task.code} 的责任部门",
                         column="department")
    with registry_at(db, read_only=False) as registry:
        record_progress(registry, rec, source="api")
        record(registry, actor=actor, role=role, action="task.progress",
               target=f"{plan.code}/{task.code}", client=client,
               detail={"status": rec.status, "percent": rec.percent,
                       "department": rec.department, "report_date": rec.report_date.isoformat()})
    return rec
