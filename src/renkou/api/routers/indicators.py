"""Indicator monitoring (指标监测): a plan's computed indicators for an area and year, one
indicator drilled down to districts and 街镇, its trajectory, and the reporting template
(填报模板) download. A district account reads its own district and its 街镇; a department
account the indicators its department answers for."""

from __future__ import annotations

import tempfile
from functools import partial
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from renkou.api.deps import (
    AnswersDep,
    DashboardDep,
    DatabaseDep,
    GateDep,
    SettingsDep,
    SummaryDep,
    User,
    forbid,
    require,
)
from renkou.api.schemas_indicators import (
    AreaValueOut,
    DrillOut,
    IndicatorValueOut,
    PlanValuesOut,
    PointOut,
    TargetOut,
    TrajectoryOut,
)
from renkou.api.scoping import check_area
from renkou.api.trail import (
    XLSX,
    audit,
    download,
    file_responses,
    plan_for,
    summary_reading,
    threshold,
)
from renkou.app import indicator_views as views
from renkou.app.indicators import ComputedIndicator
from renkou.app.population import area_name
from renkou.app.stores import StoreSummary
from renkou.auth.roles import Role, Scope
from renkou.plans import department_names, write_template
from renkou.plans.model.plan import Indicator, Plan

router = APIRouter(prefix="/api/indicators", tags=["indicators"])

Reader = Annotated[User, Depends(require(Scope.plans))]
PlanCode = Annotated[str | None, Query(max_length=64,
                                       description="规划代码（默认辖区的第一个规划）")]
Year = Annotated[int | None, Query(ge=1949, le=2100,
                                   description="年份（默认库内数据的最后完整年度）")]
Area = Annotated[str | None, Query(pattern=r"^\d{6}(\d{3})?$",
                                   description="地区代码（默认辖区）：区县6位或街镇9位")]


def _plan(user: User, summary: StoreSummary, code: str | None) -> Plan:
    return plan_for(user, summary, code, any_plan_area=True)


def _own_indicator(user: User, plan: Plan, ind: Indicator) -> None:
    if user.role is Role.department and user.department not in ind.departments:
        raise forbid(f"部门账户只能查看本部门（{user.department}）负责的指标")


def _value(ind: Indicator, c: ComputedIndicator) -> IndicatorValueOut:
    v = c.value
    return IndicatorValueOut(code=ind.code, name=ind.name_zh, unit=ind.unit,
                             category=ind.category, formula=c.formula, area=c.area,
                             value=None if v is None else round(float(v.value), 6),
                             source=v.source if v else None, as_of=v.as_of if v else None,
                             method=v.method if v else None, error=c.error,
                             departments=department_names(ind.departments))


@router.get("", response_model=PlanValuesOut)
def values(db: DatabaseDep, summary: SummaryDep, user: Reader, plan: PlanCode = None,
           year: Year = None, area: Area = None) -> PlanValuesOut:
    """规划全部计算类指标在某地区、某年的值（同 renkou indicators compute --plan）。"""
    p = _plan(user, summary, plan)
    where = area or (user.district if user.role is Role.district else None)
    check_area(user, where or summary.jurisdiction.code)
    v = views.plan_values(db, p.code, year, where)
    rows = [r for r in v.rows
            if user.role is not Role.department or user.department in r.indicator.departments]
    return PlanValuesOut(plan=p.code, plan_name=p.name_zh, area=v.area,
                         area_name=summary.jurisdiction.name if v.area ==
                         summary.jurisdiction.code else area_name(v.area),
                         year=v.year, scale_notes=list(v.scale_notes), uncovered=v.uncovered,
                         rows=[_value(r.indicator, r.computed) for r in rows])


