"""Assessing a plan (规划实施评估): the status rule of one indicator
(:mod:`~renkou.plans.assessment.status`), a whole plan in a year
(:mod:`~renkou.plans.assessment.plan`), the coverage check, early warnings, the forward look
(projections and trends) and task progress."""

from renkou.plans.assessment.status import (
    LAGGING,
    MET,
    MISSED,
    NO_DATA,
    ON_TRACK,
    STATUSES,
    Assessment,
    AssessmentConfig,
    ForwardLook,
    Status,
    TargetSpec,
    assess_series,
    assess_value,
    format_number,
    pick_baseline,
    pick_target,
)

__all__ = ["LAGGING", "MET", "MISSED", "NO_DATA", "ON_TRACK", "STATUSES", "Assessment",
           "AssessmentConfig", "ForwardLook", "Status", "TargetSpec", "assess_series",
           "assess_value", "format_number", "pick_baseline", "pick_target"]
