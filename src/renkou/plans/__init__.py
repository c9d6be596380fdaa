"""The population development plans as data (人口发展规划): indicators with baselines and
targets, key tasks with responsible departments, and the shared department list.

Public API: :func:`list_plans`, :func:`get_plan`, :func:`departments`, and the models in
:mod:`renkou.plans.model`."""

from renkou.plans.catalog import (
    department,
    departments,
    get_plan,
    list_plans,
    load_plan_file,
    resolve_department,
    source_text,
    unverified_quotes,
)
from renkou.plans.model import (
    Baseline,
    Department,
    Figure,
    Indicator,
    Plan,
    Target,
    Task,
)

__all__ = [
    "Baseline",
    "Department",
    "Figure",
    "Indicator",
    "Plan",
    "Target",
    "Task",
    "department",
    "departments",
    "get_plan",
    "list_plans",
    "load_plan_file",
    "resolve_department",
    "source_text",
    "unverified_quotes",
]
