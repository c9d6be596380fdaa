"""Projections as background jobs (人口预测任务): start one from the registry (as ``renkou
project --from-db``), read its fan chart, compare the scenarios of finished jobs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from renkou.api.deps import DatabaseDep, GateDep, User, require
from renkou.api.routers._jobs_common import audit, job_out, runner_of, visible_job
from renkou.api.schemas_jobs import CompareOut, FanOut, JobOut, ProjectionIn
from renkou.app.jobs import JobState
from renkou.app.projection_jobs import (
    ProjectionParams,
    check_params,
    fan_chart,
    projection_work,
    title_of,
)
from renkou.auth.roles import Scope
from renkou.demography.variants import VARIANT_ZH

router = APIRouter(prefix="/api/projections", tags=["projections"])

Projector = Annotated[User, Depends(require(Scope.projections))]


@router.post("", response_model=JobOut, status_code=202)
def start_projection(body: ProjectionIn, user: Projector, request: Request, db: DatabaseDep,
                     gate: GateDep) -> JobOut:
    """发起预测任务（后台运行）：基期 as_of、口径、层级（区/街镇）、终年、方案、随机轨迹数。"""
    params = check_params(ProjectionParams(
        as_of=body.as_of, to=body.to, caliber=body.caliber, level=body.level,
        variant=body.variant, trajectories=body.trajectories, seed=body.seed))
    job = runner_of(request).submit(
        "projection", title_of(params), projection_work(db, params),
        started_by=user.username, role=user.role.value, params=params.as_dict())
    audit(gate, db, user, request, "job.start", job.id,
          detail={"kind": "projection", **params.as_dict()})
    return job_out(job)


def _finished(request: Request, user: User, job_id: str) -> tuple[str, dict[str, Any]]:
    runner = runner_of(request)
    job = visible_job(runner, user, job_id)
    if job.kind != "projection":
        raise HTTPException(status_code=404, detail=f"任务 {job_id} 不是预测任务")
    if job.state is not JobState.done or job.result is None:
        raise HTTPException(status_code=409, detail=f"预测任务 {job_id} 尚未完成（{job.message}）")
    return job.id, fan_chart(runner.folder(job.id), job.result)


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
        label = (f"{VARIANT_ZH.get(str(fan['variant']), fan['variant'])}，"
                 f"{params.get('as_of', '')} 起，{params.get('caliber', '')}")
        series.append({"job_id": jid, "label": label, "variant": fan["variant"],
                       "points": points})
    return CompareOut(area=area, area_name=area_name, years=sorted(years),
                      series=series)  # type: ignore[arg-type]
