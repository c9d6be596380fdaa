"""Accounts of a store (用户管理): add, list, disable, reset a password, log in, the
demo-only accounts of ``renkou demo``, and the choices of the account form (roles with what
they may do, departments, districts). Every change is written to the audit log in the same
opening of the store."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from renkou.app.audit import record
from renkou.app.stores import registry_at
from renkou.auth import accounts as book
from renkou.auth.accounts import Account, LoginOutcome
from renkou.auth.redact import redact_ids
from renkou.auth.roles import ROLE_LABELS, SCOPES, UNSUPPRESSED, Role, Scope
from renkou.errors import ConfigError
from renkou.registry import Registry

# What an operator at the command line is called in the audit log.
CLI_ACTOR = "cli"


def _known_department(code: str) -> bool:
    from renkou.plans import departments

    return code in departments()


def _area_check(registry: Registry) -> Callable[[str], bool]:
    j = registry.jurisdiction()

    def ok(code: str) -> bool:
        # A city deployment's districts, or the district a district deployment serves.
        return code == j.code if j.level == "district" else code in j.area_codes

    return ok


def add_user(db: Path, username: str, role: str, password: str, *,
             department: str | None = None, district: str | None = None,
             actor: str = CLI_ACTOR, actor_role: str = "") -> Account:
    with registry_at(db, read_only=False) as registry:
        account = book.new_account(username, role, password, department=department,
                                   district=district, area_ok=_area_check(registry),
                                   department_ok=_known_department)
        book.save(registry, book.add(book.load(registry), account))
        record(registry, actor=actor, role=actor_role, action="user.add", target=username,
               detail={"role": account.role, "department": account.department,
                       "district": account.district})
    return account


def list_users(db: Path) -> list[Account]:
    with registry_at(db) as registry:
        return sorted(book.load(registry).values(), key=lambda a: a.username)


def disable_user(db: Path, username: str, *, actor: str = CLI_ACTOR,
                 actor_role: str = "") -> Account:
    with registry_at(db, read_only=False) as registry:
        accounts = book.load(registry)
        account = replace(book.get(accounts, username), disabled=True)
        book.save(registry, {**accounts, username: account})
        record(registry, actor=actor, role=actor_role, action="user.disable", target=username)
    return account


def reset_password(db: Path, username: str, password: str, *,
                   actor: str = CLI_ACTOR, actor_role: str = "") -> Account:
    """A new password; also lifts a lockout and enables the account again."""
    with registry_at(db, read_only=False) as registry:
        accounts = book.load(registry)
        account = replace(book.with_password(book.get(accounts, username), password),
                          disabled=False)
        book.save(registry, {**accounts, username: account})
        record(registry, actor=actor, role=actor_role, action="user.reset_password",
               target=username)
    return account


def login(db: Path, username: str, password: str, *, client: str,
          production: bool) -> LoginOutcome:
    """Check a login against the store and record it (success or failure) in the audit
    log; a failure counts towards the account's lockout."""
    with registry_at(db, read_only=False) as registry:
        accounts = book.load(registry)
        outcome = book.attempt(accounts, username, password, now=time.time(),
                               production=production)
        if outcome.changed is not None:
            book.save(registry, {**accounts, username: outcome.changed})
        ok = outcome.account
        # A name typed at the login may be anything, an ID number too: masked in the log.
        record(registry, actor=redact_ids(username[:64]), role=ok.role if ok else "",
               action="login", outcome="ok" if ok else "failed",
               detail={} if ok else {"reason": outcome.reason}, client=client)
    return outcome


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: Role
    scope: str  # the department or district it is bound to, or ""


def _demo_password(role: Role) -> str:
    return f"Shifan#{role.value.capitalize()}2026"


def demo_logins(registry: Registry) -> list[DemoLogin]:
    """One demo account per role; the district one is bound to the first of the
    jurisdiction's districts that has a plan of its own (else its first district), or for a
    district deployment to the district itself."""
    from renkou.plans import list_plans

    j = registry.jurisdiction()
    planned = [p.area_code for p in list_plans() if p.area_code in j.area_codes]
    district = j.code if j.level == "district" else (planned or list(j.area_codes))[0]
    out = []
    for role in Role:
        scope = {Role.department: "wjw", Role.district: district}.get(role, "")
        out.append(DemoLogin(username=f"demo-{role.value}", password=_demo_password(role),
                             role=role, scope=scope))
    return out


