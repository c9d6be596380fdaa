"""The evaluation report model (规划实施评估报告): everything the Word and HTML writers
print, built from a plan assessment, the warning list and task supervision.

Findings (摘要) and recommendations (建议) are generated from the data: counts by status,
the indicators behind each status, the forward look, and the tasks flagged by supervision.
The report is given what it shows (the assessment, task records, the population by age and
sex); it reads no store itself — :mod:`renkou.app.reports` gathers them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from renkou.plans import (
    DEMO_MARK,
    LAGGING,
    MET,
    MISSED,
    NO_DATA,
    ON_TRACK,
    EarlyWarning,
    GroupProgress,
    Plan,
    PlanAssessment,
    ProgressRecord,
    TaskState,
    area_label,
    department_names,
    flagged,
    format_number,
    load_records,
    progress_by_department,
    progress_by_section,
    task_states,
    uncovered_assessments,
    warning_list,
)
from renkou.reports.figures import (
    RESIDENT_TOTAL,
    FanChart,
    Pyramid,
    TrajectoryChart,
    fan_chart,
    formula_of,
    population_pyramid,
    total_assessment,
    trajectory_charts,
)

if TYPE_CHECKING:
    from renkou.plans import AppTables

Stage = Literal["midterm", "final"]
STAGE_ZH = {"midterm": "中期评估", "final": "终期评估"}
STATUS_ORDER = (MET, ON_TRACK, LAGGING, MISSED, NO_DATA)
HUKOU_FORMULA_PREFIX = "hukou_"


@dataclass(frozen=True)
class EvaluationReport:
    """Everything an evaluation report shows."""

    plan: Plan
    year: int
    stage: Stage
    generated: dt.date
    assessment: PlanAssessment
    warnings: tuple[EarlyWarning, ...]
    tasks: tuple[TaskState, ...]
    by_department: tuple[GroupProgress, ...]
    by_section: tuple[GroupProgress, ...]
    flagged_tasks: tuple[TaskState, ...]
    findings: tuple[str, ...]
    recommendations: tuple[str, ...]
    trajectories: tuple[TrajectoryChart, ...] = ()
    fan: FanChart | None = None
    pyramid: Pyramid | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    # The store was built by the synthesiser: every figure is demo data (示范数据).
    synthetic: bool = False
    # Indicators whose values come from demo reported data (示范填报数据).
    demo_values: frozenset[str] = frozenset()

    @property
    def title(self) -> str:
        return f"{self.plan.name_zh}实施情况{STAGE_ZH[self.stage]}报告"

    @property
    def subtitle(self) -> str:
        return f"（评估年度：{self.year}年）"

    @property
    def lead(self) -> str:
        if self.plan.lead_department:
            return department_names([self.plan.lead_department])[0]
        return "发展改革部门"

    @property
    def demo_notice(self) -> str | None:
        """The 示范数据 notice, when any figure of the report is demo data."""
        if self.synthetic:
            return (f"{DEMO_MARK}：本报告的人口基础信息库为 renkou 合成的模拟人口（按普查总量"
                    "校准），部门填报值亦为示范值，仅供演示，不代表真实情况。")
        if self.demo_values:
            return (f"{DEMO_MARK}：标注“{DEMO_MARK}”的指标值为示范填报数据，"
                    "不是部门实际报送的数值。")
        return None

    def is_demo(self, code: str) -> bool:
        """Whether the indicator's value is demo data (shown with 示范数据 beside it)."""
        return code in self.demo_values

    def status_counts(self) -> dict[str, int]:
        c = Counter(a.status for a in self.assessment.assessments)
        return {s: c.get(s, 0) for s in STATUS_ORDER}


def demo_values(pa: PlanAssessment) -> frozenset[str]:
    """Indicators whose value comes from demo reported data (示范填报数据)."""
    return frozenset({a.indicator_code for a in pa.assessments if a.demo}
                     | {m.indicator_code for m in pa.monitored if m.demo})


def _names(items: list[str], limit: int = 6) -> str:
    shown = "、".join(items[:limit])
    return shown + (f"等{len(items)}项" if len(items) > limit else "")


