"""Uploads (数据上传): a batch of department feed files becomes an ingest job of the server's
job runner (its result is the validation report); a filled reporting template is imported
at once with its validation report. A department account sends only its own department's
feeds and reports only its own department's indicators. Files are received straight into
the job's private folder beside the store (see :mod:`renkou.api.routers._multipart`)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from renkou.api.deps import DatabaseDep, GateDep, SettingsDep, User, forbid, require
from renkou.api.routers._jobs_common import job_out, runner_of
from renkou.api.routers._multipart import multipart_body, receive_files
from renkou.api.schemas_jobs import TemplateReportOut, UploadJobOut
from renkou.api.trail import audit
from renkou.app.uploads import (
    check_names,
    feed_departments,
    import_template_file,
    ingest_work,
    place_files,
)
from renkou.auth.roles import Role, Scope
from renkou.errors import InputError

# Where the API takes uploads: their request size limit is the settings' max_upload_mb.
UPLOADS_PREFIX = "/api/uploads"

router = APIRouter(prefix=UPLOADS_PREFIX, tags=["uploads"])

Uploader = Annotated[User, Depends(require(Scope.uploads))]


def _own_department(user: User) -> str | None:
    return user.department if user.role is Role.department else None


@router.get("/feeds")
def feed_catalog(user: Uploader) -> list[dict[str, object]]:
    """可上传的部门数据接口：接口名（文件名前缀）、名称、部门与列；部门账户只列本部门的。"""
    from renkou.registry.feeds import feed_schemas

    owners = feed_departments()
    own = _own_department(user)
    return [{"feed": k, "title": s.title, "department": s.department,
             "department_code": owners.get(k) or None, "columns": list(s.headers)}
            for k, s in feed_schemas().items() if own is None or owners.get(k) == own]


@router.post("/feeds", response_model=UploadJobOut, status_code=202,
             openapi_extra=multipart_body("files", True, {
                 "jurisdiction": "数据所属辖区（辖区配置的键，可省略）"}))
async def upload_feeds(user: Uploader, request: Request, db: DatabaseDep, gate: GateDep,
                       settings: SettingsDep) -> UploadJobOut:
    """上传一个批次的部门数据（字段 files，可多个：CSV UTF-8/GB18030、XLSX、Parquet，文件名以
    接口名开头，如 police_hukou_2024.csv），交由后台任务导入（全部或全不）；任务结果为校验报告。"""
    runner = runner_of(request)
    job_id, folder = await run_in_threadpool(runner.reserve)
    try:
        received = await receive_files(request, folder, file_field="files",
                                       max_bytes=settings.max_upload_mb << 20)
        names = [n for n, _ in received.files]
        try:
            checked = check_names(names, _own_department(user))
        except InputError:
            await run_in_threadpool(audit, gate, db, user, request, "upload", "feeds",
                                    {"files": names}, "refused")
            raise
        if checked.foreign:
            await run_in_threadpool(audit, gate, db, user, request, "upload", "feeds",
                                    {"files": names}, "forbidden")
            raise forbid("部门账户只能上传本部门的数据：" + "、".join(checked.foreign))
        place_files(folder, received.files)
        jurisdiction = received.fields.get("jurisdiction") or None
        job = await run_in_threadpool(lambda: runner.submit(
            "ingest", f"上传导入（{len(names)} 个文件）",
            ingest_work(db, settings, jurisdiction=jurisdiction),
            started_by=user.username, role=user.role.value,
            department=user.department if user.role is Role.department else "",
            params={"files": names, "jurisdiction": jurisdiction, "via": "upload"},
            job_id=job_id))
    except BaseException:
        runner.discard(job_id)
        raise
    await run_in_threadpool(audit, gate, db, user, request, "upload", "feeds",
                            {"job": job.id, "files": names})
    await run_in_threadpool(audit, gate, db, user, request, "job.start", job.id,
                            {"kind": "ingest"})
    return UploadJobOut(job=job_out(job),
                        files=[{"file": n, "feed": f} for n, f in checked.feeds.items()])


@router.post("/templates", response_model=TemplateReportOut, status_code=201,
             openapi_extra=multipart_body("file", False, {
                 "plan": "规划代码（默认取模板中记录的规划）"}))
async def upload_template(user: Uploader, request: Request, db: DatabaseDep, gate: GateDep,
                          settings: SettingsDep) -> TemplateReportOut:
    """导入已填写的填报模板（字段 file，.xlsx；同 renkou indicators import）：逐行通过或隔离，
    返回校验报告（每个隔离行的文件、行号、列和原因）。"""
    runner = runner_of(request)
    _, folder = await run_in_threadpool(runner.reserve)
    try:
        received = await receive_files(request, folder, file_field="file",
                                       max_bytes=settings.max_upload_mb << 20)
        if len(received.files) != 1:
            raise InputError("一次只能导入一个填报模板")
        name, part = received.files[0]
        if not name.lower().endswith(".xlsx") or name.startswith("."):
            raise InputError("填报模板应为 .xlsx 文件", file=name or None)
        path = part.with_name(Path(name).name)
        part.replace(path)
        plan = received.fields.get("plan") or None

        def run() -> dict[str, object]:
            with gate.writing(db):
                return import_template_file(db, path, plan, department=_own_department(user))

        try:
            report = await run_in_threadpool(run)
        except InputError:
            await run_in_threadpool(audit, gate, db, user, request, "upload", "template",
                                    {"file": name, "plan": plan or ""}, "refused")
            raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    await run_in_threadpool(audit, gate, db, user, request, "upload", "template",
                            {"file": name, "plan": report["plan"],
                             "accepted": report["accepted"],
                             "rejected": len(report["rejected"])})  # type: ignore[arg-type]
    return TemplateReportOut(**report)  # type: ignore[arg-type]
