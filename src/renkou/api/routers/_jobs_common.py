"""What the job, upload, projection and report routes share: the server's job runner, who
may see a job, and its answer shape."""

from __future__ import annotations

from fastapi import HTTPException, Request

from renkou.api.deps import User, forbid
from renkou.api.schemas_jobs import JobOut
from renkou.app.jobs import KIND_ZH, STATE_ZH, Job, JobRunner
from renkou.auth.roles import Role, Scope
from renkou.errors import NotFoundError

# The scope a kind of job needs.
KIND_SCOPE = {"ingest": Scope.uploads, "projection": Scope.projections,
              "report": Scope.reports, "linkage": Scope.linkage}


def runner_of(request: Request) -> JobRunner:
    runner: JobRunner = request.app.state.jobs
    return runner


def may_see(user: User, job: Job) -> bool:
    """A job of a kind the role works with; a department user only its department's."""
    if not user.may(KIND_SCOPE.get(job.kind, Scope.users)):
        return False
    return user.role is not Role.department or job.department == user.department


def visible_job(runner: JobRunner, user: User, job_id: str) -> Job:
    """The job (404 when unknown, 403 outside the user's scope)."""
    try:
        job = runner.get(job_id)
    except NotFoundError:
        raise HTTPException(status_code=404, detail=f"任务 {job_id} 不存在") from None
    if not may_see(user, job):
        raise forbid("当前账户无权查看此任务")
    return job


def job_out(job: Job) -> JobOut:
    done = job.result is not None
    return JobOut(
        id=job.id, kind=job.kind, kind_name=KIND_ZH.get(job.kind, job.kind), title=job.title,
        state=job.state.value, state_name=STATE_ZH[job.state], progress=round(job.progress, 4),
        message=job.message, started_by=job.started_by, role=job.role,
        department=job.department or None, created_at=job.created_at,
        started_at=job.started_at or None, finished_at=job.finished_at or None,
        params=job.params, error=job.error or None, has_result=done,
        result_url=f"/api/jobs/{job.id}/result" if done else None,
        download_url=f"/api/jobs/{job.id}/download" if done and job.state.value == "done"
        else None)
