"""The audit log (审计日志), for the auditor role only. Reading it is itself recorded."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from renkou.api.deps import DatabaseDep, GateDep, User, client_of, require
from renkou.api.paging import PageDep
from renkou.api.schemas import AuditEntryOut
from renkou.app.audit import read_entries, record_at
from renkou.auth.roles import Scope

router = APIRouter(prefix="/api/audit", tags=["audit"])


@router.get("", response_model=list[AuditEntryOut])
def audit_log(db: DatabaseDep, gate: GateDep, page: PageDep, request: Request,
              response: Response, user: User = Depends(require(Scope.audit)),
              action: str | None = None) -> list[AuditEntryOut]:
    """审计日志，最新的在前；可按操作类型（action）筛选。"""
    with gate.reading():
        rows = read_entries(db)
    if action:
        rows = [e for e in rows if e.action == action]
    out = page.apply(rows, response)
    with gate.writing(db):
        record_at(db, actor=user.username, role=user.role.value, action="audit.read",
                  detail={"offset": page.offset, "limit": page.limit, "action": action or ""},
                  client=client_of(request))
    return [AuditEntryOut.model_validate(e, from_attributes=True) for e in out]
