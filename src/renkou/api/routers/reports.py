"""Reports (报告): generate the evaluation report of a plan (midterm or final, Word or HTML)
or the annual population report (Word), list those generated, download one. Generation runs
in the request, bounded by the number of projection trajectories; each generation and each
download is written to the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse

from renkou.api.deps import DashboardDep, DatabaseDep, GateDep, ReadingDep, User, require
from renkou.api.paging import PageDep
from renkou.api.routers._jobs_common import job_out, runner_of
from renkou.api.schemas_jobs import JobOut
from renkou.api.schemas_reports import ReportIn, ReportOut
from renkou.api.trail import DOCX, HTML, audit, download, file_responses
from renkou.app import report_files
from renkou.app.assessment import default_plan
from renkou.app.report_files import ReportFile
from renkou.auth.roles import Scope

router = APIRouter(prefix="/api/reports", tags=["reports"])

Author = Annotated[User, Depends(require(Scope.reports))]


def report_out(r: ReportFile) -> ReportOut:
    return ReportOut(id=r.id, kind=r.kind, kind_name=r.kind_name, plan=r.plan, year=r.year,
                     stage=r.stage, format=r.format, filename=r.filename, size=r.size,
                     created_at=r.created_at, created_by=r.created_by,
                     download_url=f"/api/reports/{r.id}/download")


@router.post("", response_model=ReportOut, status_code=201)
def generate(body: ReportIn, request: Request, db: DatabaseDep, gate: GateDep,
             dashboard: DashboardDep, user: Author) -> ReportOut:
    """生成评估报告或年度报告（在请求内完成，通常数秒至一两分钟）；记入审计日志。"""
    with gate.reading():
        plan = body.plan or default_plan(dashboard.summary(db).jurisdiction)
        r = report_files.generate(db, db, body.kind, plan=plan, year=body.year,
                                  stage=body.stage, fmt=body.format,
                                  trajectories=body.trajectories, created_by=user.username,
                                  role=user.role.value)
    audit(gate, db, user, request, "report.generate", target=r.id,
          detail={"kind": r.kind, "plan": r.plan, "year": r.year, "stage": r.stage,
                  "format": r.format})
    return report_out(r)


@router.post("/jobs", response_model=JobOut, status_code=202)
def generate_in_background(body: ReportIn, request: Request, db: DatabaseDep, gate: GateDep,
                           dashboard: DashboardDep, user: Author) -> JobOut:
    """在后台生成报告（服务器任务队列）：返回任务，进度见 /api/jobs/{id}，完成后结果中给出
    报告的下载地址。"""
    plan = body.plan or default_plan(dashboard.summary(db).jurisdiction)
    work = report_files.report_work(db, body.kind, plan=plan, year=body.year,
                                    stage=body.stage, fmt=body.format,
                                    trajectories=body.trajectories, created_by=user.username,
                                    role=user.role.value)
    job = runner_of(request).submit(
        "report", report_files.title_of(body.kind, plan, body.year, body.stage), work,
        started_by=user.username, role=user.role.value,
        params={"kind": body.kind, "plan": plan, "year": body.year, "stage": body.stage,
                "format": body.format, "trajectories": body.trajectories})
    audit(gate, db, user, request, "report.generate", target=f"job:{job.id}",
          detail={"kind": body.kind, "plan": plan, "year": body.year, "stage": body.stage,
                  "format": body.format})
    return job_out(job)


@router.get("", response_model=list[ReportOut])
def reports(db: DatabaseDep, _: Author, __: ReadingDep, page: PageDep,
            response: Response) -> list[ReportOut]:
    """已生成的报告（新的在前）。"""
    return [report_out(r) for r in page.apply(report_files.list_reports(db), response)]


@router.get("/{report_id}/download", response_class=FileResponse,
            responses=file_responses(DOCX, HTML))
def download_report(report_id: str, request: Request, db: DatabaseDep, gate: GateDep,
                    user: Author) -> FileResponse:
    """下载一份已生成的报告（Word 或 HTML）；记入审计日志。"""
    r, path = report_files.report_file(db, report_id)
    audit(gate, db, user, request, "export.report", target=r.id,
          detail={"kind": r.kind, "format": r.format})
    return download(path, r.filename, DOCX if r.format == "docx" else HTML)
