"""Person-level look-up (个人信息查询): ``admin`` and ``statistician`` only, with a stated
purpose, audited, the ID number masked; the clear number only through an administrator's
audited unmask."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from renkou.api.deps import DatabaseDep, GateDep, SettingsDep, User, client_of, require
from renkou.api.schemas_persons import IdentityOut, LookupIn, PersonOut, PlaceOut, UnmaskIn
from renkou.app import persons
from renkou.app.population import area_name
from renkou.auth.roles import Scope
from renkou.registry.person_lookup import Place

router = APIRouter(prefix="/api/persons", tags=["persons"])

Looker = Annotated[User, Depends(require(Scope.person))]
Unmasker = Annotated[User, Depends(require(Scope.unmask))]


def _place(p: Place | None) -> PlaceOut | None:
    return None if p is None else PlaceOut(code=p.code, name=area_name(p.code), since=p.since)


@router.post("/lookup", response_model=PersonOut)
def lookup(body: LookupIn, request: Request, db: DatabaseDep, gate: GateDep,
           settings: SettingsDep, user: Looker) -> PersonOut:
    """按身份证号码查询一名人员（须说明事由；号码脱敏显示；记入审计日志）。"""
    with gate.writing(db):
        p = persons.lookup(db, settings, body.id_number, body.purpose, actor=user.username,
                           role=user.role.value, client=client_of(request))
    return PersonOut(ref=p.ref, id_masked=p.id_masked, sex=p.sex, birth_date=p.birth_date,
                     death_date=p.death_date, hukou=_place(p.hukou),
                     residence=_place(p.residence))


@router.post("/unmask", response_model=IdentityOut)
def unmask(body: UnmaskIn, request: Request, db: DatabaseDep, gate: GateDep,
           settings: SettingsDep, user: Unmasker) -> IdentityOut:
    """还原一名人员的完整身份证号码和姓名（仅系统管理员；须说明事由；记入审计日志）。"""
    with gate.writing(db):
        who = persons.reveal(db, settings, body.ref, body.purpose, actor=user.username,
                             role=user.role.value, client=client_of(request))
    return IdentityOut(ref=who.ref, id_number=who.id_number, name=who.name)