def findings(pa: PlanAssessment, warnings: list[EarlyWarning], states: list[TaskState],
             stage: Stage) -> list[str]:
    """摘要: what the assessment found, in sentences generated from the data."""
    out: list[str] = []
    counts = Counter(a.status for a in pa.assessments)
    n = len(pa.assessments)
    period = f"{pa.plan.period_start}—{pa.plan.period_end}年"
    elapsed = pa.year - pa.plan.period_start + 1
    total = pa.plan.period_end - pa.plan.period_start + 1
    out.append(
        f"规划期为{period}，本次为{STAGE_ZH[stage]}，评估年度{pa.year}年"
        f"（规划期第{elapsed}年，共{total}年）。规划设定量化目标的指标{n}项，其中已达标"
        f"{counts[MET]}项、进度正常{counts[ON_TRACK]}项、进度滞后（预警）{counts[LAGGING]}项、"
        f"未达标{counts[MISSED]}项、数据不足{counts[NO_DATA]}项；另有{len(pa.monitored)}项为"
        f"监测指标。")
    for status, lead in ((MET, "已达标的指标有"), (LAGGING, "进度滞后的指标有"),
                         (MISSED, "未达标的指标有")):
        names = [a.name for a in pa.assessments if a.status == status]
        if names:
            out.append(f"{lead}{_names(names)}。")
    pop = total_assessment(pa, RESIDENT_TOTAL)
    if pop is not None and pop.value is not None:
        text = (f"{pa.year}年末常住人口{format_number(pop.value)}{pop.unit}，"
                f"规划目标{pop.target_text}（{pop.target_year}年）")
        f = pop.forward
        if f is not None and f.projected_value is not None:
            projected = format_number(f.projected_value)
            text += f"；按近年趋势预测{f.target_year}年为{projected}{pop.unit}"
            if f.probability is not None:
                text += f"，达标概率约{f.probability:.0%}"
        out.append(text + "。")
    out.extend(_hukou_outlook(pa))
    uncovered = {a.indicator_code for a in uncovered_assessments(pa)}
    if pa.uncovered is not None:
        reported = sum(1 for a in pa.assessments if a.kind == "reported")
        out.append(f"人口基础信息库未覆盖规划地区{area_label(pa.plan.area_code)}，库中没有该地区的"
                   f"常住或户籍人口记录，由人口基础信息库计算的{len(uncovered)}项指标均无"
                   f"{pa.year}年监测值（数据不足）；本次只评估部门填报的{reported}项指标。")
    missing = [a.name for a in pa.assessments
               if a.status == NO_DATA and a.indicator_code not in uncovered]
    if missing:
        out.append(f"{_names(missing)}缺少{pa.year}年监测数据，需相关部门按期报送或补齐统计口径。")
    if warnings:
        top = "、".join(f"{w.name}（{w.level}）" for w in warnings[:3])
        out.append(f"预警清单共{len(warnings)}项，风险最高的是{top}。")
    if states:
        done = sum(1 for s in states if s.status == "已完成")
        lag = sum(1 for s in states if s.status == "滞后")
        stale = sum(1 for s in states if s.flags and s.status not in ("滞后",))
        mean = float(np.mean([s.percent for s in states]))
        out.append(f"规划重点任务{len(states)}项，已完成{done}项，标记滞后{lag}项，"
                   f"近一季度未报告或从未报告{stale}项，平均完成进度{mean:.0f}%。")
    return out


def _hukou_outlook(pa: PlanAssessment) -> list[str]:
    """One sentence on the hukou indicators the hukou projection looks forward for."""
    parts = []
    hukou = {i.code for i in pa.plan.indicators
             if not i.area_group and (formula_of(i) or "").startswith("hukou_")}
    for a in pa.assessments:
        f = a.forward
        if (a.indicator_code in hukou and f is not None and f.kind == "projection"
                and f.projected_value is not None):
            text = f"{a.name}{f.target_year}年预计为{format_number(f.projected_value)}{a.unit}"
            if f.probability is not None:
                text += f"（达标概率约{f.probability:.0%}）"
            parts.append(text)
    return [f"按户籍人口预测，{'；'.join(parts)}。"] if parts else []


