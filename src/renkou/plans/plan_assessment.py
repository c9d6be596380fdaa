"""Assessing a whole plan in a year (规划实施评估): values, baselines, statuses, forward look.

For each indicator of the plan:

* **values by year** — computed indicators from the registry through the indicator engine
  (for the plan area, or the indicator's ``area_group`` within it), for every year from the
  base year (period start − 1) to the assessment year; reported indicators from the
  departments' accepted reports (:func:`renkou.plans.template.reported_values`);
* **baseline** — the one the plan states; when it states none, the value computed from the
  registry for the base year, marked as such;
* **status** — :func:`renkou.plans.assessment.assess_series` on the plan's next target;
* **forward look** — :mod:`renkou.plans.forward_look`: for the indicators the projections
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

from renkou.plans.assessment import (
    Assessment,
    AssessmentConfig,
    TargetSpec,
    assess_series,
    pick_baseline,
    pick_target,
)
from renkou.plans.coverage import UncoveredArea, uncovered_reason
from renkou.plans.formulas import RUNNING_TOTALS, IndicatorData
from renkou.plans.forward_look import indicator_forward
from renkou.plans.indicators import FORMULAS, compute, is_computable, resolve
from renkou.plans.model import Indicator, Plan
from renkou.plans.population_scale import CENSUS_DAY as CENSUS_DAY  # re-exported
from renkou.plans.population_scale import census_scale as census_scale  # re-exported
from renkou.plans.population_scale import hukou_scale, resident_scale
from renkou.plans.storage import AppTables
from renkou.plans.template import department_names, reported_values
from renkou.regions import gazetteer

if TYPE_CHECKING:
    from renkou.plans.projection_bridge import PlanProjection
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
    scale: float = 1.0  # persons per registry person applied to totals (1 = real counts)
    # Persons per registry hukou registrant applied to hukou-caliber totals
    # (renkou.plans.population_scale.hukou_scale); equal to ``scale`` unless set.
    hukou_scale: float | None = None
    # How the factors were obtained (Chinese), for the output and the report.
    scale_notes: tuple[str, ...] = ()
    # Why nothing could be computed: the store holds no population of the plan area
    # (renkou.plans.coverage); None when it does.
    uncovered: str | None = None

    def by_code(self) -> dict[str, Assessment]:
        return {a.indicator_code: a for a in self.assessments}


def indicator_area(plan: Plan, ind: Indicator) -> str:
    """Area code the indicator is computed for: the plan area or a group within it
    (``CITY/group``, understood by :class:`renkou.plans.indicator_data.RegistryData`)."""
    if ind.area_group:
        city = gazetteer().city_of(plan.area_code) or plan.area_code
        return f"{city}/{ind.area_group}"
    return plan.area_code


def _extra(plan: Plan, ind: Indicator, facilities: Mapping[str, Mapping[int, float]],
           year: int, scale: float = 1.0, hukou_scale: float | None = None
           ) -> dict[str, float]:
    extra: dict[str, float] = {"base_year": float(plan.period_start - 1),
                               "population_scale": scale,
                               "hukou_scale": scale if hukou_scale is None else hukou_scale}
    for t in ind.targets:
        if t.period_start is not None:
            extra["base_year"] = float(t.period_start - 1)
    places = facilities.get("childcare_places", {})
    if year in places:
        extra["childcare_places"] = places[year]
    return extra


def computed_series(plan: Plan, data: IndicatorData, years: list[int],
                    facilities: Mapping[str, Mapping[int, float]] | None = None,
                    progress: Callable[[str], None] | None = None, scale: float = 1.0,
                    hukou_scale: float | None = None
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
                                  _extra(plan, ind, fac, y, scale, hukou_scale)).value
            except Exception as exc:  # one indicator without data must not stop the rest
                message = getattr(exc, "message", None) or str(exc)
                if y == years[-1]:
                    errors[ind.code] = message
        series[ind.code] = vals
    return series, errors


def reported_series(plan: Plan, store: AppTables | None, df: pd.DataFrame | None = None
                    ) -> dict[str, dict[int, float]]:
    if store is None:
        return {}
    if df is None:
        df = reported_values(store, plan.code)
    out: dict[str, dict[int, float]] = {}
    for code, year, value in zip(df.get("indicator_code", []), df.get("year", []),
                                 df.get("value", []), strict=True):
        out.setdefault(str(code), {})[int(year)] = float(value)
    return out


def _source(ind: Indicator, year: int, reported: pd.DataFrame | None) -> str:
    """Where the value comes from: the registry and formula, or the report's provenance."""
    if ind.kind == "computed":
        name = (FORMULAS[resolve(ind.formula or "")].method if is_computable(ind.formula)
                else "")
        return f"人口基础信息库（{year}-12-31口径）；{name}"
    if reported is None:
        return "部门填报"
    df = reported
    if df.empty:
        return "部门填报（未报）"
    row = df[(df["indicator_code"] == ind.code) & (df["year"] == year)]
    if row.empty:
        return "部门填报（本年未报）"
    r = row.iloc[-1]
    on = r["reported_on"]
    on_text = on.date().isoformat() if isinstance(on, pd.Timestamp | dt.datetime) else str(on)
    return (f"{r['department_name']}填报（{r['nature']}，{r['reporter']}，{on_text}，"
            f"{r['source_file']}第{int(r['source_row'])}行）")


