"""Early-warning list (预警清单): which plan indicators are most at risk, and why.

Each assessed indicator gets a risk score from its status, how far it trails the expected
path, the forward look and the time left:

* status: 未达标 1.0, 进度滞后（预警） 0.6, 数据不足 0.3, 进度正常 / 已达标 0;
* shortfall: + 0.3 × (time progress − progress achieved), clipped to [0, 1];
* forward look: + 0.5 × (1 − probability of meeting the target) when trajectories (or, for
  the trend forward look of reported and other indicators, the residual spread) give one;
  + 0.3 when there is a projected value but no probability, the target is not yet met and
  the projected value does not meet it either;
  reasons say whether the figure comes from the population projection or a trend line;
* time pressure: + 0.1 × share of the period from baseline to target already elapsed.

Indicators scoring 0.3 or more are listed, highest first: 红色预警 from 1.0, 橙色预警 from
0.6, otherwise 黄色预警. Reasons and suggestions are written in Chinese from the data.

When the store does not cover the plan area (``PlanAssessment.uncovered``), the computed
indicators are not listed one by one (each would ask to "补齐统计口径" for the same reason):
one entry, first, says that the store holds no population of the area, how many computed
indicators that leaves without a value, and what to do about it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from renkou.plans.assessment.coverage import area_label
from renkou.plans.assessment.plan import PlanAssessment
from renkou.plans.assessment.status import (
    LAGGING,
    MET,
    MISSED,
    NO_DATA,
    ON_TRACK,
    Assessment,
    TargetSpec,
    format_number,
    meets,
    unit_suffix,
)

STATUS_RISK = {MISSED: 1.0, LAGGING: 0.6, NO_DATA: 0.3, ON_TRACK: 0.0, MET: 0.0}
LIST_FROM = 0.3
RED, ORANGE, YELLOW = "红色预警", "橙色预警", "黄色预警"

# What the responsible departments are asked to do, by indicator category.
SUGGESTIONS = {
    "总量": "研究加大人才引进、落户和稳就业政策力度，跟踪人口流入流出变化",
    "素质": "聚焦健康、教育短板，细化年度工作目标和保障措施",
    "结构": "完善生育支持和积极应对老龄化措施，加强出生人口监测",
    "分布": "统筹城市空间布局与公共服务配置，引导人口向重点区域集聚",
    "公共服务": "加快补齐公共服务设施和服务供给缺口，按季度报送进展",
}


@dataclass(frozen=True)
class EarlyWarning:
    """One entry of the early-warning list (预警事项)."""

    rank: int
    indicator_code: str
    name: str
    status: str
    level: str
    score: float
    reasons: tuple[str, ...]
    suggestion: str
    departments: tuple[str, ...]


def _forward_reasons(a: Assessment, projected_meets: bool | None = None
                     ) -> tuple[float, list[str]]:
    f = a.forward
    if f is None or f.projected_value is None:
        return 0.0, []
    reasons: list[str] = []
    score = 0.0
    unit = unit_suffix(a.unit)
    trend = f.kind == "trend"
    if f.probability is not None:
        score += 0.5 * (1.0 - f.probability)
        if f.probability < 0.5:
            source = "按历年数据线性趋势外推（非人口预测）" if trend else "随机预测显示"
            reasons.append(f"{source}{f.target_year}年达标概率仅为{f.probability:.0%}")
    projected = f"{format_number(f.projected_value)}{unit}"
    if a.status == MET and f.probability is not None and f.probability < 0.5:
        reasons.append(f"当前已达标，但按现有趋势{f.target_year}年预计为{projected}，存在回落风险")
    elif f.probability is None and a.status != MET and projected_meets is not True:
        score += 0.3
        how = "按历年数据线性趋势外推" if trend else "按现有趋势预测"
        reasons.append(f"{how}{f.target_year}年为{projected}")
    elif f.probability is not None and f.probability < 0.5:
        how = "按历年数据线性趋势外推" if trend else "按现有趋势中方案预测"
        reasons.append(f"{how}{f.target_year}年为{projected}（目标{a.target_text}）")
    return score, reasons


def score(a: Assessment, projected_meets: bool | None = None) -> tuple[float, list[str]]:
    """Risk score and the reasons behind it. ``projected_meets``: whether the forward
    look's value meets the target (None: unknown); a value without a probability that
    meets the target is no risk."""
    s = STATUS_RISK.get(a.status, 0.0)
    reasons: list[str] = []
    unit = unit_suffix(a.unit)
    if a.status in (MISSED, LAGGING):
        shown = a.assessed_value if a.assessed_value is not None else a.value
        value = f"{format_number(shown)}{unit}" if shown is not None else "—"
        reasons.append(f"{a.year}年为{value}，目标{a.target_text}（{a.target_year}年）：{a.reason}")
    elif a.status == NO_DATA:
        reasons.append(f"{a.year}年缺少监测数据（{a.reason}），无法判断进度")
    if a.progress is not None and a.expected_progress is not None:
        gap = min(max(a.expected_progress - a.progress, 0.0), 1.0)
        s += 0.3 * gap
    if a.expected_progress is not None:
        s += 0.1 * min(max(a.expected_progress, 0.0), 1.0)
    f_score, f_reasons = _forward_reasons(a, projected_meets)
    s += f_score
    reasons.extend(f_reasons)
    return s, reasons


def _suggestion(a: Assessment) -> str:
    who = "、".join(a.departments[:3]) + ("等部门" if len(a.departments) > 3 else "")
    what = SUGGESTIONS.get(a.category, "分析原因，制定针对性措施")
    if a.status == NO_DATA:
        what = "按期报送监测数据" if a.kind == "reported" else "核实基础数据来源，补齐统计口径"
    return f"建议{who}{what}。" if who else f"建议{what}。"


def projected_meets(pa: PlanAssessment, a: Assessment) -> bool | None:
    """Whether the forward look's target-year value meets the indicator's target (None when
    there is no value, no plan or no such target)."""
    f = a.forward
    if f is None or f.projected_value is None or pa.plan is None:
        return None
    ind = next((i for i in pa.plan.indicators if i.code == a.indicator_code), None)
    target = ind.target_for(a.target_year) if ind is not None else None
    if target is None or target.comparator == "eq":
        return None
    return meets(TargetSpec.from_model(target), f.projected_value, pa.config,
                 a.baseline_value)


def uncovered_assessments(pa: PlanAssessment) -> list[Assessment]:
    """The computed indicators left without a value because the store does not cover the
    plan area (empty when it does)."""
    if pa.uncovered is None:
        return []
    return [a for a in pa.assessments if a.kind == "computed" and a.status == NO_DATA]


COVERAGE_NAME = "人口基础信息库未覆盖规划地区"


def coverage_warning(pa: PlanAssessment) -> EarlyWarning | None:
    """One entry for every computed indicator the store cannot compute for the plan area
    (rank 0 here; :func:`warning_list` numbers it first)."""
    gaps = uncovered_assessments(pa)
    if not gaps:
        return None
    names = "、".join(a.name for a in gaps[:4]) + (f"等{len(gaps)}项" if len(gaps) > 4 else "")
    area = area_label(pa.plan.area_code)
    reason = (f"{pa.uncovered}：{names}由人口基础信息库计算的指标{pa.year}年均无监测值，"
              "无法判断进度，本次只评估部门填报的指标")
    s = max(score(a)[0] for a in gaps)
    depts = tuple(dict.fromkeys(d for a in gaps for d in a.departments))
    suggestion = (f"建议将{area}的户籍、居住登记、出生、死亡等人口基础信息接入人口基础信息库，"
                  "或使用覆盖该地区的数据库重新评估。")
    return EarlyWarning(rank=0, indicator_code="", name=COVERAGE_NAME, status=NO_DATA,
                        level=RED if s >= 1.0 else ORANGE if s >= 0.6 else YELLOW,
                        score=round(s, 3), reasons=(reason,), suggestion=suggestion,
                        departments=depts)


def warning_list(pa: PlanAssessment) -> list[EarlyWarning]:
    """The ranked early-warning list of a plan assessment; an uncovered plan area is one
    entry, first, instead of one per computed indicator."""
    skip = {a.indicator_code for a in uncovered_assessments(pa)}
    scored: list[tuple[float, Assessment, list[str]]] = []
    for a in pa.assessments:
        if a.indicator_code in skip:
            continue
        s, reasons = score(a, projected_meets(pa, a))
        if s >= LIST_FROM and reasons:
            scored.append((s, a, reasons))
    scored.sort(key=lambda x: (-x[0], x[1].indicator_code))
    coverage = coverage_warning(pa)
    out: list[EarlyWarning] = [] if coverage is None else [replace(coverage, rank=1)]
    for s, a, reasons in scored:
        level = RED if s >= 1.0 else ORANGE if s >= 0.6 else YELLOW
        out.append(EarlyWarning(rank=len(out) + 1, indicator_code=a.indicator_code,
                                name=a.name, status=a.status, level=level,
                                score=round(s, 3), reasons=tuple(reasons),
                                suggestion=_suggestion(a), departments=a.departments))
    return out

