"""Accounts (用户管理) for administrators: list, add, disable, reset a password, and the
choices of the account form (roles with what they may do, departments, districts). Every
change is written to the audit log with the administrator's name."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from renkou.api.deps import DatabaseDep, GateDep, ReadingDep, SessionsDep, User, require
from renkou.api.paging import PageDep
from renkou.api.schemas import PasswordIn, UserIn, UserOut
from renkou.api.schemas_users import (
    AccountChoicesOut,
    DepartmentOut,
    DistrictOut,
    RoleOut,
    ScopeOut,
)
from renkou.app import accounts
from renkou.auth.accounts import Account
from renkou.auth.roles import ROLE_LABELS, Scope

router = APIRouter(prefix="/api/users", tags=["users"])

Admin = Annotated[User, Depends(require(Scope.users))]


def _out(a: Account, now: float) -> UserOut:
    return UserOut(username=a.username, role=a.role, role_label=ROLE_LABELS[a.role_id],
                   department=a.department or None, district=a.district or None,
                   disabled=a.disabled, locked=a.locked(now), demo=a.demo)


@router.get("", response_model=list[UserOut])
def list_users(db: DatabaseDep, _: Admin, __: ReadingDep, page: PageDep,
               response: Response) -> list[UserOut]:
    """全部用户（不含口令摘要）。"""
    now = time.time()
    return [_out(a, now) for a in page.apply(accounts.list_users(db), response)]


@router.get("/choices", response_model=AccountChoicesOut)
def account_choices(db: DatabaseDep, _: Admin, __: ReadingDep) -> AccountChoicesOut:
    """账户表单的选项：各角色（代码、名称、可做的事、绑定范围、是否做小单元格抑制），可绑定的
    部门（本辖区规划涉及的部门及报送数据的部门）和区县。"""
    c = accounts.account_choices(db)
    return AccountChoicesOut(
        roles=[RoleOut(role=r.role.value, label=r.label, binding=r.binding,
                       suppressed=r.suppressed,
                       scopes=[ScopeOut(scope=s, label=t) for s, t in r.scopes])
               for r in c.roles],
        departments=[DepartmentOut(code=d.code, name=d.name, feeds=list(d.feeds))
                     for d in c.departments],
        districts=[DistrictOut(code=code, name=name) for code, name in c.districts])


@router.post("", response_model=UserOut, status_code=201)
def add_user(body: UserIn, db: DatabaseDep, gate: GateDep, admin: Admin) -> UserOut:
    """添加用户（口令须符合口令策略）。"""
    with gate.writing(db):
        account = accounts.add_user(db, body.username, body.role, body.password,
                                    department=body.department, district=body.district,
                                    actor=admin.username, actor_role=admin.role.value)
    return _out(account, time.time())


@router.post("/{name}/disable", response_model=UserOut)
def disable_user(name: str, db: DatabaseDep, gate: GateDep, sessions: SessionsDep,
                 admin: Admin) -> UserOut:
    """停用用户；其会话随即失效。"""
    with gate.writing(db):
        account = accounts.disable_user(db, name, actor=admin.username,
                                        actor_role=admin.role.value)
    sessions.close_user(name)
    return _out(account, time.time())


@router.post("/{name}/password", response_model=UserOut)
def reset_password(name: str, body: PasswordIn, db: DatabaseDep, gate: GateDep,
                   sessions: SessionsDep, admin: Admin) -> UserOut:
    """重置口令（同时解除锁定并启用）；原有会话失效。"""
    with gate.writing(db):
        account = accounts.reset_password(db, name, body.password, actor=admin.username,
                                          actor_role=admin.role.value)
    sessions.close_user(name)
    return _out(account, time.time())