def assess_plan(plan: Plan, year: int, *, data: IndicatorData | None = None,
                store: AppTables | None = None, config: AssessmentConfig | None = None,
                facilities: Mapping[str, Mapping[int, float]] | None = None,
                projection: PlanProjection | None = None,
                progress: Callable[[str], None] | None = None,
                scale: float = 1.0, hukou_scale: float | None = None,
                scale_notes: tuple[str, ...] = ()) -> PlanAssessment:
    """Assess every indicator of ``plan`` in ``year``. ``scale`` multiplies population
    totals (see :func:`census_scale`), ``hukou_scale`` hukou-caliber totals (default: the
    same as ``scale``)."""
    cfg = config or AssessmentConfig()
    base_year = plan.period_start - 1
    years = list(range(base_year, year + 1))
    series: dict[str, dict[int, float]] = {}
    errors: dict[str, str] = {}
    if data is not None:
        series, errors = computed_series(plan, data, years, facilities, progress, scale,
                                         hukou_scale)
    else:
        errors = {i.code: "未提供人口基础信息库" for i in plan.computed_indicators()}
    reported = reported_values(store, plan.code) if store is not None else None
    series.update(reported_series(plan, store, reported))
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
        source = _source(ind, year, reported)
        specs = [TargetSpec.from_model(t) for t in ind.assessed_targets()]
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
                category=ind.category, departments=depts, source=source))
            continue
        target = pick_target(specs, year)
        assert target is not None
        forward = indicator_forward(ind, target, year, projection=projection, values=vals,
                                    stated=stated, config=cfg,
                                    baseline=pick_baseline(stated, target, year)[1])
        a = assess_series(
            code=ind.code, name=ind.name_zh, unit=ind.unit, targets=specs, baselines=stated,
            values=vals, year=year, config=cfg, kind=ind.kind, category=ind.category,
            departments=depts, source=source, forward=forward,
            values_are_cumulative=is_computable(ind.formula)
            and resolve(ind.formula or "") in RUNNING_TOTALS)
        if a is not None:
            if a.status == "数据不足" and ind.code in errors:
                a = _with_reason(a, errors[ind.code])
            assessments.append(a)
    return PlanAssessment(plan=plan, year=year, area=plan.area_code,
                          assessments=tuple(assessments), monitored=tuple(monitored),
                          series=series, baselines=baselines,
                          computed_baselines=frozenset(computed_base), errors=errors,
                          config=cfg, projection=projection, scale=scale,
                          hukou_scale=scale if hukou_scale is None else hukou_scale,
                          scale_notes=scale_notes)


def _with_reason(a: Assessment, reason: str) -> Assessment:
    return replace(a, reason=f"{a.reason}：{reason}")


def _baseline_source(pa: PlanAssessment, a: Assessment) -> str:
    if a.baseline_year is None:
        return ""
    if a.indicator_code in pa.computed_baselines:
        return "系统计算" if a.kind == "computed" else "部门填报"
    return "规划文本"


# Totals in 万人 multiplied by a scale factor, by caliber (formula names).
HUKOU_TOTALS = frozenset({"hukou_population", "hukou_net_growth", "hukou_in_migration"})
RESIDENT_TOTALS = frozenset({"resident_population", "resident_net_growth",
                             "working_age_population", "floating_population",
                             "net_migration"})


def scale_of(pa: PlanAssessment, ind: Indicator) -> float | None:
    """The factor applied to the indicator's values (None: not a scaled total)."""
    if ind.kind != "computed" or not is_computable(ind.formula):
        return None
    name = resolve(ind.formula or "")
    if name in HUKOU_TOTALS:
        return pa.scale if pa.hukou_scale is None else pa.hukou_scale
    if name in RESIDENT_TOTALS:
        return pa.scale
    return None


