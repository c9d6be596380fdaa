"""The quarantine browser (隔离记录): rows of the department feeds that were not accepted,
with the reason, ID numbers masked; a department account sees only its own feeds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from renkou.api.deps import DatabaseDep, GateDep, User, forbid, require
from renkou.api.paging import PageDep
from renkou.api.schemas_jobs import QuarantineRowOut
from renkou.api.trail import audit
from renkou.app.uploads import quarantine_rows
from renkou.auth.roles import Role, Scope

router = APIRouter(prefix="/api/quarantine", tags=["quarantine"])


@router.get("", response_model=list[QuarantineRowOut])
def quarantine(db: DatabaseDep, gate: GateDep, page: PageDep, request: Request,
               response: Response,
               user: Annotated[User, Depends(require(Scope.uploads))],
               batch: Annotated[int | None, Query(ge=1, description="批次号")] = None,
               feed: Annotated[str | None, Query(pattern=r"^[a-z_]{3,40}$",
                                                 description="接口名")] = None,
               reason: Annotated[str | None, Query(pattern=r"^[a-z_]{3,40}$",
                                                   description="隔离原因")] = None
               ) -> list[QuarantineRowOut]:
    """隔离记录（分页，X-Total-Count 为总数），可按批次、接口、原因筛选；身份证号一律脱敏。
    查阅记入审计日志（逐条记录，虽已脱敏）。"""
    department = user.department if user.role is Role.department else None
    try:
        found = quarantine_rows(db, batch=batch, feed=feed, reason=reason,
                                department=department, limit=page.limit, offset=page.offset)
    except PermissionError:
        audit(gate, db, user, request, "quarantine.read", feed or "", outcome="forbidden")
        raise forbid("部门账户只能查看本部门数据接口的隔离记录") from None
    audit(gate, db, user, request, "quarantine.read", feed or "",
          detail={"batch": batch, "reason": reason or "", "offset": page.offset,
                  "rows": len(found.rows)})
    response.headers["X-Total-Count"] = str(found.total)
    return [QuarantineRowOut(**r) for r in found.rows]  # type: ignore[arg-type]
