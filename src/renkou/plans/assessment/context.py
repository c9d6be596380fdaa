"""Where and with what an indicator is computed (指标计算的地区与上下文): the plan area or
one of its jurisdiction's area groups, and the formula context of a year."""

from __future__ import annotations

from collections.abc import Mapping

from renkou.jurisdictions import jurisdiction_of_plan
from renkou.plans.formulas.protocol import FormulaContext
from renkou.plans.model.areas import group_area, zone_area
from renkou.plans.model.plan import Indicator, Plan


def indicator_area(plan: Plan, ind: Indicator) -> str:
    """The area the indicator is computed for: the plan area, an area group of the plan's
    jurisdiction (NotFoundError when the jurisdiction has no such group), or the function
    zones of an indicator the store's zones made computable."""
    if ind.zones is not None and ind.kind == "computed":
        return zone_area(ind.zones.names)
    if ind.area_group:
        return group_area(jurisdiction_of_plan(plan.code).group(ind.area_group).key)
    return plan.area_code


def formula_context(plan: Plan, ind: Indicator,
                    facilities: Mapping[str, Mapping[int, float]], year: int
                    ) -> FormulaContext:
    """The context of one indicator in one year: the base year (the year before the plan
    period, or before the period of a target counted over its own span) and the year's
    childcare places when departments have reported them."""
    base = plan.period_start - 1
    for t in ind.targets:
        if t.period_start is not None:
            base = t.period_start - 1
    return FormulaContext(base_year=base,
                          childcare_places=facilities.get("childcare_places", {}).get(year))
