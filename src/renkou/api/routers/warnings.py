"""The early-warning list (预警清单) of a plan's assessment, with the risk thresholds: the
same list the evaluation and annual reports print. A department account sees the warnings
its department answers for; a district account its own district's plans."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from renkou.api.deps import (
    AnswersDep,
    DashboardDep,
    DatabaseDep,
    ReadingDep,
    SummaryDep,
    User,
    require,
)
from renkou.api.paging import Page, PageDep
from renkou.api.schemas_indicators import WarningOut, WarningsOut
from renkou.api.trail import plan_for
from renkou.app.dashboard import Dashboard
from renkou.auth.roles import Role, Scope
from renkou.plans import department_names
from renkou.plans.assessment.status import LAGGING, MISSED
from renkou.plans.assessment.warnings import LIST_FROM, STATUS_RISK

router = APIRouter(prefix="/api/warnings", tags=["warnings"])

Reader = Annotated[User, Depends(require(Scope.plans))]
# A score from LIST_FROM is listed (黄色); the orange and red levels start at the risk of a
# lagging and of a missed indicator (see renkou.plans.assessment.warnings).
THRESHOLDS = {"yellow": LIST_FROM, "orange": STATUS_RISK[LAGGING], "red": STATUS_RISK[MISSED]}


@router.get("", response_model=WarningsOut)
async def warnings(db: DatabaseDep, dashboard: DashboardDep, summary: SummaryDep, user: Reader,
                   _: ReadingDep, answers: AnswersDep, page: PageDep,
                   plan: Annotated[str | None,
                                   Query(max_length=64,
                                         description="规划代码（默认辖区的第一个规划）")] = None,
                   year: Annotated[int | None, Query(ge=1949, le=2100)] = None) -> Response:
    """规划实施评估的预警清单（风险分值从高到低），含分级阈值。"""
    chosen = plan_for(user, summary, plan)
    cache, version = answers
    department = user.department if user.role is Role.department else ""
    # The plan's assessment is the dashboard's (a minute on a large store): the answer is
    # kept per data version, and after an ingest the previous one is given while the new
    # one is made. Keyed by the year asked for, as the assessment's answer.
    return await cache.respond(
        ("warnings", chosen.code, year, department, page.limit, page.offset), version,
        partial(_warnings, dashboard, db, chosen.code, year, department, page))


def _warnings(dashboard: Dashboard, db: Path, plan: str, year: int | None, department: str,
              page: Page) -> tuple[WarningsOut, dict[str, str]]:
    """The list of the plan's assessment (a department's warnings only), one page of it, and
    the page headers."""
    view = dashboard.assessment(db, plan, year)
    rows = list(view.warnings)
    if department:
        own = set(department_names([department]))
        rows = [w for w in rows if own & set(w.departments)]
    paged = Response()  # the paging writes its count header here; it is kept with the body
    shown = page.apply(rows, paged)
    out = WarningsOut(plan=view.plan.code, plan_name=view.plan.name_zh, year=view.year,
                      thresholds=THRESHOLDS,
                      rows=[WarningOut.model_validate(w, from_attributes=True) for w in shown])
    return out, {"X-Total-Count": paged.headers["X-Total-Count"]}
