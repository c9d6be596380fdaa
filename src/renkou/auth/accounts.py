"""Local accounts (本地账户) kept in the store's ``app_accounts`` table.

An account has a role and, for ``department`` and ``district`` roles, the department or
district it is bound to. Failed logins count towards a lockout; the hash is argon2id."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

import pandas as pd

from renkou.auth.passwords import DUMMY_HASH, check_policy, hash_password, verify_password
from renkou.auth.roles import Role, parse_role
from renkou.errors import InputError, NotFoundError, StoreError
from renkou.registry import Registry

TABLE = "accounts"
# Consecutive failed logins that lock an account, and for how long.
MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60

_USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{2,32}$")
_DEPARTMENT = re.compile(r"^[A-Za-z0-9_\-]{1,32}$")


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    department: str  # "" unless role is department
    district: str    # "" unless role is district
    password_hash: str
    disabled: bool = False
    failed: int = 0
    locked_until: float = 0.0  # epoch seconds; 0 = not locked
    demo: bool = False  # a demo-only account (refused in production)
    created: float = 0.0

    @property
    def role_id(self) -> Role:
        return Role(self.role)

    def locked(self, now: float) -> bool:
        return self.locked_until > now


def _frame(accounts: list[Account]) -> pd.DataFrame:
    columns = list(Account.__dataclass_fields__)
    df = pd.DataFrame([asdict(a) for a in accounts], columns=columns)
    return df.astype({"username": str, "role": str, "department": str, "district": str,
                      "password_hash": str, "disabled": bool, "failed": "int64",
                      "locked_until": float, "demo": bool, "created": float})


def load(registry: Registry) -> dict[str, Account]:
    """Every account by name (none when the store has no account table yet)."""
    try:
        df = registry.read_table(TABLE)
    except StoreError:
        return {}
    records: list[dict[Any, Any]] = df.to_dict("records")
    return {str(r["username"]): Account(
        username=str(r["username"]), role=str(r["role"]), department=str(r["department"]),
        district=str(r["district"]), password_hash=str(r["password_hash"]),
        disabled=bool(r["disabled"]), failed=int(r["failed"]),
        locked_until=float(r["locked_until"]), demo=bool(r["demo"]),
        created=float(r["created"])) for r in records}


def save(registry: Registry, accounts: dict[str, Account]) -> None:
    registry.write_table(TABLE, _frame(sorted(accounts.values(), key=lambda a: a.username)),
                         mode="replace")


def new_account(username: str, role: str, password: str, *, department: str | None = None,
                district: str | None = None, demo: bool = False,
                area_ok: Callable[[str], bool] | None = None,
                department_ok: Callable[[str], bool] | None = None) -> Account:
    """A checked new account (not yet stored). ``area_ok(code)`` says whether a district
    code belongs to the store's jurisdiction, ``department_ok(code)`` whether a department
    code is known."""
    if not _USERNAME.fullmatch(username):
        raise InputError(f"用户名不合法：{username}（2—32 位字母、数字、下划线、点或连字符）")
    r = parse_role(role)
    if r is Role.department:
        if not department or not _DEPARTMENT.fullmatch(department):
            raise InputError("部门填报角色须以 --department 指定部门代码（字母、数字）")
        if department_ok is not None and not department_ok(department):
            raise InputError(f"未知的部门代码：{department}（见规划数据 departments.yaml）")
    elif department:
        raise InputError("只有部门填报角色（department）可指定 --department")
    if r is Role.district:
        if not district or not re.fullmatch(r"\d{6}", district):
            raise InputError("区级查看角色须以 --district 指定 6 位区县代码")
        if area_ok is not None and not area_ok(district):
            raise InputError(f"区县代码 {district} 不属于本库的辖区")
    elif district:
        raise InputError("只有区级查看角色（district）可指定 --district")
    check_policy(password, username)
    return Account(username=username, role=r.value, department=department or "",
                   district=district or "", password_hash=hash_password(password), demo=demo,
                   created=time.time())


def add(accounts: dict[str, Account], account: Account) -> dict[str, Account]:
    if account.username in accounts:
        raise InputError(f"用户 {account.username} 已存在")
    return {**accounts, account.username: account}


def get(accounts: dict[str, Account], username: str) -> Account:
    try:
        return accounts[username]
    except KeyError:
        raise NotFoundError(f"用户不存在：{username}") from None


def with_password(account: Account, password: str) -> Account:
    check_policy(password, account.username)
    return replace(account, password_hash=hash_password(password), failed=0, locked_until=0.0)


@dataclass(frozen=True)
class LoginOutcome:
    """What a login attempt came to: the account on success, else why not (for the audit
    log; the caller answers every failure with the same message)."""

    account: Account | None
    reason: str  # "ok" | "unknown" | "disabled" | "locked" | "password" | "demo"
    changed: Account | None  # the account's new state to store, if it changed


def attempt(accounts: dict[str, Account], username: str, password: str, *, now: float,
            production: bool) -> LoginOutcome:
    """Check a password; count failures and lock the account after :data:`MAX_FAILURES`."""
    account = accounts.get(username)
    if account is None:
        verify_password(DUMMY_HASH, password)  # same time as a wrong password
        return LoginOutcome(None, "unknown", None)
    if account.disabled:
        return LoginOutcome(None, "disabled", None)
    if account.locked(now):
        return LoginOutcome(None, "locked", None)
    if account.demo and production:
        return LoginOutcome(None, "demo", None)
    if not verify_password(account.password_hash, password):
        failed = account.failed + 1
        locked = now + LOCK_SECONDS if failed >= MAX_FAILURES else 0.0
        counted = replace(account, failed=0 if locked else failed, locked_until=locked)
        return LoginOutcome(None, "locked_now" if locked else "password", counted)
    cleared = replace(account, failed=0, locked_until=0.0) if account.failed else None
    return LoginOutcome(account, "ok", cleared)