def assessment_frame(pa: PlanAssessment) -> pd.DataFrame:
    """One row per indicator (assessed first, then monitored), Chinese headers; the
    折算系数 column shows the factor of each scaled total when there is one."""
    inds = {i.code: i for i in pa.plan.indicators}
    factors = {code: scale_of(pa, ind) for code, ind in inds.items()}
    scaled = any(f is not None and f != 1.0 for f in factors.values())
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
            **({"折算系数": factors.get(a.indicator_code)} if scaled else {}),
        })
    for m in pa.monitored:
        rows.append({
            "指标代码": m.indicator_code, "指标名称": m.name, "单位": m.unit,
            "类别": m.category, "评估年份": m.year, "监测值": m.value,
            "基期年份": m.baseline_year, "基期值": m.baseline_value,
            "评估结论": "仅监测", "说明": m.note, "责任部门": "、".join(m.departments),
            "数据来源": m.source,
            **({"折算系数": factors.get(m.indicator_code)} if scaled else {}),
        })
    # Four decimals are more than any plan states; the raw floats are noise to a reader.
    return pd.DataFrame(rows).round(4)


def evaluate_registry(registry: Registry, plan: Plan, year: int, *,
                      config: AssessmentConfig | None = None, trajectories: int = 200,
                      forward: bool = True, seed: int = 2020,
                      facilities: Mapping[str, Mapping[int, float]] | None = None,
                      progress: Callable[[str], None] | None = None,
                      scale: float | None = 1.0) -> PlanAssessment:
    """Assess ``plan`` in ``year`` from a registry: computed values, the departments'
    reports stored in it, facility counts, and (``forward``) the projection of the plan
    area to its last target year. ``scale`` None = "auto" (a down-scaled demo city):
    :func:`census_scale` for totals, and for hukou-caliber totals the published hukou
    factor (:func:`renkou.plans.population_scale.hukou_scale`); a number applies to both.

    When the store holds no population of the plan area (:mod:`renkou.plans.coverage`),
    every computed indicator is 数据不足 with that reason, only the departments' reports are
    assessed, nothing is projected and ``uncovered`` says why — for every caller (CLI, API,
    reports) alike."""
    from renkou.plans.forward_look import plan_projection
    from renkou.plans.indicator_data import RegistryData
    from renkou.plans.storage import facility_counts

    fac: dict[str, Mapping[int, float]] = dict(facility_counts(registry, plan.area_code))
    fac.update(facilities or {})
    reason = uncovered_reason(registry, plan.area_code, year)
    if reason is not None:
        pa = assess_plan(plan, year, data=cast("IndicatorData", UncoveredArea(reason)),
                         store=registry, config=config, facilities=fac, progress=progress,
                         scale=1.0)
        return replace(pa, uncovered=reason)
    data = RegistryData(registry)
    factor, hukou_factor, notes = _factors(registry, plan, scale)
    # A year after the registry's data: computed indicators of that year are 数据不足
    # (RegistryData refuses the dates) and the projection starts from the last full year.
    base = year
    if data.through is not None and data.through < dt.date(year, 12, 31):
        complete = data.through.year - (data.through < dt.date(data.through.year, 12, 31))
        base = min(year, complete)
        notes = (*notes, f"库内数据截至{data.through:%Y年%m月%d日}：{year}年的计算指标数据不全"
                         f"，预测自{base}年起")
    projection = None
    end = max((t.year for i in plan.indicators for t in i.assessed_targets()), default=year)
    if forward and end > base:
        projection = plan_projection(data, plan, base, end, trajectories=trajectories,
                                     seed=seed, scale=factor, hukou_scale=hukou_factor,
                                     progress=progress)
    return assess_plan(plan, year, data=data, store=registry, config=config, facilities=fac,
                       projection=projection, progress=progress, scale=factor,
                       hukou_scale=hukou_factor, scale_notes=notes)


def _factors(registry: Registry, plan: Plan, scale: float | None
             ) -> tuple[float, float, tuple[str, ...]]:
    """(resident factor, hukou factor, how they were obtained)."""
    if scale is not None:
        note = () if scale == 1.0 else (f"总量指标按指定的折算系数{scale:g}换算",)
        return scale, scale, note
    resident = resident_scale(registry, plan.area_code)
    hukou = hukou_scale(registry, plan.area_code, plan.period_start - 1, resident)
    notes = tuple(f.describe() for f in (resident, hukou) if f.value != 1.0)
    return resident.value, hukou.value, notes
