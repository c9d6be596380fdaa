"""The population development plans as data (人口发展规划) and their assessment: indicators
with baselines and targets, key tasks with responsible departments, the indicator formulas
and the assessment of a plan in a year from a registry and the departments' reports.

This module is the public API the application layer imports from."""

from renkou.plans.areas import group_area, group_of
from renkou.plans.assessment import (
    LAGGING,
    MET,
    MISSED,
    NO_DATA,
    ON_TRACK,
    Assessment,
    AssessmentConfig,
    ForwardLook,
    format_number,
)
from renkou.plans.catalog import (
    department,
    departments,
    get_plan,
    list_plans,
    load_plan_file,
    plan_quotes,
    resolve_department,
    source_text,
    unverified_quotes,
)
from renkou.plans.coverage import UncoveredArea, area_label, uncovered_reason
from renkou.plans.formulas import FormulaContext, IndicatorData
from renkou.plans.indicator_data import RegistryData
from renkou.plans.indicators import (
    FORMULAS,
    Formula,
    IndicatorValue,
    compute,
    compute_many,
    is_computable,
    resolve,
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
from renkou.plans.plan_assessment import (
    MonitoredValue,
    PlanAssessment,
    assess_plan,
    assessment_frame,
    evaluate_registry,
    formula_context,
    indicator_area,
)
from renkou.plans.storage import (
    DEMO_MARK,
    FACILITIES,
    REPORTED,
    TASK_PROGRESS,
    AppTables,
    MemoryTables,
    facility_counts,
    is_demo_report,
    read_app,
    write_app,
)
from renkou.plans.warnings import COVERAGE_NAME, EarlyWarning, uncovered_assessments, warning_list

__all__ = [
    "COVERAGE_NAME", "DEMO_MARK", "FACILITIES", "FORMULAS", "LAGGING", "MET", "MISSED",
    "NO_DATA", "ON_TRACK", "REPORTED", "TASK_PROGRESS",
    "AppTables", "Assessment", "AssessmentConfig", "Baseline", "Department", "EarlyWarning",
    "Figure", "Formula", "FormulaContext", "ForwardLook", "Indicator", "IndicatorData",
    "IndicatorValue", "MemoryTables", "MonitoredValue", "Plan", "PlanAssessment",
    "RegistryData", "Target", "Task", "UncoveredArea",
    "area_label", "assess_plan", "assessment_frame", "compute", "compute_many", "department",
    "departments", "evaluate_registry", "facility_counts", "format_number", "formula_context",
    "get_plan", "group_area", "group_of", "indicator_area", "is_computable",
    "is_demo_report", "list_plans", "load_plan_file", "plan_quotes", "read_app",
    "resolve", "resolve_department", "source_text", "uncovered_assessments",
    "uncovered_reason", "unverified_quotes", "warning_list", "write_app",
]
