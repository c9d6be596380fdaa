"""Response shapes of the account form's choices (roles, departments, districts)."""

from __future__ import annotations

from pydantic import BaseModel


class ScopeOut(BaseModel):
    scope: str
    label: str  # what it lets the account do (Chinese)


class RoleOut(BaseModel):
    role: str
    label: str
    scopes: list[ScopeOut]
    binding: str  # what the account is bound to ('' for none)
    suppressed: bool  # small cells of aggregate tables hidden for the role


class DepartmentOut(BaseModel):
    code: str
    name: str
    feeds: list[str]  # the feeds it delivers (titles)


class DistrictOut(BaseModel):
    code: str
    name: str


class AccountChoicesOut(BaseModel):
    roles: list[RoleOut]
    departments: list[DepartmentOut]
    districts: list[DistrictOut]
