"""Plans and their assessment (规划指标监测) for the dashboard."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from renkou.api.answers import AnswerCache
from renkou.api.deps import (
    AnswersDep,
    DashboardDep,
    DatabaseDep,
    ReadingDep,
    SummaryDep,
    User,
    require,
)
from renkou.api.paging import PageDep
from renkou.api.schemas import AssessmentOut, AssessmentRowOut, PlanOut
from renkou.api.scoping import own_plan
from renkou.app.assessment import default_plan
from renkou.app.dashboard import Dashboard, plan_choices
from renkou.auth.roles import Role, Scope
from renkou.plans import department_names, get_plan

router = APIRouter(prefix="/api/plans", tags=["plans"])

Reader = Annotated[User, Depends(require(Scope.plans))]


@router.get("", response_model=list[PlanOut])
def plans(summary: SummaryDep, _: Reader, page: PageDep, response: Response) -> list[PlanOut]:
    """Every plan, those of the store's jurisdiction first."""
    return [PlanOut(code=c.plan.code, name=c.plan.name_zh, area_code=c.plan.area_code,
                    start_year=c.plan.period_start, end_year=c.plan.period_end,
                    indicators=len(c.plan.indicators), tasks=len(c.plan.tasks),
                    default_year=c.default_year, own=c.own)
            for c in page.apply(plan_choices(summary), response)]


@router.get("/assessment", response_model=AssessmentOut)
async def default_assessment(db: DatabaseDep, dashboard: DashboardDep, summary: SummaryDep,
                             user: Reader, _: ReadingDep, answers: AnswersDep,
                             year: int | None = None) -> Response:
    """The plan of the store's jurisdiction, assessed (see :func:`assessment`)."""
    plan = get_plan(default_plan(summary.jurisdiction))
    own_plan(user, plan.area_code)
    return await _respond(answers, db, dashboard, user, plan.code, year)


@router.get("/{code}/assessment", response_model=AssessmentOut)
async def assessment(code: str, db: DatabaseDep, dashboard: DashboardDep, user: Reader,
                     _: ReadingDep, answers: AnswersDep, year: int | None = None) -> Response:
    """Status of every indicator of the plan in ``year`` (default: the store's last data
    year within the plan period), assessed ones first. A district account sees its own
    district's plans, a department account the indicators its department answers for."""
    own_plan(user, get_plan(code).area_code)
    return await _respond(answers, db, dashboard, user, code, year)


async def _respond(answers: tuple[AnswerCache, object], db: Path, dashboard: Dashboard,
                   user: User, code: str, year: int | None) -> Response:
    """The rendered assessment: the same for every user but a department account, whose
    rows are its department's (the key says which). Keyed by the year asked for: within
    one data version the default year is fixed too."""
    cache, version = answers
    department = user.department if user.role is Role.department else ""
    return await cache.respond(("assessment", code, year, department), version,
                               partial(_out, dashboard, db, code, year, department))


def _out(dashboard: Dashboard, db: Path, code: str, year: int | None,
         department: str) -> AssessmentOut:
    """The plan's assessment (a department account's rows only)."""
    v = dashboard.assessment(db, code, year)
    rows = v.rows
    if department:
        # Rows name their departments in Chinese.
        own = set(department_names([department]))
        rows = tuple(r for r in rows if own & set(r.departments))
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    return AssessmentOut(
        plan=v.plan.code, plan_name=v.plan.name_zh, year=v.year,
        scale_notes=list(v.scale_notes), uncovered=v.uncovered, counts=counts,
        rows=[AssessmentRowOut.model_validate(r, from_attributes=True) for r in rows])
