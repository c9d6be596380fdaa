"""ID-number check for clerks: answers with the masked number only."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from renkou import ids
from renkou.api.deps import require
from renkou.api.schemas import IdCheckIn, IdCheckOut
from renkou.auth.roles import Scope

router = APIRouter(prefix="/api/ids", tags=["ids"], dependencies=[Depends(require(Scope.ids))])


@router.post("/check", response_model=IdCheckOut)
def check(body: IdCheckIn) -> IdCheckOut:
    number = ids.upgrade15(body.number) if len(body.number) == 15 else body.number
    verdict = ids.validate(number)
    if not verdict.valid:
        return IdCheckOut(masked=ids.mask(number), valid=False, reason=str(verdict.problem),
                          detail=verdict.detail)
    info = ids.parse(number)
    return IdCheckOut(masked=ids.mask(number), valid=True, birth_date=info.birth_date,
                      sex=info.sex, division_code=info.division_code)
