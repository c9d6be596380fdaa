"""Record linkage (概率匹配) and its clerical review (人工复核): the queue of links scored
between the thresholds, each with its proposed person (masked) and the match weight of each
comparison; a clerk's accept or reject; a linkage run. Runs and decisions write the store,
so they go to the server's job runner (its one writer) while the pages keep answering from
the last committed state; each is written to the audit log, and so is each read of the
queue (persons, though masked)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response

from renkou.api.deps import DatabaseDep, GateDep, SettingsDep, User, require
from renkou.api.paging import PageDep
from renkou.api.routers._jobs_common import job_out, runner_of
from renkou.api.schemas_jobs import JobOut
from renkou.api.schemas_linkage import (
    CandidateOut,
    DecisionOut,
    LinkJobIn,
    ReviewRowOut,
    WeightOut,
)
from renkou.api.trail import audit
from renkou.app import linkage
from renkou.app.jobs import JobState
from renkou.auth.roles import Scope

router = APIRouter(prefix="/api/linkage", tags=["linkage"])

Clerk = Annotated[User, Depends(require(Scope.linkage))]
LinkId = Annotated[int, Path(ge=1, le=2**62, description="复核编号")]

# How long a decision's request waits for its job; a longer queue answers "pending" and the
# page follows the job.
DECISION_WAIT_SECONDS = 60.0


def _row(r: linkage.ReviewRow) -> ReviewRowOut:
    return ReviewRowOut(
        link_id=r.link_id, feed=r.feed, file=r.file, row=r.row, record_id=r.record_id,
        reason=r.reason, reason_name=r.reason_name,
        candidate=CandidateOut(ref=r.person_ref, id_masked=r.id_masked,
                               name_masked=r.name_masked, sex=r.sex, birth_date=r.birth_date),
        match_probability=r.match_probability, match_weight=r.match_weight, margin=r.margin,
        weights=[WeightOut(comparison=c, label=label, weight=w) for c, label, w in r.weights])


@router.get("/review", response_model=list[ReviewRowOut])
def review_queue(db: DatabaseDep, gate: GateDep, settings: SettingsDep, page: PageDep,
                 request: Request, response: Response, user: Clerk) -> list[ReviewRowOut]:
    """待复核的匹配（分页，X-Total-Count 为总数）：隔离记录、候选人员（身份证号与姓名脱敏）、
    匹配概率及各项比较的匹配权重。查阅记入审计日志。"""
    rows, total = linkage.review_queue(db, settings, limit=page.limit, offset=page.offset)
    audit(gate, db, user, request, "linkage.review.read", "",
          detail={"offset": page.offset, "rows": len(rows)})
    response.headers["X-Total-Count"] = str(total)
    return [_row(r) for r in rows]


def _decide(link_id: int, accept: bool, request: Request, db: DatabaseDep, gate: GateDep,
            settings: SettingsDep, user: User) -> DecisionOut:
    action = "linkage.accept" if accept else "linkage.reject"
    linkage.waiting_link(db, link_id)
    runner = runner_of(request)
    job = runner.submit("linkage", f"人工复核：{'接受' if accept else '拒绝'}第 {link_id} 号匹配",
                        linkage.decision_work(db, settings, link_id, accept),
                        started_by=user.username, role=user.role.value,
                        params={"link_id": link_id, "decision": "accept" if accept
                                else "reject"})
    job = runner.wait(job.id, DECISION_WAIT_SECONDS)
    if job.state is JobState.done and job.result is not None:
        decision = str(job.result["decision"])
        message = {"accepted": "已接受，记录已入库", "refused": "已接受，但入库时仍被校验拒绝，"
                   "记录仍隔离", "rejected": "已拒绝，记录仍隔离且不再推荐"}[decision]
    elif not job.finished:
        decision, message = "pending", "已排队，等待其他任务完成后处理"
    else:
        audit(gate, db, user, request, action, f"link:{link_id}",
              detail={"job": job.id}, outcome="failed")
        raise HTTPException(status_code=409, detail=f"复核未完成：{job.error or job.message}")
    audit(gate, db, user, request, action, f"link:{link_id}",
          detail={"job": job.id, "decision": decision})
    return DecisionOut(link_id=link_id, decision=decision,  # type: ignore[arg-type]
                       message=message, job=job_out(job))


@router.post("/review/{link_id}/accept", response_model=DecisionOut)
def accept(link_id: LinkId, request: Request, db: DatabaseDep, gate: GateDep,
           settings: SettingsDep, user: Clerk) -> DecisionOut:
    """接受一条待复核的匹配：该隔离记录按候选人员的身份证号重新校验入库（由服务器后台任务
    执行）；记入审计日志。"""
    return _decide(link_id, True, request, db, gate, settings, user)


@router.post("/review/{link_id}/reject", response_model=DecisionOut)
def reject(link_id: LinkId, request: Request, db: DatabaseDep, gate: GateDep,
           settings: SettingsDep, user: Clerk) -> DecisionOut:
    """拒绝一条待复核的匹配：记录仍隔离，以后的匹配不再推荐该人员；记入审计日志。"""
    return _decide(link_id, False, request, db, gate, settings, user)


@router.post("/jobs", response_model=JobOut, status_code=202)
def start_linkage(body: LinkJobIn, request: Request, db: DatabaseDep, gate: GateDep,
                  settings: SettingsDep, user: Clerk) -> JobOut:
    """在后台运行概率匹配（服务器任务队列，与导入任务依次执行）：因证件号码问题隔离的记录与
    库内人员匹配，高于接受阈值的入库，阈值之间的进入人工复核。进度见 /api/jobs/{id}。"""
    work = linkage.link_work(db, settings, upper=body.threshold, lower=body.review_threshold)
    job = runner_of(request).submit(
        "linkage", f"概率匹配（接受 ≥ {body.threshold:g}，复核 ≥ {body.review_threshold:g}）",
        work, started_by=user.username, role=user.role.value,
        params={"threshold": body.threshold, "review_threshold": body.review_threshold})
    audit(gate, db, user, request, "linkage.run", f"job:{job.id}",
          detail={"threshold": body.threshold, "review_threshold": body.review_threshold})
    audit(gate, db, user, request, "job.start", job.id, detail={"kind": "linkage"})
    return job_out(job)
