"""Projections as background jobs (人口预测任务): start one from the registry (as ``renkou
project --from-db``: level, hukou split, variants including the plan's targets), read its fan
chart, compare the scenarios of finished jobs.

Starting, following and downloading jobs needs the ``projections`` scope. The projected
population of one area is that area's population figures, read under the ``population``
scope with its area binding: a district account reads its own district (and its 街镇) of
the finished jobs, never the whole jurisdiction's chart."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request

from renkou.api.deps import DatabaseDep, GateDep, SettingsDep, User, require
from renkou.api.routers._jobs_common import job_out, runner_of, visible_job
from renkou.api.schemas_jobs import (
    AreaFanOut,
    CompareOut,
    FanOut,
    FinishedProjectionOut,
    JobOut,
    ProjectionIn,
)
from renkou.api.scoping import check_area
from renkou.api.trail import audit, threshold
from renkou.app.jobs import Job, JobState
from renkou.app.projection_jobs import (
    ProjectionParams,
    area_fan,
    check_params,
    fan_chart,
    finished_projections,
    projection_work,
    suppress_base_year,
    title_of,
    variant_name,
)
from renkou.auth.roles import Scope
from renkou.errors import NotFoundError

router = APIRouter(prefix="/api/projections", tags=["projections"])

Projector = Annotated[User, Depends(require(Scope.projections))]
AreaReader = Annotated[User, Depends(require(Scope.population))]


@router.post("", response_model=JobOut, status_code=202)
def start_projection(body: ProjectionIn, user: Projector, request: Request, db: DatabaseDep,
                     gate: GateDep) -> JobOut:
    """发起预测任务（后台运行）：基期 as_of、口径、层级（区/街镇）、终年、方案（含规划目标方案）、
    随机轨迹数，以及是否分户籍/非户籍联动预测。"""
    params = check_params(ProjectionParams(
        as_of=body.as_of, to=body.to, caliber=body.caliber, level=body.level,
        variant=body.variant, trajectories=body.trajectories, seed=body.seed,
        split=body.split))
    job = runner_of(request).submit(
        "projection", title_of(params), projection_work(db, params),
        started_by=user.username, role=user.role.value, params=params.as_dict())
    audit(gate, db, user, request, "job.start", job.id,
          detail={"kind": "projection", **params.as_dict()})
    return job_out(job)


def _done(job: Job) -> dict[str, Any]:
    """The result of a finished projection job (404 for another kind, 409 unfinished)."""
    if job.kind != "projection":
        raise HTTPException(status_code=404, detail=f"任务 {job.id} 不是预测任务")
    if job.state is not JobState.done or job.result is None:
        raise HTTPException(status_code=409, detail=f"预测任务 {job.id} 尚未完成（{job.message}）")
    return job.result


def _finished(request: Request, user: User, job_id: str) -> tuple[str, dict[str, Any]]:
    runner = runner_of(request)
    job = visible_job(runner, user, job_id)
    return job.id, fan_chart(runner.folder(job.id), _done(job))


@router.get("/finished", response_model=list[FinishedProjectionOut])
def finished(user: AreaReader, request: Request) -> list[FinishedProjectionOut]:
    """已完成的预测任务（最新的在前）及其选项，供按地区查看预测结果。"""
    return [FinishedProjectionOut(**f) for f in finished_projections(runner_of(request).list())]


@router.get("/{job_id}/areas/{code}", response_model=AreaFanOut)
def projection_of_area(job_id: str, user: AreaReader, request: Request, settings: SettingsDep,
                       code: Annotated[str, Path(pattern=r"^\d{6,9}$",
                                                 description="地区代码（区县或街镇）")]
                       ) -> AreaFanOut:
    """一个地区的预测结果：各年总人口（方案值、随机预测分位数、分户籍时户籍与非户籍常住人口）；
    按街镇预测的任务中，区县还列出其各街镇。区级账户只能查看本区及其街镇。统计分析以下角色：
    基期（登记人数）中少于阈值的单元格及其补充单元格为 null。"""
    check_area(user, code)
    runner = runner_of(request)
    try:
        job = runner.get(job_id)
    except NotFoundError:
        raise HTTPException(status_code=404, detail=f"任务 {job_id} 不存在") from None
    fan = area_fan(runner.folder(job.id), _done(job), code)
    k = threshold(user, settings)
    hidden = suppress_base_year(fan, k)
    return AreaFanOut(job_id=job.id, suppressed=hidden, suppression_threshold=k, **fan)


@router.get("/{job_id}/fan", response_model=FanOut)
def projection_fan(job_id: str, user: Projector, request: Request) -> FanOut:
    """扇形图数据：各年总人口（方案值及随机预测的 2.5%、10%、50%、90%、97.5% 分位数），
    全辖区和各地区。"""
    jid, fan = _finished(request, user, job_id)
    return FanOut(job_id=jid, **fan)  # type: ignore[arg-type]


@router.get("/compare", response_model=CompareOut)
def compare_projections(user: Projector, request: Request,
                        jobs: Annotated[list[str], Query(min_length=2, max_length=8,
                                                         description="两个或更多已完成的预测任务")],
                        area: Annotated[str | None, Query(pattern=r"^\d{6,9}$",
                                                          description="地区代码；缺省为全辖区")]
                        = None) -> CompareOut:
    """情景比较：两个或更多已完成预测任务的总人口路径（同一地区）。"""
    series = []
    years: set[int] = set()
    area_name = "全辖区"
    for job_id in jobs:
        jid, fan = _finished(request, user, job_id)
        points = fan["total"]
        if area is not None:
            hit = next((a for a in fan["areas"] if a["code"] == area), None)
            if hit is None:
                raise HTTPException(status_code=404, detail=f"预测任务 {jid} 没有地区 {area}")
            points, area_name = hit["points"], hit["name"]
        years.update(p["year"] for p in points)
        params = runner_of(request).get(jid).params
        caliber = "户籍人口" if params.get("caliber") == "hukou" else "常住人口"
        label = (f"{variant_name(str(fan['variant']))}，{params.get('as_of', '')} 起，{caliber}"
                 + ("，分户籍" if params.get("split") else ""))
        series.append({"job_id": jid, "label": label, "variant": fan["variant"],
                       "points": points})
    return CompareOut(area=area, area_name=area_name, years=sorted(years),
                      series=series)  # type: ignore[arg-type]