def _trend_note(pa: PlanAssessment) -> list[str]:
    """Which target-year values are trend lines, not projections (数据说明)."""
    names = [a.name for a in pa.assessments if a.forward is not None
             and a.forward.kind == "trend" and a.forward.projected_value is not None]
    if not names:
        return []
    return [f"{_names(names, 8)}的目标年预测值为历年监测或填报数据的线性趋势外推（非人口预测；"
            "外推值限定在指标的取值范围内，如百分比不超过100；不足3个数据点时不给出达标概率，"
            "其余按残差t分布（自由度为数据点数减2）估计）"]


def _error_notes(pa: PlanAssessment) -> list[str]:
    """Why indicators have no value (数据说明); the uncovered plan area once, not per
    indicator."""
    names = {i.code: i.name_zh for i in pa.plan.indicators}
    if pa.uncovered is not None:
        same = [names.get(c, c) for c, msg in sorted(pa.errors.items()) if msg == pa.uncovered]
        rest = [f"{names.get(c, c)}（{c}）：{msg}" for c, msg in sorted(pa.errors.items())
                if msg != pa.uncovered]
        head = [f"{_names(same, 8)}（由人口基础信息库计算）：{pa.uncovered}"] if same else []
        return head + rest
    return [f"{names.get(code, code)}（{code}）：{msg}"
            for code, msg in sorted(pa.errors.items())]


def recommendations(pa: PlanAssessment, warnings: list[EarlyWarning],
                    by_department: list[GroupProgress]) -> list[str]:
    """建议: from the warnings, the lagging departments and the data gaps."""
    out: list[str] = []
    for w in warnings[:5]:
        out.append(f"{w.name}：{w.suggestion}")
    lagging = [g for g in by_department if g.lagging or g.flagged]
    lagging.sort(key=lambda g: (-g.lagging, -g.flagged))
    for g in lagging[:3]:
        out.append(f"督促{g.name}加快推进所牵涉的{g.tasks}项任务（其中滞后{g.lagging}项、"
                   f"需督办{g.flagged}项），下一季度报送进展和整改措施。")
    # The uncovered plan area is one warning above, with its own suggestion.
    uncovered = {a.indicator_code for a in uncovered_assessments(pa)}
    gaps = [a for a in pa.assessments
            if a.status == NO_DATA and a.indicator_code not in uncovered]
    if gaps:
        depts = sorted({d for a in gaps for d in a.departments})
        out.append(f"建立健全{len(gaps)}项缺数指标的数据报送机制，"
                   f"明确{_names(depts, 5)}的报送口径和时限。")
    if not out:
        out.append("各项指标和任务总体按计划推进，建议保持监测频率，关注目标年前的变化。")
    return out


def build_report(pa: PlanAssessment, stage: Stage, *,
                 records: Sequence[ProgressRecord] | None = None,
                 population: tuple[Sequence[float], Sequence[float]] | None = None,
                 notes: Sequence[str] = (), synthetic: bool = False,
                 today: dt.date | None = None,
                 registry: AppTables | None = None) -> EvaluationReport:
    """The report model of an existing plan assessment.

    ``records`` are the plan's task progress reports (read from the app tables
    ``registry`` when not given); ``population`` the plan area's residents (male, female)
    by single age in the assessment year, for the pyramid; ``notes`` what the reader
    is told about the values (e.g. how totals of a sampled store were scaled);
    ``synthetic`` whether the store is a synthetic city (the report says 示范数据, as it
    does beside each value from demo reported data)."""
    warnings = warning_list(pa)
    if records is None:
        records = load_records(registry, pa.plan.code) if registry is not None else []
    states = task_states(pa.plan, list(records), dt.date(pa.year, 12, 31))
    by_dept = progress_by_department(states)
    notes = [*notes, *_error_notes(pa), *_trend_note(pa)]
    return EvaluationReport(
        plan=pa.plan, year=pa.year, stage=stage, generated=today or dt.date.today(),
        assessment=pa, warnings=tuple(warnings), tasks=tuple(states),
        by_department=tuple(by_dept), by_section=tuple(progress_by_section(states)),
        flagged_tasks=tuple(flagged(states)),
        findings=tuple(findings(pa, warnings, states, stage)),
        recommendations=tuple(recommendations(pa, warnings, by_dept)),
        trajectories=tuple(trajectory_charts(pa)), fan=fan_chart(pa),
        pyramid=population_pyramid(pa, *population) if population is not None else None,
        notes=tuple(notes), synthetic=synthetic,
        demo_values=demo_values(pa))
