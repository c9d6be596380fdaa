"""Assessing a whole plan in a year (规划实施评估): values, baselines, statuses, forward look.

For each indicator of the plan:

* **values by year** — computed indicators from the registry through the indicator engine
  (for the plan area, or the indicator's ``area_group`` within it), for every year from the
  base year (period start − 1) to the assessment year; reported indicators from the
  departments' accepted reports (:func:`renkou.plans.storage.reported_values`);
* **baseline** — the one the plan states; when it states none, the value computed from the
  registry for the base year, marked as such;
* **status** — :func:`renkou.plans.assessment.status.assess_series` on the plan's next target;
* **forward look** — :mod:`renkou.plans.assessment.forward_look`: for the indicators the projections
  cover (resident, hukou, joint district groups) the medium-variant value in the target
  year and the probability of meeting the target from trajectories; for the others
  (reported values, computed indicators outside the cohort model) a labelled linear trend
  of the indicator's own history.

Indicators without a target (monitoring only) and targets the text states as forecasts
(``nature: projection``) are listed with their values but get no status.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, cast

import pandas as pd

from renkou.plans.assessment.context import formula_context, indicator_area
from renkou.plans.assessment.coverage import UncoveredArea, uncovered_reason
from renkou.plans.assessment.forward_look import indicator_forward, plan_projection
from renkou.plans.assessment.relative import reference_areas, resolve_relative
from renkou.plans.assessment.status import (
    NO_DATA,
    Assessment,
    AssessmentConfig,
    TargetSpec,
    assess_series,
    pick_baseline,
    pick_target,
)
from renkou.plans.formulas.engine import (
    FORMULAS,
    NO_DATA_ERRORS,
    compute,
    is_computable,
    no_data_reason,
    resolve,
)
from renkou.plans.formulas.measures import RUNNING_TOTALS
from renkou.plans.formulas.protocol import IndicatorData
from renkou.plans.formulas.registry_data import RegistryData
from renkou.plans.model.plan import Indicator, Plan
from renkou.plans.model.reporting_units import department_names
from renkou.plans.storage import AppTables, facility_counts, is_demo_report, reported_values
from renkou.plans.zones import stored_zones, with_zones

if TYPE_CHECKING:
    from renkou.plans.assessment.projection_bridge import PlanProjection
    from renkou.registry import Registry


@dataclass(frozen=True)
class MonitoredValue:
    """An indicator value without a target to assess (仅监测指标)."""

    indicator_code: str
    name: str
    unit: str
    year: int
    value: float | None
    baseline_year: int | None
    baseline_value: float | None
    note: str
    category: str = ""
    departments: tuple[str, ...] = ()
    source: str = ""
    demo: bool = False  # the value comes from demonstration reports (示范数据)


@dataclass(frozen=True)
class PlanAssessment:
    """Every indicator of a plan assessed in one year (规划指标评估表)."""

    plan: Plan
    year: int
    area: str
    assessments: tuple[Assessment, ...]
    monitored: tuple[MonitoredValue, ...]
    series: Mapping[str, Mapping[int, float]]  # indicator code → year → value
    baselines: Mapping[str, Mapping[int, float]]
    # Indicators whose baseline is not in the plan text but is the base-year value computed
    # from the registry (computed indicators) or reported by the department (reported ones).
    computed_baselines: frozenset[str]
    errors: Mapping[str, str]  # indicator code → why it has no value
    config: AssessmentConfig = field(default_factory=AssessmentConfig)
    projection: PlanProjection | None = None
    # What the reader must know about the values (Chinese), e.g. that the store's data end
    # before the assessment year.
    notes: tuple[str, ...] = ()
    # Why nothing could be computed: the store holds no population of the plan area
    # (renkou.plans.assessment.coverage); None when it does.
    uncovered: str | None = None

    def by_code(self) -> dict[str, Assessment]:
        return {a.indicator_code: a for a in self.assessments}


def computed_series(plan: Plan, data: IndicatorData, years: list[int],
                    facilities: Mapping[str, Mapping[int, float]] | None = None,
                    progress: Callable[[str], None] | None = None
                    ) -> tuple[dict[str, dict[int, float]], dict[str, str]]:
    """Computed indicator values by code and year; errors by code (latest year's)."""
    series: dict[str, dict[int, float]] = {}
    errors: dict[str, str] = {}
    fac = facilities or {}
    for ind in plan.computed_indicators():
        if not is_computable(ind.formula):
            errors[ind.code] = f"人口基础信息库暂不支持计算该指标（{ind.formula}）"
            continue
        assert ind.formula is not None
        if progress:
            progress(ind.code)
        area = indicator_area(plan, ind)
        vals: dict[int, float] = {}
        for y in years:
            try:
                vals[y] = compute(data, ind.formula, area, y,
                                  formula_context(plan, ind, fac, y)).value
            except NO_DATA_ERRORS as exc:  # one indicator without data must not stop the rest
                if y == years[-1]:
                    errors[ind.code] = no_data_reason(exc)
        series[ind.code] = vals
    return series, errors


def reported_series(plan: Plan, store: AppTables | None, df: pd.DataFrame | None = None
                    ) -> dict[str, dict[int, float]]:
    if store is None:
        return {}
    if df is None:
        df = reported_values(store, plan.code)
    df = plan_area_rows(plan, df)
    out: dict[str, dict[int, float]] = {}
    for code, year, value in zip(df.get("indicator_code", []), df.get("year", []),
                                 df.get("value", []), strict=True):
        out.setdefault(str(code), {})[int(year)] = float(value)
    return out


def plan_area_rows(plan: Plan, df: pd.DataFrame) -> pd.DataFrame:
    """Reported rows of the plan area itself: values a form gives for its districts or 街镇
    are kept (by area) but are not the plan's value."""
    if df.empty or "area" not in df.columns:
        return df
    return df[df["area"].astype(str) == plan.area_code]


def _source(plan: Plan, ind: Indicator, year: int, reported: pd.DataFrame | None
            ) -> tuple[str, bool]:
    """Where the value comes from — the registry and formula, or the report's provenance —
    and whether it is demonstration data (示范数据)."""
    if ind.kind == "computed":
        name = (FORMULAS[resolve(ind.formula or "")].method if is_computable(ind.formula)
                else "")
        zones = f"；{ind.zones.source}" if ind.zones is not None and ind.zones.source else ""
        return f"人口基础信息库（{year}-12-31口径）；{name}{zones}", False
    if reported is None:
        return "部门填报", False
    df = plan_area_rows(plan, reported)
    if df.empty:
        return "部门填报（未报）", False
    row = df[(df["indicator_code"] == ind.code) & (df["year"] == year)]
    if row.empty:
        return "部门填报（本年未报）", False
    r = row.iloc[-1]
    on = r["reported_on"]
    on_text = on.date().isoformat() if isinstance(on, pd.Timestamp | dt.datetime) else str(on)
    return (f"{r['department_name']}填报（{r['nature']}，{r['reporter']}，{on_text}，"
            f"{r['source_file']}第{int(r['source_row'])}行）",
            is_demo_report(r.get("source_file", "")))


def assess_plan(plan: Plan, year: int, *, data: IndicatorData | None = None,
                store: AppTables | None = None, config: AssessmentConfig | None = None,
                facilities: Mapping[str, Mapping[int, float]] | None = None,
                projection: PlanProjection | None = None,
                progress: Callable[[str], None] | None = None,
                notes: tuple[str, ...] = (),
                reference_data: IndicatorData | None = None) -> PlanAssessment:
    """Assess every indicator of ``plan`` in ``year`` from ``data`` (computed indicators)
    and the departments' reports in ``store``. Relative targets ("低于全市平均水平") take
    their reference from ``reference_data`` (a source holding the parent's area), the
    parent plan's reports in ``store`` or the figure they state
    (:mod:`renkou.plans.assessment.relative`)."""
    cfg = config or AssessmentConfig()
    base_year = plan.period_start - 1
    years = list(range(base_year, year + 1))
    series: dict[str, dict[int, float]] = {}
    errors: dict[str, str] = {}
    if data is not None:
        series, errors = computed_series(plan, data, years, facilities, progress)
    else:
        errors = {i.code: "未提供人口基础信息库" for i in plan.computed_indicators()}
    reported = reported_values(store, plan.code) if store is not None else None
    # Reports count for reported indicators only: a zone indicator the store's zones made
    # computable keeps its earlier reports, but its value is the registry's.
    asked = {i.code for i in plan.reported_indicators()}
    series.update({code: values for code, values in reported_series(plan, store, reported)
                   .items() if code in asked})
    assessments: list[Assessment] = []
    monitored: list[MonitoredValue] = []
    baselines: dict[str, dict[int, float]] = {}
    computed_base: set[str] = set()
    for ind in plan.indicators:
        vals = series.get(ind.code, {})
        stated = {b.year: b.value for b in ind.baselines if b.period_start is None}
        if not stated and base_year in vals:
            stated = {base_year: vals[base_year]}
            computed_base.add(ind.code)
        baselines[ind.code] = stated
        depts = tuple(department_names(ind.departments))
        source, demo = _source(plan, ind, year, reported)
        specs = [resolve_relative(TargetSpec.from_model(t), t, year, data=reference_data,
                                  store=store, facilities=facilities)
                 for t in ind.assessed_targets()]
        if not specs:
            by = max((y for y in stated if y <= year), default=None)
            proj = [t for t in ind.targets if t.nature == "projection"]
            note = (f"规划预测{proj[0].year}年{proj[0].describe_zh(ind.unit)}" if proj
                    else ind.qualitative_target or "规划未设定量化目标，仅监测")
            if ind.code in errors and year not in vals:
                note += f"；{errors[ind.code]}"
            monitored.append(MonitoredValue(
                indicator_code=ind.code, name=ind.name_zh, unit=ind.unit, year=year,
                value=vals.get(year), baseline_year=by,
                baseline_value=stated.get(by) if by is not None else None, note=note,
                category=ind.category, departments=depts, source=source, demo=demo))
            continue
        target = pick_target(specs, year)
        assert target is not None
        # A moving reference has no target-year value to project against.
        forward = None if target.reference_label is not None else indicator_forward(
            ind, target, year, projection=projection, values=vals, stated=stated, config=cfg,
            baseline=pick_baseline(stated, target, year)[1])
        a = assess_series(
            code=ind.code, name=ind.name_zh, unit=ind.unit, targets=specs, baselines=stated,
            values=vals, year=year, config=cfg, kind=ind.kind, category=ind.category,
            departments=depts, source=source, forward=forward,
            values_are_cumulative=is_computable(ind.formula)
            and resolve(ind.formula or "") in RUNNING_TOTALS)
        if a is not None:
            if a.status == NO_DATA and ind.code in errors:
                a = _with_reason(a, errors[ind.code])
            assessments.append(replace(a, demo=demo))
    return PlanAssessment(plan=plan, year=year, area=plan.area_code,
                          assessments=tuple(assessments), monitored=tuple(monitored),
                          series=series, baselines=baselines,
                          computed_baselines=frozenset(computed_base), errors=errors,
                          config=cfg, projection=projection, notes=notes)


def _with_reason(a: Assessment, reason: str) -> Assessment:
    return replace(a, reason=f"{a.reason}：{reason}")


def _baseline_source(pa: PlanAssessment, a: Assessment) -> str:
    if a.baseline_year is None:
        return ""
    if a.indicator_code in pa.computed_baselines:
        return "系统计算" if a.kind == "computed" else "部门填报"
    return "规划文本"


def assessment_frame(pa: PlanAssessment) -> pd.DataFrame:
    """One row per indicator (assessed first, then monitored), Chinese headers; 示范数据
    says which values come from demonstration reports."""
    rows: list[dict[str, object]] = []
    for a in pa.assessments:
        f = a.forward
        rows.append({
            "指标代码": a.indicator_code, "指标名称": a.name, "单位": a.unit,
            "类别": a.category, "类型": "计算" if a.kind == "computed" else "填报",
            "评估年份": a.year, "监测值": a.value,
            "累计值": a.assessed_value if a.assessed_value != a.value else None,
            "基期年份": a.baseline_year, "基期值": a.baseline_value,
            "基期值来源": _baseline_source(pa, a),
            "目标年份": a.target_year, "规划目标": a.target_text,
            "按进度应达": a.expected_value, "完成进度": a.progress,
            "时间进度": a.expected_progress, "评估结论": a.status, "说明": a.reason,
            "目标年预测值": f.projected_value if f else None,
            "达标概率": f.probability if f else None,
            "预测方法": f.method if f else None,
            "责任部门": "、".join(a.departments), "数据来源": a.source,
            "示范数据": "是" if a.demo else "",
        })
    for m in pa.monitored:
        rows.append({
            "指标代码": m.indicator_code, "指标名称": m.name, "单位": m.unit,
            "类别": m.category, "评估年份": m.year, "监测值": m.value,
            "基期年份": m.baseline_year, "基期值": m.baseline_value,
            "评估结论": "仅监测", "说明": m.note, "责任部门": "、".join(m.departments),
            "数据来源": m.source, "示范数据": "是" if m.demo else "",
        })
    # Four decimals are more than any plan states; the raw floats are noise to a reader.
    return pd.DataFrame(rows).round(4)


def evaluate_registry(registry: Registry, plan: Plan, year: int, *,
                      data: IndicatorData | None = None,
                      config: AssessmentConfig | None = None, trajectories: int = 200,
                      forward: bool = True, seed: int = 2020,
                      facilities: Mapping[str, Mapping[int, float]] | None = None,
                      progress: Callable[[str], None] | None = None) -> PlanAssessment:
    """Assess ``plan`` in ``year`` from a registry: computed values (from ``data``, by
    default the registry's counts as they are), the departments' reports stored in it,
    facility counts, and (``forward``) the projection of the plan area to its last target
    year. A sampled store is read through a data source that scales its counts, which the
    application layer passes as ``data``.

    When the store holds no population of the plan area (:mod:`renkou.plans.assessment.coverage`),
    every computed indicator is 数据不足 with that reason, only the departments' reports are
    assessed, nothing is projected and ``uncovered`` says why — for every caller (CLI, API,
    reports) alike. Indicators of function zones are computed when the store defines their
    zones (:func:`renkou.plans.zones.with_zones`); the assessment's plan is that one."""
    # Indicators of function zones the store defines are computed over them.
    plan = with_zones(plan, stored_zones(registry))
    fac: dict[str, Mapping[int, float]] = dict(facility_counts(registry, plan.area_code))
    fac.update(facilities or {})
    reason = uncovered_reason(registry, plan.area_code, year)
    if reason is not None:
        pa = assess_plan(plan, year, data=cast("IndicatorData", UncoveredArea(reason)),
                         store=registry, config=config, facilities=fac, progress=progress)
        return replace(pa, uncovered=reason)
    source = data if data is not None else RegistryData(registry)
    notes: tuple[str, ...] = ()
    # A year after the registry's data: computed indicators of that year are 数据不足
    # (RegistryData refuses the dates) and the projection starts from the last full year.
    base = year
    through = registry.data_through()
    if through is not None and through < dt.date(year, 12, 31):
        complete = through.year - (through < dt.date(through.year, 12, 31))
        base = min(year, complete)
        notes = (f"库内数据截至{through:%Y年%m月%d日}：{year}年的计算指标数据不全，"
                 f"预测自{base}年起",)
    projection = None
    end = max((t.year for i in plan.indicators for t in i.assessed_targets()), default=year)
    if forward and end > base:
        projection = plan_projection(source, plan, base, end, trajectories=trajectories,
                                     seed=seed, progress=progress, registry=registry)
    # The parent's values are computed only from a store that holds the parent's area.
    parents = reference_areas(plan)
    holds = bool(parents) and all(registry.jurisdiction().contains(a) for a in parents)
    return assess_plan(plan, year, data=source, store=registry, config=config,
                       facilities=fac, projection=projection, progress=progress, notes=notes,
                       reference_data=source if holds else None)
