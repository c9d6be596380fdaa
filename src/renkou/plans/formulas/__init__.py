"""The indicator formulas (指标计算): the data protocol they read (:class:`IndicatorData`),
the context they take (:class:`FormulaContext`), the formulas themselves, the engine that
names them (:mod:`renkou.plans.formulas.engine`) and the registry as a data source
(:mod:`renkou.plans.formulas.registry_data`)."""

from renkou.plans.formulas.measures import RUNNING_TOTALS
from renkou.plans.formulas.protocol import NAGES, FormulaContext, IndicatorData, year_end

__all__ = ["NAGES", "RUNNING_TOTALS", "FormulaContext", "IndicatorData", "year_end"]
