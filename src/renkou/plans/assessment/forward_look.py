"""The forward look of a plan indicator (目标年预测与达标概率): which projection answers it,
and the trend line for what no projection covers.

Sources, in order:

1. **Projection** (:mod:`~renkou.plans.assessment.projection_bridge`, cohort-component,
   medium variant and stochastic trajectories) of the plan area — the resident
   population, the **hukou population** (户籍人口: totals, net growth and growth since the
   base year, life expectancy, natural increase) and, for a jurisdiction with area groups,
   the **joint projection of the groups**
   (:mod:`~renkou.plans.assessment.group_projection`: the group shares and resident series
   of an ``area_group``). All are merged into one
   :class:`~renkou.plans.assessment.projection_bridge.PlanProjection`; each series keeps its
   method.
2. **Trend** (:mod:`~renkou.plans.assessment.reported_trend`): for reported indicators and
   computed ones the projection does not carry — a least-squares line through the
   indicator's own history, labelled as such (``ForwardLook.kind == "trend"``), clipped to
   the unit's natural range, with a probability (Student t, n − 2 degrees of freedom) only
   from 3 points on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from renkou.jurisdictions import jurisdiction_of_plan
from renkou.plans.assessment.group_projection import GROUP_SHARES, group_key, project_groups
from renkou.plans.assessment.projection_bridge import PlanProjection, project_area
from renkou.plans.assessment.reported_trend import LEVEL_OF, trend_forward_look, unit_bounds
from renkou.plans.assessment.status import (
    AssessmentConfig,
    ForwardLook,
    TargetSpec,
    probability_of_meeting,
)
from renkou.plans.formulas.engine import NO_DATA_ERRORS, is_computable, no_data_reason, resolve
from renkou.plans.formulas.measures import RUNNING_TOTALS
from renkou.plans.formulas.protocol import IndicatorData
from renkou.plans.model.plan import Indicator, Plan
from renkou.plans.model.targets import CUMULATIVE
from renkou.types import FloatArray

if TYPE_CHECKING:
    from renkou.registry import Registry

# Changes since the plan's base year → (the total they change, per cent or 万人).
CHANGES: dict[str, tuple[str, bool]] = {
    "resident_net_growth": ("resident_population", False),
    "resident_growth_pct": ("resident_population", True),
    "hukou_net_growth": ("hukou_population", False),
    "hukou_growth_pct": ("hukou_population", True),
}
HUKOU_FORMULAS = frozenset({"hukou_population", "hukou_net_growth", "hukou_growth_pct",
                            "life_expectancy_hukou", "natural_increase_rate_hukou"})


def projection_key(ind: Indicator) -> str | None:
    """Name of the projected series answering the indicator (None: not computable)."""
    if not is_computable(ind.formula):
        return None
    name = resolve(ind.formula or "")
    if ind.area_group:
        return group_key(name, ind.area_group)
    return name


def _projected(projection: PlanProjection, name: str, year: int, current: float | None
               ) -> tuple[float | None, FloatArray | None]:
    """Medium value and trajectory values of ``name`` in ``year``. Changes since the plan's
    base year (net growth, growth %) are the observed value now carried forward by the
    projected change of the total they measure."""
    if name not in CHANGES:
        return projection.value(name, year), projection.samples(name, year)
    if current is None:
        return None, None
    total, pct = CHANGES[name]
    p0 = projection.value(total, projection.base_year)
    pt = projection.value(total, year)
    traj = projection.samples(total, year)
    if p0 is None or pt is None or p0 <= 0:
        return None, None
    if not pct:
        return current + pt - p0, (current + traj - p0) if traj is not None else None
    factor = 1.0 + current / 100.0
    return ((factor * pt / p0 - 1.0) * 100.0,
            (factor * traj / p0 - 1.0) * 100.0 if traj is not None else None)


def forward_look(projection: PlanProjection, ind: Indicator, target: TargetSpec,
                 config: AssessmentConfig, *, current: float | None = None,
                 baseline: float | None = None) -> ForwardLook | None:
    """Projected value in the target year (medium variant) and the share of trajectories
    meeting the target. ``current`` is the observed value in the assessment year (needed for
    changes since the base year), ``baseline`` the value "提高"/"降低" targets compare with."""
    key = projection_key(ind)
    if key is None:
        return None
    name = resolve(ind.formula or "")
    cumulative = target.comparator in CUMULATIVE
    if cumulative and name not in RUNNING_TOTALS:
        return None  # sums of yearly values are not projected
    if name not in CHANGES and not projection.covers(key):
        return None
    medium, samples = _projected(projection, key, target.year, current)
    if medium is None:
        return None
    prob = None
    if samples is not None and len(samples):
        if target.comparator in ("increase", "decrease"):
            if baseline is not None:
                up = target.comparator == "increase"
                prob = float(sum(1 for s in samples if (s > baseline if up else s < baseline))
                             / len(samples))
        else:
            spec = target
            if cumulative:  # a running total compares like the level it is
                spec = TargetSpec(year=target.year, comparator=LEVEL_OF[target.comparator],
                                  value=target.value, tolerance=target.tolerance)
            prob = probability_of_meeting(spec, list(samples), config)
    total = CHANGES[name][0] if name in CHANGES else key
    return ForwardLook(target_year=target.year, projected_value=medium, probability=prob,
                       method=projection.method_of(total))


def indicator_forward(ind: Indicator, target: TargetSpec, year: int, *,
                      projection: PlanProjection | None, values: Mapping[int, float],
                      stated: Mapping[int, float], config: AssessmentConfig,
                      baseline: float | None) -> ForwardLook | None:
    """The forward look of one indicator: the projection where it covers the indicator,
    else the trend of the indicator's own values (with the stated baseline as a point when
    its year has no value; at least one observed value is needed)."""
    if projection is not None:
        f = forward_look(projection, ind, target, config, current=values.get(year),
                         baseline=baseline)
        if f is not None:
            return f
    if not any(y <= year for y in values):
        return None  # a line through the plan text's own baselines is no monitoring result
    running = is_computable(ind.formula) and resolve(ind.formula or "") in RUNNING_TOTALS
    annual = target.comparator in CUMULATIVE and not running
    history = dict(values)
    if not annual:
        for y, v in stated.items():
            history.setdefault(y, v)
    source = "填报值" if ind.kind == "reported" else "计算值"
    return trend_forward_look(history, target, year, config=config, baseline=baseline,
                              cumulative_annual=annual, period_start=target.period_start,
                              source=source, bounds=unit_bounds(ind.unit, ind.name_zh))


def plan_projection(data: IndicatorData, plan: Plan, year: int, end: int, *,
                    trajectories: int = 200, seed: int = 2020,
                    progress: Callable[[str], None] | None = None,
                    registry: Registry | None = None) -> PlanProjection | None:
    """Projections of the plan area to ``end``: resident, hukou when the plan has hukou
    indicators (with ``registry``, the hukou population from the linked projection of hukou
    and non-hukou residents, :mod:`~renkou.plans.assessment.hukou_split`; its other hukou
    series from the hukou caliber's projection), and the joint projection of the area groups
    when it has group indicators and the area is its jurisdiction, which has groups. Each that
    cannot run is reported through ``progress``."""
    formulas = {resolve(i.formula or "") for i in plan.computed_indicators()
                if is_computable(i.formula) and i.assessed_targets()}
    grouped = any(i.area_group for i in plan.computed_indicators() if i.assessed_targets())
    jurisdiction = jurisdiction_of_plan(plan.code)
    runs: list[tuple[str, Callable[[], PlanProjection]]] = [
        ("常住人口", lambda: project_area(data, plan.area_code, year, end,
                                      trajectories=trajectories, seed=seed))]
    if formulas & HUKOU_FORMULAS and registry is not None:
        from renkou.plans.assessment.hukou_split import project_hukou_split

        hukou_registry = registry
        runs.append(("户籍人口（户籍/非户籍联动）", lambda: project_hukou_split(
            data, hukou_registry, plan.area_code, year, end, trajectories=trajectories,
            seed=seed)))
    if formulas & HUKOU_FORMULAS:
        runs.append(("户籍人口", lambda: project_area(
            data, plan.area_code, year, end, trajectories=trajectories, seed=seed,
            caliber="hukou")))
    if (formulas & set(GROUP_SHARES) or grouped) and jurisdiction.groups \
            and jurisdiction.code == plan.area_code:
        runs.append(("分区组", lambda: project_groups(
            data, jurisdiction, year, end, trajectories=trajectories, seed=seed)))
    out: PlanProjection | None = None
    for what, run in runs:
        try:
            p = run()
        except NO_DATA_ERRORS as exc:
            if progress:
                progress(f"{what}预测未运行：{no_data_reason(exc)}")
            continue
        out = p if out is None else out.merged(p)
    return out
