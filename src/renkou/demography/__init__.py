"""Demography core (人口学核心): rates, life tables, cohort-component projections.

Pure NumPy: no I/O, no database, no pandas. Layers above (indicators, assessments, reports,
API, CLI) call into it; it imports nothing above itself.

Main entry points::

    from renkou.demography import ProjectionInputs, project, summary_indicators, life_table
    result = project(ProjectionInputs(base_year, end_year, population, asfr, mx, srb, ...))
    yearly = summary_indicators(result)      # {"total": (..., Y+1, R), "tfr": ..., ...}
"""

from __future__ import annotations

from renkou.demography.lifetable import LifeTable, life_expectancy, life_table
from renkou.demography.projection import ProjectionInputs, ProjectionResult, project
from renkou.demography.summary import SUMMARY_INDICATORS, summary_indicators
from renkou.demography.variants import VARIANTS, apply_variant

__all__ = [
    "SUMMARY_INDICATORS",
    "VARIANTS",
    "LifeTable",
    "ProjectionInputs",
    "ProjectionResult",
    "apply_variant",
    "life_expectancy",
    "life_table",
    "project",
    "summary_indicators",
]
