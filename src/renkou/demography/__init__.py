"""Demography core (人口学核心): rates, life tables, cohort-component projections.

Pure NumPy: no I/O, no database, no pandas. Layers above (indicators, assessments, reports,
API, CLI) call into it; it imports nothing above itself."""

from __future__ import annotations

from renkou.demography.lifetable import LifeTable, life_table
from renkou.demography.projection import ProjectionInputs, ProjectionResult, project

__all__ = ["LifeTable", "ProjectionInputs", "ProjectionResult", "life_table", "project"]
