"""Background jobs (后台任务): the list of jobs with who started them, one job's state and
progress, cancel, its result and the download of its result files (audited)."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import StreamingResponse

from renkou.api.deps import DatabaseDep, GateDep, UserDep, forbid
from renkou.api.paging import PageDep
from renkou.api.routers._jobs_common import job_out, may_see, runner_of, visible_job
from renkou.api.schemas_jobs import JobOut, JobResultOut
from renkou.api.trail import audit
from renkou.app.jobs import JobState
from renkou.auth.roles import Scope
from renkou.errors import InputError

router = APIRouter(prefix="/api/jobs", tags=["jobs"])


def _any_jobs(user: UserDep) -> None:
    if not (user.may(Scope.uploads) or user.may(Scope.projections)):
        raise forbid("当前角色无权查看后台任务")


@router.get("", response_model=list[JobOut])
def list_jobs(user: UserDep, request: Request, response: Response, page: PageDep,
              kind: Annotated[str | None, Query(pattern="^(ingest|projection|linkage)$",
                                                description="ingest|projection|linkage")] = None,
              state: Annotated[str | None, Query(
                  pattern="^(queued|running|done|failed|cancelled)$")] = None
              ) -> list[JobOut]:
    """后台任务列表（最新的在前，含发起人）；部门账户只见本部门的任务。"""
    _any_jobs(user)
    jobs = [j for j in runner_of(request).list() if may_see(user, j)
            and (kind is None or j.kind == kind) and (state is None or j.state.value == state)]
    return [job_out(j) for j in page.apply(jobs, response)]


@router.get("/{job_id}", response_model=JobOut)
def get_job(job_id: str, user: UserDep, request: Request) -> JobOut:
    """一个任务的状态、进度（0–1）和说明。"""
    _any_jobs(user)
    return job_out(visible_job(runner_of(request), user, job_id))


@router.post("/{job_id}/cancel", response_model=JobOut)
def cancel_job(job_id: str, user: UserDep, request: Request, db: DatabaseDep,
               gate: GateDep) -> JobOut:
    """取消排队中或运行中的任务（运行中的任务在下一个检查点停止，已写入的批次全部回滚）。"""
    _any_jobs(user)
    runner = runner_of(request)
    job = visible_job(runner, user, job_id)
    try:
        job = runner.cancel(job.id)
    except InputError as exc:
        audit(gate, db, user, request, "job.cancel", job_id, outcome="refused")
        raise InputError(exc.message) from None
    audit(gate, db, user, request, "job.cancel", job_id, detail={"kind": job.kind})
    return job_out(job)


@router.get("/{job_id}/result", response_model=JobResultOut)
def job_result(job_id: str, user: UserDep, request: Request) -> JobResultOut:
    """任务结果：导入任务为校验报告（各文件读取、接收、按原因隔离的行数；被拒批次列出每个
    问题的文件和列），预测任务为预测摘要，概率匹配任务为各类判定的行数。"""
    _any_jobs(user)
    job = visible_job(runner_of(request), user, job_id)
    return JobResultOut(id=job.id, kind=job.kind, state=job.state.value,
                        error=job.error or None, result=job.result)


@router.get("/{job_id}/download", response_class=StreamingResponse,
            responses={200: {"content": {"application/zip": {}, "application/json": {}}}})
def download_job(job_id: str, user: UserDep, request: Request, db: DatabaseDep,
                 gate: GateDep) -> StreamingResponse:
    """下载任务结果（导入：校验报告 JSON；预测：全部结果 CSV 的 ZIP 包），记入审计日志。"""
    _any_jobs(user)
    runner = runner_of(request)
    job = visible_job(runner, user, job_id)
    if job.state is not JobState.done or job.result is None:
        raise HTTPException(status_code=409, detail=(
            f"任务{'尚未完成' if not job.finished else '没有可下载的结果'}（{job.message}）"))
    if job.kind == "projection":
        buffer = io.BytesIO()
        folder = runner.folder(job.id)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in runner.result_files(job.id):
                zf.write(path, path.relative_to(folder).as_posix())
        data, media, name = buffer.getvalue(), "application/zip", f"projection-{job.id}.zip"
    else:
        data = json.dumps(job.result, ensure_ascii=False, indent=1).encode("utf-8")
        media, name = "application/json", f"{job.kind}-report-{job.id}.json"
    audit(gate, db, user, request, "export", job.id,
          detail={"kind": job.kind, "file": name, "bytes": len(data)})
    return StreamingResponse(iter([data]), media_type=media,
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})
