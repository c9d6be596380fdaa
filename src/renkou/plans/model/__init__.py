"""The plans as data (规划模型): plans, indicators, baselines, targets, tasks and departments,
the words they are written in (vocabulary), target semantics, the catalog of shipped plans
and the areas an indicator is computed for."""

from renkou.plans.model.plan import (
    Baseline,
    Department,
    Figure,
    Indicator,
    Plan,
    Target,
    Task,
)
from renkou.plans.model.vocabulary import CUMULATIVE, DIRECTIONAL

__all__ = ["CUMULATIVE", "DIRECTIONAL", "Baseline", "Department", "Figure", "Indicator",
           "Plan", "Target", "Task"]
