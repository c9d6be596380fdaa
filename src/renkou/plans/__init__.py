"""The population development plans (人口发展规划) as data and their assessment.

Subpackages: :mod:`~renkou.plans.model` (plans, indicators, targets, tasks, departments, the
catalog of shipped plans), :mod:`~renkou.plans.formulas` (the indicator formulas, their data
protocol and the registry as a data source), :mod:`~renkou.plans.assessment` (status rule,
a plan in a year, coverage, warnings, forward look, task progress) and
:mod:`~renkou.plans.forms` (the Excel forms departments fill in); :mod:`~renkou.plans.storage`
keeps what departments report in the store's app tables.

This module is the public API the application layer imports from."""

from renkou.plans.assessment.coverage import UncoveredArea, area_label, uncovered_reason
from renkou.plans.assessment.plan import (
    MonitoredValue,
    PlanAssessment,
    assess_plan,
    assessment_frame,
    evaluate_registry,
    formula_context,
    indicator_area,
)
from renkou.plans.assessment.projection_bridge import PlanProjection, build_inputs
from renkou.plans.assessment.status import (
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
from renkou.plans.assessment.tasks import (
    GroupProgress,
    ProgressRecord,
    TaskState,
    flagged,
    load_records,
    progress_by_department,
    progress_by_section,
    record_progress,
    states_frame,
    task_states,
    validate_record,
)
from renkou.plans.assessment.warnings import (
    COVERAGE_NAME,
    EarlyWarning,
    uncovered_assessments,
    warning_list,
)
from renkou.plans.forms.indicator_form import (
    ImportResult,
    Rejection,
    rejections_json,
    write_template,
)
from renkou.plans.forms.indicator_import import import_template
from renkou.plans.forms.progress_form import import_progress, write_progress_template
from renkou.plans.formulas.engine import (
    FORMULAS,
    Formula,
    IndicatorValue,
    compute,
    compute_many,
    is_computable,
    resolve,
)
from renkou.plans.formulas.protocol import FormulaContext, IndicatorData
from renkou.plans.formulas.records import records_of
from renkou.plans.formulas.registry_data import RegistryData
from renkou.plans.model.areas import group_area, group_of
from renkou.plans.model.catalog import (
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
from renkou.plans.model.plan import (
    Baseline,
    Department,
    Figure,
    Indicator,
    Plan,
    Target,
    Task,
)
from renkou.plans.model.reporting_units import department_names, reporting_units
from renkou.plans.model.vocabulary import DEFAULT_APPROX_TOLERANCE
from renkou.plans.storage import (
    DEMO_MARK,
    FACILITIES,
    REPORTED,
    TASK_PROGRESS,
    AppTables,
    MemoryTables,
    facility_counts,
    is_demo_report,
    quarantine,
    read_app,
    reported_values,
    write_app,
)

__all__ = [
    "COVERAGE_NAME",
    "DEFAULT_APPROX_TOLERANCE",
    "DEMO_MARK",
    "FACILITIES",
    "FORMULAS",
    "LAGGING",
    "MET",
    "MISSED",
    "NO_DATA",
    "ON_TRACK",
    "REPORTED",
    "TASK_PROGRESS",
    "AppTables",
    "Assessment",
    "AssessmentConfig",
    "Baseline",
    "Department",
    "EarlyWarning",
    "Figure",
    "Formula",
    "FormulaContext",
    "ForwardLook",
    "GroupProgress",
    "ImportResult",
    "Indicator",
    "IndicatorData",
    "IndicatorValue",
    "MemoryTables",
    "MonitoredValue",
    "Plan",
    "PlanAssessment",
    "PlanProjection",
    "ProgressRecord",
    "RegistryData",
    "Rejection",
    "Target",
    "Task",
    "TaskState",
    "UncoveredArea",
    "area_label",
    "assess_plan",
    "assessment_frame",
    "build_inputs",
    "compute",
    "compute_many",
    "department",
    "department_names",
    "departments",
    "evaluate_registry",
    "facility_counts",
    "flagged",
    "format_number",
    "formula_context",
    "get_plan",
    "group_area",
    "group_of",
    "import_progress",
    "import_template",
    "indicator_area",
    "is_computable",
    "is_demo_report",
    "list_plans",
    "load_plan_file",
    "load_records",
    "plan_quotes",
    "progress_by_department",
    "progress_by_section",
    "quarantine",
    "read_app",
    "record_progress",
    "records_of",
    "rejections_json",
    "reported_values",
    "reporting_units",
    "resolve",
    "resolve_department",
    "source_text",
    "states_frame",
    "task_states",
    "uncovered_assessments",
    "uncovered_reason",
    "unverified_quotes",
    "validate_record",
    "warning_list",
    "write_app",
    "write_progress_template",
    "write_template",
]
