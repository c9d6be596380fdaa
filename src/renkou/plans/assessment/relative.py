"""Relative targets (相对目标): "低于全市平均水平" and the like compare an indicator with the
same indicator of the parent jurisdiction's plan in the same year.

The reference value, in this order: computed from the same data source when the referenced
indicator is computed and the store holds the parent's area (a city store assessing one of
its districts' plans); the parent plan's accepted report for that year in the same store;
the figure the target states (with its source); else none, and the indicator has no data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from renkou.errors import NotFoundError
from renkou.plans.assessment.context import formula_context, indicator_area
from renkou.plans.formulas.engine import NO_DATA_ERRORS, compute, is_computable
from renkou.plans.formulas.protocol import IndicatorData
from renkou.plans.model.catalog import list_plans
from renkou.plans.model.plan import Indicator, Plan, Target
from renkou.plans.model.targets import RELATIVE, TargetSpec
from renkou.plans.storage import AppTables, reported_values


def referenced(code: str) -> tuple[Plan, Indicator]:
    """The plan and indicator a relative target refers to (NotFoundError if unknown)."""
    for plan in list_plans():
        for ind in plan.indicators:
            if ind.code == code:
                return plan, ind
    raise NotFoundError(f"相对目标的参照指标 {code} 不在任何规划中")


def reference_areas(plan: Plan) -> set[str]:
    """Plan areas of the indicators the plan's relative targets refer to."""
    return {referenced(t.reference)[0].area_code for ind in plan.indicators
            for t in ind.targets if t.reference is not None}


def reference_value(target: Target, year: int, *, data: IndicatorData | None,
                    store: AppTables | None,
                    facilities: Mapping[str, Mapping[int, float]] | None = None
                    ) -> tuple[float | None, str, str | None]:
    """The reference value of ``year``, what it is and where it comes from (Chinese)."""
    assert target.reference is not None
    plan, ind = referenced(target.reference)
    label = f"{plan.area_name}同年值"
    if data is not None and ind.kind == "computed" and is_computable(ind.formula):
        try:
            value = compute(data, ind.formula or "", indicator_area(plan, ind), year,
                            formula_context(plan, ind, facilities or {}, year)).value
            return value, label, "库内计算"
        except NO_DATA_ERRORS:
            pass
    if store is not None:
        df = reported_values(store, plan.code)
        if not df.empty:
            row = df[(df["indicator_code"] == ind.code) & (df["year"] == year)
                     & (df["area"].astype(str) == plan.area_code)]
            if not row.empty:
                return float(row["value"].iloc[-1]), label, "部门填报"
    if target.value is not None:
        return target.value, f"{plan.area_name}参照值", target.note
    return None, label, None


def resolve_relative(spec: TargetSpec, target: Target, year: int, *,
                     data: IndicatorData | None, store: AppTables | None,
                     facilities: Mapping[str, Mapping[int, float]] | None = None
                     ) -> TargetSpec:
    """``spec`` with the reference value of ``year`` (None when there is none)."""
    if spec.comparator not in RELATIVE:
        return spec
    value, label, source = reference_value(target, year, data=data, store=store,
                                           facilities=facilities)
    return replace(spec, value=value, reference_label=label, reference_source=source)
