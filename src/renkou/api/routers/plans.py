"""Plans and their assessment (规划指标监测) for the dashboard."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from renkou.api.deps import require_database
from renkou.api.routers.population import DEFAULT_AS_OF
from renkou.errors import InputError
from renkou.plans import get_plan, list_plans
from renkou.plans.plan_assessment import PlanAssessment, evaluate_registry
from renkou.registry import Registry
from renkou.settings import Settings

router = APIRouter(prefix="/api/plans", tags=["plans"])


class PlanOut(BaseModel):
    code: str
    name: str
    area_code: str
    start_year: int
    end_year: int
    indicators: int
    tasks: int
    # The year the dashboard assesses first: the demo data's latest year (the default as-of
    # date of the population views) within the plan period.
    default_year: int


class AssessmentRowOut(BaseModel):
    code: str
    name: str
    unit: str
    category: str
    kind: str
    value: float | None
    target_year: int | None
    target_text: str
    status: str
    note: str
    projected: float | None = None
    probability: float | None = None
    # How ``projected`` was obtained: the population projection or a trend line (not a
    # projection) — renkou.plans.forward_look.
    projection_method: str | None = None
    projection_kind: str | None = None  # "projection" | "trend"
    departments: list[str]


class AssessmentOut(BaseModel):
    plan: str
    plan_name: str
    year: int
    scale: float
    # Persons per registry hukou registrant for hukou-caliber totals, and how both factors
    # were obtained (renkou.plans.population_scale).
    hukou_scale: float | None = None
    scale_notes: list[str] = []
    # Why no indicator could be computed: the store holds no population of the plan area.
    uncovered: str | None = None
    counts: dict[str, int]
    rows: list[AssessmentRowOut]


_cache: dict[tuple[str, float, str, int], PlanAssessment] = {}
_lock = threading.Lock()


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _assess(db: Path, code: str, year: int) -> PlanAssessment:
    """Evaluating a plan runs projections, so results are kept per store version."""
    key = (str(db), db.stat().st_mtime, code, year)
    with _lock:
        hit = _cache.get(key)
        if hit is None:
            registry = Registry(db, read_only=True)
            try:
                hit = evaluate_registry(registry, get_plan(code), year, trajectories=100,
                                        scale=None)
            finally:
                registry.close()
            _cache[key] = hit
    return hit


@router.get("", response_model=list[PlanOut])
def plans() -> list[PlanOut]:
    latest = DEFAULT_AS_OF.year
    return [PlanOut(code=p.code, name=p.name_zh, area_code=p.area_code,
                    start_year=p.period_start, end_year=p.period_end,
                    indicators=len(p.indicators), tasks=len(p.tasks),
                    default_year=min(max(latest, p.period_start), p.period_end))
            for p in list_plans()]


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 4)


@router.get("/{code}/assessment", response_model=AssessmentOut)
def assessment(code: str, settings: Annotated[Settings, Depends(_settings)],
               year: int = 2024) -> AssessmentOut:
    """Status of every indicator of the plan in ``year`` (assessed ones first)."""
    plan = get_plan(code)
    if not plan.period_start - 1 <= year <= plan.period_end:
        # Outside the base year … end year there is no target path to assess against.
        raise InputError(f"评估年份应在 {plan.period_start - 1}—{plan.period_end} 年之间"
                         f"（{plan.name_zh}），实际为 {year}")
    pa = _assess(require_database(settings), plan.code, year)
    rows = [AssessmentRowOut(
        code=a.indicator_code, name=a.name, unit=a.unit, category=a.category, kind=a.kind,
        value=_round(a.value), target_year=a.target_year, target_text=a.target_text,
        status=a.status, note=a.reason,
        projected=_round(a.forward.projected_value) if a.forward else None,
        probability=_round(a.forward.probability) if a.forward else None,
        projection_method=a.forward.method if a.forward else None,
        projection_kind=a.forward.kind if a.forward else None,
        departments=list(a.departments)) for a in pa.assessments]
    rows += [AssessmentRowOut(
        code=m.indicator_code, name=m.name, unit=m.unit, category=m.category, kind="computed",
        value=_round(m.value), target_year=None, target_text="", status="仅监测", note=m.note,
        departments=list(m.departments)) for m in pa.monitored]
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    return AssessmentOut(plan=plan.code, plan_name=plan.name_zh, year=year, scale=pa.scale,
                         hukou_scale=pa.hukou_scale, scale_notes=list(pa.scale_notes),
                         uncovered=pa.uncovered, counts=counts, rows=rows)


def warm_cache(settings: Settings, code: str = "tianjin-14th", year: int = 2024) -> None:
    """Evaluate the demo plan in the background so the first page view is quick."""
    db = settings.database
    if not db.exists():
        return

    def run() -> None:
        try:
            _assess(db, code, year)
        except Exception:  # the request path reports errors properly; warming is best-effort
            return

    threading.Thread(target=run, name="warm-assessment", daemon=True).start()