@router.get("/template", response_class=FileResponse, responses=file_responses(XLSX))
def template(request: Request, db: DatabaseDep, gate: GateDep, dashboard: DashboardDep,
             user: Reader, plan: PlanCode = None,
             year: Annotated[int, Query(ge=1949, le=2100, description="填报年度")] = 2024,
             area: Annotated[list[str] | None, Query(description="按地区填报（可重复，如各街镇）")]
             = None) -> FileResponse:
    """下载规划填报模板（.xlsx，含数据有效性校验和填报说明；部门账户只含本部门的指标）；
    记入审计日志。"""
    with summary_reading(gate, dashboard, db) as summary:
        p = _plan(user, summary, plan)
    for code in area or ():
        check_area(user, code)
    tmp = Path(tempfile.mkdtemp(prefix="renkou-template-"))
    own = user.department if user.role is Role.department else None
    try:
        path = write_template(p, year, tmp / "template.xlsx", areas=area or None,
                              department=own)
    except BaseException:
        tmp.rmdir()
        raise
    audit(gate, db, user, request, "export.template", target=f"{p.code}/{year}",
          detail={"areas": list(area or [])})

    def clean() -> None:
        path.unlink(missing_ok=True)
        tmp.rmdir()

    response = download(path, f"{p.code}-{year}-填报模板.xlsx", XLSX)
    response.background = BackgroundTask(clean)
    return response


@router.get("/{code}/areas", response_model=DrillOut)
async def drill(code: str, db: DatabaseDep, summary: SummaryDep, user: Reader,
                answers: AnswersDep, settings: SettingsDep, plan: PlanCode = None,
                year: Year = None,
                parent: Annotated[str | None,
                                  Query(pattern=r"^\d{6}$",
                                        description="区县代码：列出其街镇（默认列出各区县）")]
                = None) -> Response:
    """一项指标在各区县（或某区各街镇）的值。统计分析以下角色：人数类指标少于阈值的值（及补充
    抑制的值）、比率类指标分母少于阈值的值为 null 并标为 suppressed。"""
    p = _plan(user, summary, plan)
    _own_indicator(user, p, p.indicator(code))
    check_area(user, parent or summary.jurisdiction.code)
    # One formula per area (16 districts, or a district's 街镇): kept per data version like
    # the other aggregates, after the checks above; the key names all the body depends on.
    cache, version = answers
    k = threshold(user, settings)
    return await cache.respond(("drill", p.code, code, year, parent or "", k), version,
                               partial(_drill, db, p.code, code, year, parent, k))


def _drill(db: Path, plan: str, code: str, year: int | None, parent: str | None,
           k: int | None) -> DrillOut:
    d = views.drill(db, plan, code, year, parent)
    hidden: frozenset[str] = frozenset()
    if k is not None:
        from renkou.app.indicator_disclosure import drill_basis, hidden_areas

        shown = [c for c, _n, v in d.rows if v.value is not None]
        assert d.indicator.formula is not None  # a drilled indicator is a computed one
        hidden = hidden_areas(drill_basis(db, d.indicator.formula, d.year, shown), shown, k)
    return DrillOut(plan=plan, indicator=d.indicator.code, name=d.indicator.name_zh,
                    unit=d.indicator.unit, year=d.year, level=d.level,
                    rows=[AreaValueOut(area=c, area_name=n,
                                       value=None if v.value is None or c in hidden
                                       else round(float(v.value.value), 6), error=v.error,
                                       suppressed=c in hidden)
                          for c, n, v in d.rows],
                    suppressed=len(hidden), suppression_threshold=k)


@router.get("/{code}/trajectory", response_model=TrajectoryOut)
def trajectory(code: str, db: DatabaseDep, summary: SummaryDep, user: Reader,
               plan: PlanCode = None, area: Area = None,
               start: Annotated[int | None, Query(ge=1949, le=2100)] = None,
               end: Annotated[int | None, Query(ge=1949, le=2100)] = None) -> TrajectoryOut:
    """一项指标逐年的值（默认自规划基期年至库内最后完整年度）及规划目标。"""
    p = _plan(user, summary, plan)
    _own_indicator(user, p, p.indicator(code))
    where = area or (user.district if user.role is Role.district else None)
    check_area(user, where or summary.jurisdiction.code)
    years = list(range(start or p.period_start - 1, (end or start or 0) + 1)) \
        if start is not None and end is not None else None
    t = views.trajectory(db, p.code, code, where, years)
    return TrajectoryOut(plan=p.code, indicator=t.indicator.code, name=t.indicator.name_zh,
                         unit=t.indicator.unit, area=t.area,
                         area_name=summary.jurisdiction.name if t.area ==
                         summary.jurisdiction.code else area_name(t.area),
                         points=[PointOut(year=y, value=None if c.value is None
                                          else round(float(c.value.value), 6), error=c.error)
                                 for y, c in t.points],
                         targets=[TargetOut(year=y, text=s) for y, s in t.targets])
