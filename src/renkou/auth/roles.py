"""Roles (角色) and what each may do (权限范围).

A scope names one kind of access; each API route requires one. ``department`` and
``district`` roles are further bound to their own department or district, checked where the
route reads an area or a department's data."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    planner = "planner"
    statistician = "statistician"
    department = "department"
    district = "district"
    auditor = "auditor"


ROLE_LABELS: dict[Role, str] = {
    Role.admin: "系统管理员",
    Role.planner: "规划管理（发改委）",
    Role.statistician: "统计分析",
    Role.department: "部门填报",
    Role.district: "区级查看",
    Role.auditor: "审计员",
}


class Scope(StrEnum):
    meta = "meta"              # what the store is: jurisdiction, dates (no counts)
    population = "population"  # aggregate counts by caliber, area, age and sex
    plans = "plans"            # plans and their assessment
    ids = "ids"                # ID-number check (answers masked numbers only)
    person = "person"          # person-level look-up (with a stated purpose)
    unmask = "unmask"          # audited unmasking of an ID number
    users = "users"            # account administration
    audit = "audit"            # the audit log
    services = "services"      # public-service gaps and population impact assessment
    quality = "quality"        # data quality of the department feeds (per feed and batch)
    reports = "reports"        # evaluation and annual reports: generate, download
    rules = "rules"            # rules evaluation, caseloads, budgets, points simulation
    tasks = "tasks"            # the task division list and its progress (read)
    progress = "progress"      # progress entry on tasks (a department: its own tasks)
    uploads = "uploads"        # feed and template uploads, their jobs and the quarantine
    projections = "projections"  # projection jobs, fan charts and scenario comparison
    # Record linkage: runs and the clerical review queue, whose rows are persons (masked).
    linkage = "linkage"
    demography = "demography"  # the demographer's toolbox: rates, age-data quality, life tables


SCOPES: dict[Role, frozenset[Scope]] = {
    Role.admin: frozenset({Scope.meta, Scope.population, Scope.plans, Scope.ids,
                           Scope.person, Scope.unmask, Scope.users, Scope.services,
                           Scope.quality, Scope.reports, Scope.rules, Scope.tasks,
                           Scope.progress, Scope.uploads, Scope.projections,
                           Scope.linkage, Scope.demography}),
    Role.planner: frozenset({Scope.meta, Scope.population, Scope.plans, Scope.ids,
                             Scope.services, Scope.quality, Scope.reports, Scope.rules,
                             Scope.tasks, Scope.progress, Scope.uploads,
                             Scope.projections, Scope.demography}),
    Role.statistician: frozenset({Scope.meta, Scope.population, Scope.plans, Scope.ids,
                                  Scope.person, Scope.services, Scope.quality, Scope.reports,
                                  Scope.rules, Scope.tasks, Scope.uploads,
                                  Scope.projections, Scope.linkage, Scope.demography}),
    # Its own department's uploads, templates and tasks: the plans it carries tasks of.
    Role.department: frozenset({Scope.meta, Scope.plans, Scope.ids, Scope.tasks,
                                Scope.progress, Scope.uploads}),
    # Its own district and the 街镇 in it.
    Role.district: frozenset({Scope.meta, Scope.population, Scope.plans, Scope.services,
                              Scope.tasks}),
    Role.auditor: frozenset({Scope.meta, Scope.audit}),
}

# Roles that see aggregate tables without small-cell suppression.
UNSUPPRESSED = frozenset({Role.admin, Role.statistician})


def parse_role(text: str) -> Role:
    from renkou.errors import InputError

    try:
        return Role(text)
    except ValueError:
        known = "、".join(f"{r.value}（{ROLE_LABELS[r]}）" for r in Role)
        raise InputError(f"未知角色：{text}（可选：{known}）") from None
