"""Who reports (填报单位): display names of departments and the reporting units a plan's
forms offer in their drop-down lists."""

from __future__ import annotations

from renkou.plans.model.catalog import departments
from renkou.plans.model.plan import Plan


def department_names(codes: tuple[str, ...] | list[str]) -> list[str]:
    """Chinese names of department codes (a code not in departments.yaml is kept as is)."""
    depts = departments()
    return [depts[c].name_zh if c in depts else c for c in codes]


def _namespace(code: str) -> str:
    """Department codes of one government share a prefix (``xq-``, ``cq-`` …; none for the
    municipal departments of the task division list), see departments.yaml."""
    return code.split("-", 1)[0] + "-" if "-" in code else ""


def reporting_units(plan: Plan) -> list[str]:
    """Names offered in the 填报单位 drop-down: the departments of the plan's own government
    (those sharing the lead department's code prefix) and any other department the plan
    names, but not collectives ("各区人民政府") and not other cities' departments."""
    depts = departments()
    space = _namespace(plan.lead_department or "")
    named = {c for ind in plan.indicators for c in ind.departments}
    named |= {c for t in plan.tasks for c in t.departments}
    return sorted({d.name_zh for c, d in depts.items() if d.level != "generic"
                   and (_namespace(c) == space or c in named)})


def lead_name(plan: Plan) -> str:
    """The plan's lead department (牵头单位), or the generic name when none is set."""
    if plan.lead_department:
        return department_names([plan.lead_department])[0]
    return "发展改革部门"
