"""The early-warning list (预警清单) of a plan's assessment, with the risk thresholds: the
same list the evaluation and annual reports print. A department account sees the warnings
its department answers for; a district account its own district's plans."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from renkou.api.deps import DashboardDep, DatabaseDep, ReadingDep, User, require
from renkou.api.paging import PageDep
from renkou.api.schemas_indicators import WarningOut, WarningsOut
from renkou.api.trail import plan_for
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
def warnings(db: DatabaseDep, dashboard: DashboardDep, user: Reader, _: ReadingDep,
             page: PageDep, response: Response,
             plan: Annotated[str | None, Query(max_length=64,
                                               description="规划代码（默认辖区的第一个规划）")]
             = None,
             year: Annotated[int | None, Query(ge=1949, le=2100)] = None) -> WarningsOut:
    """规划实施评估的预警清单（风险分值从高到低），含分级阈值。"""
    chosen = plan_for(user, dashboard.summary(db), plan)
    view = dashboard.assessment(db, chosen.code, year)
    rows = list(view.warnings)
    if user.role is Role.department:
        own = set(department_names([user.department]))
        rows = [w for w in rows if own & set(w.departments)]
    return WarningsOut(plan=view.plan.code, plan_name=view.plan.name_zh, year=view.year,
                       thresholds=THRESHOLDS,
                       rows=[WarningOut.model_validate(w, from_attributes=True)
                             for w in page.apply(rows, response)])
