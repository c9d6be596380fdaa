"""Task division list (任务分工): tasks with their latest progress, the board by department or
section, the overdue list, a task's history and progress entry. A department account sees
and reports on its own department's tasks only; a district account its own district's plans."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from renkou.api.deps import (
    DashboardDep,
    DatabaseDep,
    GateDep,
    SummaryDep,
    User,
    client_of,
    forbid,
    require,
)
from renkou.api.paging import PageDep
from renkou.api.schemas_tasks import GroupOut, ProgressIn, ProgressOut, TaskOut
from renkou.api.trail import plan_for
from renkou.app import tasks
from renkou.app.stores import StoreSummary
from renkou.auth.roles import Role, Scope
from renkou.plans import department_names
from renkou.plans.assessment.tasks import ProgressRecord, TaskState

router = APIRouter(prefix="/api/tasks", tags=["tasks"])

Reader = Annotated[User, Depends(require(Scope.tasks))]
Reporter = Annotated[User, Depends(require(Scope.progress))]
PlanCode = Annotated[str | None, Query(max_length=64,
                                       description="规划代码（默认辖区的第一个规划）")]
AsOf = Annotated[dt.date | None, Query(description="截至日期（默认今天）")]


def _plan(user: User, summary: StoreSummary, code: str | None) -> str:
    return plan_for(user, summary, code).code


def _department(user: User, asked: str | None) -> str | None:
    """The department whose tasks are shown: a department account's own (asking for
    another is 403), else the one asked for (None: all)."""
    if user.role is not Role.department:
        return asked
    if asked and tasks.department_code(asked) != user.department:
        raise forbid(f"部门账户只能查看本部门（{user.department}）的任务")
    return user.department


def _task(s: TaskState) -> TaskOut:
    t = s.task
    return TaskOut(code=t.code, number=t.number, section=t.section, title=t.title,
                   departments=list(t.departments),
                   department_names=department_names(t.departments),
                   lead_department=t.lead_department, status=s.status, percent=s.percent,
                   last_report=s.latest.report_date if s.latest else None,
                   narrative=s.latest.narrative if s.latest else "",
                   evidence=s.latest.evidence if s.latest else "", flags=list(s.flags))


def _record(r: ProgressRecord) -> ProgressOut:
    return ProgressOut(plan=r.plan, task_code=r.task_code, report_date=r.report_date,
                       status=r.status, percent=r.percent, narrative=r.narrative,
                       evidence=r.evidence, department=r.department,
                       department_name=department_names([r.department])[0], reporter=r.reporter)


@router.get("", response_model=list[TaskOut])
def task_list(db: DatabaseDep, summary: SummaryDep, user: Reader, page: PageDep,
              response: Response, plan: PlanCode = None, as_of: AsOf = None,
              department: Annotated[str | None, Query(max_length=64,
                                                      description="只列此部门的任务")] = None
              ) -> list[TaskOut]:
    """规划重点任务及其最新进展（部门账户只见本部门任务）。"""
    states = tasks.task_list(db, _plan(user, summary, plan), as_of,
                             department=_department(user, department))
    return [_task(s) for s in page.apply(states, response)]


@router.get("/board", response_model=list[GroupOut])
def task_board(db: DatabaseDep, summary: SummaryDep, user: Reader, page: PageDep,
               response: Response, plan: PlanCode = None, as_of: AsOf = None,
               by: Literal["department", "section"] = "department") -> list[GroupOut]:
    """按部门或章节汇总的任务进展看板。"""
    groups = tasks.board(db, _plan(user, summary, plan), as_of, by=by,
                         department=_department(user, None))
    return [GroupOut.model_validate(g, from_attributes=True)
            for g in page.apply(groups, response)]


@router.get("/overdue", response_model=list[TaskOut])
def task_overdue(db: DatabaseDep, summary: SummaryDep, user: Reader, page: PageDep,
                 response: Response, plan: PlanCode = None, as_of: AsOf = None
                 ) -> list[TaskOut]:
    """督办清单：标记滞后、近一季度未报告或从未报告的任务（滞后在前）。"""
    states = tasks.overdue(db, _plan(user, summary, plan), as_of,
                           department=_department(user, None))
    return [_task(s) for s in page.apply(states, response)]


@router.get("/{code}/progress", response_model=list[ProgressOut])
def task_history(code: str, db: DatabaseDep, summary: SummaryDep, user: Reader,
                 page: PageDep, response: Response, plan: PlanCode = None
                 ) -> list[ProgressOut]:
    """一项任务的全部进展记录（按报告日期）。"""
    _, records = tasks.history(db, _plan(user, summary, plan), code,
                                    department=_department(user, None))
    return [_record(r) for r in page.apply(records, response)]


@router.post("/{code}/progress", response_model=ProgressOut, status_code=201)
def report_progress(code: str, body: ProgressIn, request: Request, db: DatabaseDep,
                    gate: GateDep, dashboard: DashboardDep, user: Reporter,
                    plan: PlanCode = None) -> ProgressOut:
    """填报一项任务的进展（部门账户只能填报本部门承担的任务）；写入审计日志。"""
    with gate.reading():
        chosen = _plan(user, dashboard.summary(db), plan)
    entry = tasks.ProgressEntry(status=body.status, percent=body.percent,
                                narrative=body.narrative, evidence=body.evidence,
                                report_date=body.report_date, department=body.department,
                                reporter=body.reporter)
    with gate.writing(db):
        rec = tasks.report_progress(
            db, chosen, code, entry, actor=user.username, role=user.role.value,
            bound_department=user.department if user.role is Role.department else None,
            client=client_of(request))
    return _record(rec)
