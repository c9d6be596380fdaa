"""Plans and their assessment (规划指标监测) for the dashboard."""

from __future__ import annotations

from fastapi import APIRouter

from renkou.api.deps import DashboardDep, DatabaseDep, SummaryDep
from renkou.api.schemas import AssessmentOut, AssessmentRowOut, PlanOut
from renkou.app.dashboard import PlanView, plan_choices

router = APIRouter(prefix="/api/plans", tags=["plans"])


@router.get("", response_model=list[PlanOut])
def plans(summary: SummaryDep) -> list[PlanOut]:
    """Every plan, those of the store's jurisdiction first."""
    return [PlanOut(code=c.plan.code, name=c.plan.name_zh, area_code=c.plan.area_code,
                    start_year=c.plan.period_start, end_year=c.plan.period_end,
                    indicators=len(c.plan.indicators), tasks=len(c.plan.tasks),
                    default_year=c.default_year, own=c.own)
            for c in plan_choices(summary)]


@router.get("/assessment", response_model=AssessmentOut)
def default_assessment(db: DatabaseDep, dashboard: DashboardDep,
                       year: int | None = None) -> AssessmentOut:
    """The plan of the store's jurisdiction, assessed (see :func:`assessment`)."""
    return _out(dashboard.assessment(db, None, year))


@router.get("/{code}/assessment", response_model=AssessmentOut)
def assessment(code: str, db: DatabaseDep, dashboard: DashboardDep,
               year: int | None = None) -> AssessmentOut:
    """Status of every indicator of the plan in ``year`` (default: the store's last data
    year within the plan period), assessed ones first."""
    return _out(dashboard.assessment(db, code, year))


def _out(v: PlanView) -> AssessmentOut:
    return AssessmentOut(
        plan=v.plan.code, plan_name=v.plan.name_zh, year=v.year,
        scale_notes=list(v.scale_notes), uncovered=v.uncovered, counts=v.counts,
        rows=[AssessmentRowOut.model_validate(r, from_attributes=True) for r in v.rows])
