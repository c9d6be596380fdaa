"""The facility inventory (设施清单) of the public services: its template, the import of a
filled one (every row accepted or quarantined with a Chinese reason, as
``renkou services facilities import``) and the stored list."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from renkou.api.deps import (
    DashboardDep,
    DatabaseDep,
    GateDep,
    RegistryDep,
    SettingsDep,
    User,
    require,
)
from renkou.api.gate import StoreGate
from renkou.api.paging import PageDep
from renkou.api.routers._multipart import multipart_body
from renkou.api.routers._single_upload import Steward, one_file
from renkou.api.schemas_facilities import FacilityOut, FacilityReportOut, RejectedRowOut
from renkou.api.scoping import check_area
from renkou.api.trail import XLSX, audit, download, file_responses, records, summary_reading
from renkou.app import services
from renkou.app.population import area_name
from renkou.auth.redact import redact_ids
from renkou.auth.roles import Role, Scope
from renkou.errors import InputError

router = APIRouter(prefix="/api/services/facilities", tags=["services"])

Reader = Annotated[User, Depends(require(Scope.services))]


@router.get("/template", response_class=FileResponse, responses=file_responses(XLSX))
def template(request: Request, db: DatabaseDep, gate: GateDep, dashboard: DashboardDep,
             user: Steward) -> FileResponse:
    """下载设施清单填报模板（.xlsx，设施类型下拉选择，含填写说明；同 renkou services facilities
    template）；记入审计日志。"""
    with summary_reading(gate, dashboard, db) as summary:
        jurisdiction = summary.jurisdiction
    tmp = Path(tempfile.mkdtemp(prefix="renkou-facilities-"))
    try:
        path = services.facilities_template(tmp / "facilities.xlsx", jurisdiction.key)
    except BaseException:
        tmp.rmdir()
        raise
    audit(gate, db, user, request, "export.template", target="facilities")

    def clean() -> None:
        path.unlink(missing_ok=True)
        tmp.rmdir()

    response = download(path, f"{jurisdiction.name}设施清单模板.xlsx", XLSX)
    response.background = BackgroundTask(clean)
    return response


def _import(gate: StoreGate, db: Path, path: Path) -> services.ImportResult:
    with gate.writing(db):
        return services.import_facilities(db, path)


@router.post("", response_model=FacilityReportOut, status_code=201,
             openapi_extra=multipart_body("file", False, {}))
async def upload(user: Steward, request: Request, db: DatabaseDep, gate: GateDep,
                 settings: SettingsDep) -> FacilityReportOut:
    """导入已填写的设施清单（字段 file，.xlsx）：逐行校验，合格行入库，不合格行连同文件、行号、
    列和原因隔离；返回校验报告。同一街镇同类同名的设施以最近一次导入为准。"""
    try:
        async with one_file(request, settings.max_upload_mb << 20, (".xlsx",),
                            "设施清单") as (name, path):
            result = await run_in_threadpool(_import, gate, db, path)
    except InputError as exc:
        await run_in_threadpool(audit, gate, db, user, request, "upload", "facilities",
                                {"file": exc.file or ""}, "refused")
        raise
    await run_in_threadpool(audit, gate, db, user, request, "upload", "facilities",
                            {"file": name, "accepted": result.accepted,
                             "rejected": len(result.rejected)})
    return FacilityReportOut(
        file=result.file, accepted=result.accepted,
        rejected=[RejectedRowOut(file=r.file, row=r.row, column=r.column,
                                 reason=redact_ids(r.reason)) for r in result.rejected])


@router.get("", response_model=list[FacilityOut])
def facilities(registry: RegistryDep, user: Reader, page: PageDep, response: Response,
               region: Annotated[str | None, Query(
                   pattern=r"^\d{6}(\d{3})?$", description="只列此区县或街镇内的设施")] = None,
               type: Annotated[str | None, Query(description="设施类型（如 childcare）")] = None
               ) -> list[FacilityOut]:
    """已入库的设施清单（每个设施取最近一次导入），按街镇、类型、名称排列；区级账户只列本区的。"""
    if region is not None:
        check_area(user, region)
    within = region or (user.district if user.role is Role.district else None)
    table = services.facility_inventory(registry, within, type)
    rows = page.apply(records(table), response)
    return [_facility(r) for r in rows]


def _day(value: object) -> str | None:
    """A stored date (a date, or a timestamp at midnight) as yyyy-mm-dd."""
    return None if value is None else str(value)[:10]


def _facility(r: dict[str, Any]) -> FacilityOut:
    return FacilityOut(type=r["type"], type_name=services.facility_type_name(r["type"]),
                       name=r["name"], street=r["street"], street_name=area_name(r["street"]),
                       capacity=r["capacity"], unit=r["unit"], opened=_day(r["opened"]) or "",
                       closed=_day(r["closed"]), longitude=r["longitude"],
                       latitude=r["latitude"], source_file=r["source_file"],
                       source_row=r["source_row"], imported_at=str(r["imported_at"] or ""))
