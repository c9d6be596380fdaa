"""Function zones (功能区范围) of the store, as ``renkou plans zones``: what is defined and
which plan indicators it makes computable, a zone file to fill in, and the import of one
(replacing the earlier zones; a file with an error changes nothing)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from renkou.api.deps import DatabaseDep, GateDep, ReadingDep, SettingsDep, User, require
from renkou.api.gate import StoreGate
from renkou.api.routers._multipart import multipart_body
from renkou.api.routers._single_upload import Steward, one_file
from renkou.api.schemas_facilities import (
    ZoneIndicatorOut,
    ZoneOut,
    ZonesOut,
    ZoneStreetOut,
)
from renkou.api.trail import audit, download
from renkou.app import zones as app_zones
from renkou.app.population import area_name
from renkou.auth.roles import Scope
from renkou.errors import InputError

router = APIRouter(prefix="/api/zones", tags=["plans"])

Reader = Annotated[User, Depends(require(Scope.plans))]
YAML = "application/yaml; charset=utf-8"


def _out(db: Path) -> ZonesOut:
    defined, indicators = app_zones.zones(db)
    return ZonesOut(
        zones=[ZoneOut(name=z.name, source=z.source, example=z.example, file=z.file,
                       imported_at=z.imported_at,
                       streets=[ZoneStreetOut(code=s, name=area_name(s)) for s in z.streets])
               for z in defined],
        indicators=[ZoneIndicatorOut(plan=i.plan, code=i.code, name=i.name,
                                     zones=list(i.zones), missing=list(i.missing),
                                     computed=i.computed) for i in indicators])


@router.get("", response_model=ZonesOut)
def zones(db: DatabaseDep, _: Reader, __: ReadingDep) -> ZonesOut:
    """库中定义的功能区（所含街镇、范围依据）和各规划以功能区为范围的指标：全部功能区都有
    定义的由库计算，否则仍由部门填报（missing 列出缺少的功能区）。"""
    return _out(db)


# A YAML file is a document a client may parse: described as the mapping it is.
TEMPLATE_RESPONSES: dict[int | str, dict[str, Any]] = {200: {
    "description": "功能区范围文件（YAML 映射：jurisdiction、zones；附件）",
    "content": {YAML.split(";")[0]: {"schema": {"type": "object"}}}}}


@router.get("/template", response_class=FileResponse, responses=TEMPLATE_RESPONSES)
def template(request: Request, db: DatabaseDep, gate: GateDep, user: Steward) -> FileResponse:
    """下载功能区范围文件模板（YAML：规划所列功能区，可选街镇以注释列出；同 renkou plans zones
    template）；记入审计日志。"""
    with gate.reading():
        text = app_zones.template(db)
    tmp = Path(tempfile.mkdtemp(prefix="renkou-zones-"))
    path = tmp / "zones.yaml"
    path.write_text(text, encoding="utf-8")
    audit(gate, db, user, request, "export.template", target="zones")

    def clean() -> None:
        path.unlink(missing_ok=True)
        tmp.rmdir()

    response = download(path, "功能区范围模板.yaml", YAML)
    response.background = BackgroundTask(clean)
    return response


def _import(gate: StoreGate, db: Path, path: Path) -> None:
    with gate.writing(db):
        app_zones.import_zones(db, path)


@router.post("", response_model=ZonesOut, status_code=201,
             openapi_extra=multipart_body("file", False, {}))
async def upload(user: Steward, request: Request, db: DatabaseDep, gate: GateDep,
                 settings: SettingsDep) -> ZonesOut:
    """导入功能区范围文件（字段 file，.yaml，UTF-8；同 renkou plans zones import）：检查后替换库中
    原有的功能区；有错误时说明文件、位置和原因，库不变。"""
    try:
        async with one_file(request, settings.max_upload_mb << 20, (".yaml", ".yml"),
                            "功能区范围") as (name, path):
            await run_in_threadpool(_import, gate, db, path)
    except InputError as exc:
        await run_in_threadpool(audit, gate, db, user, request, "upload", "zones",
                                {"file": exc.file or ""}, "refused")
        raise
    await run_in_threadpool(audit, gate, db, user, request, "upload", "zones", {"file": name})

    def answer() -> ZonesOut:
        with gate.reading():
            return _out(db)

    return await run_in_threadpool(answer)