def ensure_demo_accounts(db: Path, *, production: bool) -> list[DemoLogin]:
    """The demo-only accounts of a demo store, created when missing (the store is written
    only then). Refused in production."""
    if production:
        raise ConfigError("生产环境（RENKOU_ENV=production）不创建示范账户")
    with registry_at(db) as registry:
        logins = demo_logins(registry)
        missing = [d for d in logins if d.username not in book.load(registry)]
    if missing:
        with registry_at(db, read_only=False) as registry:
            accounts = book.load(registry)
            for d in missing:
                account = book.new_account(
                    d.username, d.role.value, d.password, demo=True,
                    department=d.scope if d.role is Role.department else None,
                    district=d.scope if d.role is Role.district else None)
                accounts = book.add(accounts, account)
                record(registry, actor=CLI_ACTOR, role="", action="user.add",
                       target=d.username, detail={"role": d.role.value, "demo": True})
            book.save(registry, accounts)
    return logins


# ---- the choices of the account form ------------------------------------------------------

# What each scope of renkou.auth.roles lets an account do, as the administrator reads it.
SCOPE_ZH: dict[Scope, str] = {
    Scope.meta: "辖区与数据日期",
    Scope.population: "人口汇总统计",
    Scope.plans: "规划指标与评估",
    Scope.ids: "身份证号校验",
    Scope.person: "个人信息查询（须说明用途）",
    Scope.unmask: "身份证号解除脱敏（记入审计）",
    Scope.users: "用户管理",
    Scope.audit: "审计日志",
    Scope.services: "公共服务与人口影响评估",
    Scope.quality: "部门数据质量",
    Scope.reports: "评估报告与年度报告",
    Scope.rules: "政策测算（补贴、积分落户）",
    Scope.tasks: "任务分工（查看）",
    Scope.progress: "任务进展填报",
    Scope.uploads: "数据上传、填报模板与隔离记录",
    Scope.projections: "人口预测任务",
    Scope.linkage: "概率匹配与人工复核（人员级，脱敏）",
    Scope.demography: "人口学工具（分地区生育死亡率、年龄数据质量、生命表）",
}
BINDING_ZH: dict[Role, str] = {Role.department: "限本部门的任务、模板与数据（须指定部门）",
                               Role.district: "限本区及其街镇（须指定区县）"}


@dataclass(frozen=True)
class RoleInfo:
    role: Role
    label: str
    scopes: tuple[tuple[str, str], ...]  # (scope, what it allows), in the order of Scope
    binding: str  # what the account is bound to, "" for none
    suppressed: bool  # small cells of aggregate tables hidden


@dataclass(frozen=True)
class DepartmentInfo:
    code: str
    name: str
    feeds: tuple[str, ...]  # the department's feeds (titles), if it delivers any


@dataclass(frozen=True)
class AccountChoices:
    roles: tuple[RoleInfo, ...]
    departments: tuple[DepartmentInfo, ...]
    districts: tuple[tuple[str, str], ...]  # (code, name) a district account may be bound to


def role_infos() -> tuple[RoleInfo, ...]:
    return tuple(RoleInfo(role=r, label=ROLE_LABELS[r],
                          scopes=tuple((s.value, SCOPE_ZH[s]) for s in Scope if s in SCOPES[r]),
                          binding=BINDING_ZH.get(r, ""), suppressed=r not in UNSUPPRESSED)
                 for r in Role)


def account_choices(db: Path) -> AccountChoices:
    """The roles, and the departments and districts an account of the store's jurisdiction
    may be bound to: the departments of its plans (its own government's and those the plans
    name, not collectives such as 各区人民政府) and those that deliver feeds."""
    from renkou.app.uploads import feed_departments
    from renkou.plans import departments, list_plans
    from renkou.registry.feeds import feed_schemas

    with registry_at(db) as registry:
        j = registry.jurisdiction()
    # As _area_check: a city deployment's districts, or the district a district deployment
    # serves.
    districts = (((j.code, j.name),) if j.level == "district"
                 else tuple((a.code, a.name) for a in j.areas))
    depts = departments()
    named: set[str] = set()
    for plan in list_plans():
        if plan.area_code == j.code or j.contains(plan.area_code):
            named |= {c for ind in plan.indicators for c in ind.departments}
            named |= {c for t in plan.tasks for c in t.departments}
            named |= {plan.lead_department} if plan.lead_department else set()
    titles = {k: s.title for k, s in feed_schemas().items()}
    feeds: dict[str, list[str]] = {}
    for key, code in feed_departments().items():
        if code:
            feeds.setdefault(code, []).append(titles[key])
    codes = sorted(c for c in named | feeds.keys()
                   if c in depts and depts[c].level != "generic")
    return AccountChoices(
        roles=role_infos(),
        departments=tuple(DepartmentInfo(code=c, name=depts[c].name_zh,
                                         feeds=tuple(sorted(feeds.get(c, ())))) for c in codes),
        districts=districts)

