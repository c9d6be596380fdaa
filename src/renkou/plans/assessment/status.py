"""Assessment of plan indicators (规划指标评估): status against the target path and a forward look.

The rule (documented in docs/methods.md, "Indicators and assessment"):

* The **expected path** runs in a straight line from the baseline (year b, value v0) to the
  target (year T, value v*): e(t) = v0 + (v* − v0)·(t − b)/(T − b). For a range target v* is
  the nearer bound; for cumulative targets ("累计") the path is the target times the share of
  plan years elapsed, compared with the cumulative sum of the annual values.
* **已达标 (met)**: the observed value already satisfies the target's comparator (≥, ≤, within
  the range, within the "左右" tolerance, cumulative sum reached).
* **进度正常 (on track)**: not yet met, the target year not yet reached, and the progress made
  since the baseline is at least (1 − lag tolerance) of the progress the path expects by now
  (default lag tolerance 10 %).
* **进度滞后（预警） (lagging, warning)**: not met, target year not reached, progress short of
  that; or the value moved away from the target, or overshot an "左右"/range band.
* **未达标 (missed)**: the target year (or later) is reached and the target is not met.
* **数据不足 (no data)**: no observed value for the year.

"左右" (approx) targets are met within ± tolerance: the target's own ``tolerance`` if the plan
states one, else ``approx_rel_tolerance`` × |v*| (default: the plans' ±1 %), configurable in
:class:`AssessmentConfig`. Target semantics live in :mod:`renkou.plans.model.targets`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from renkou.plans.model.targets import (
    CUMULATIVE,
    DIRECTIONAL,
    RELATIVE,
    AssessmentConfig,
    Comparator,
    TargetSpec,
    approx_tolerance,
    format_number,
    meets,
    target_text,
    unit_suffix,
)

Status = Literal["已达标", "进度正常", "进度滞后（预警）", "未达标", "数据不足"]

MET: Status = "已达标"
ON_TRACK: Status = "进度正常"
LAGGING: Status = "进度滞后（预警）"
MISSED: Status = "未达标"
NO_DATA: Status = "数据不足"
STATUSES: tuple[Status, ...] = (MET, ON_TRACK, LAGGING, MISSED, NO_DATA)

__all__ = [
    "CUMULATIVE", "DIRECTIONAL", "LAGGING", "MET", "MISSED", "NO_DATA", "ON_TRACK", "STATUSES",
    "Assessment", "AssessmentConfig", "Comparator", "ForwardLook", "Status", "TargetSpec",
    "approx_tolerance", "assess_series", "assess_value", "cumulative_expected",
    "expected_on_path", "format_number", "meets", "pick_baseline", "pick_target",
    "probability_of_meeting", "target_text", "unit_suffix",
]


@dataclass(frozen=True)
class ForwardLook:
    """Projection at the target year (规划目标年预测): medium variant and the probability of
    meeting the target from stochastic trajectories."""

    target_year: int
    projected_value: float | None
    probability: float | None = None
    method: str = ""
    # "projection" (cohort-component, medium variant + trajectories) or "trend" (a line
    # through the indicator's own history, renkou.plans.assessment.reported_trend — not a
    # projection).
    kind: str = "projection"


@dataclass(frozen=True)
class Assessment:
    """The status of one indicator in one year (指标评估结果)."""

    indicator_code: str
    name: str
    unit: str
    year: int
    value: float | None
    assessed_value: float | None  # the cumulative sum for cumulative targets
    baseline_year: int | None
    baseline_value: float | None
    target_year: int
    target_text: str
    expected_value: float | None
    progress: float | None  # share of the planned change achieved since the baseline
    expected_progress: float | None  # share of the time from baseline to target elapsed
    status: Status
    reason: str
    kind: str = "computed"
    category: str = ""
    departments: tuple[str, ...] = ()
    source: str = ""
    forward: ForwardLook | None = None
    # The value comes from demonstration reports (示范数据), not from a department: every
    # page and report says so beside it.
    demo: bool = False


def expected_on_path(baseline_year: int, baseline_value: float, target: TargetSpec, year: int
                     ) -> float:
    """Value the linear path from the baseline to the target expects in ``year``."""
    if target.year <= baseline_year:
        return target.reference(baseline_value)
    share = min(max((year - baseline_year) / (target.year - baseline_year), 0.0), 1.0)
    ref = target.reference(baseline_value)
    return baseline_value + (ref - baseline_value) * share


def cumulative_expected(target: TargetSpec, period_start: int, year: int) -> float:
    """Cumulative amount expected by the end of ``year`` when the target total is spread
    evenly over the plan years period_start … target.year."""
    n = target.year - period_start + 1
    done = min(max(year - period_start + 1, 0), n)
    return target.reference() * done / n if n > 0 else target.reference()


def assess_value(
    target: TargetSpec,
    year: int,
    value: float | None,
    *,
    baseline_year: int | None = None,
    baseline_value: float | None = None,
    period_start: int | None = None,
    cumulative_value: float | None = None,
    config: AssessmentConfig | None = None,
) -> tuple[Status, str, float | None, float | None, float | None]:
    """Apply the status rule. Returns (status, reason, expected value, progress, expected
    progress). For cumulative targets pass ``cumulative_value`` (sum from ``period_start``
    through ``year``)."""
    cfg = config or AssessmentConfig()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NO_DATA, f"{year}年无监测值", None, None, None
    final = year >= target.year
    if target.comparator in CUMULATIVE:
        return _assess_cumulative(target, year, cumulative_value if cumulative_value is not None
                                  else value, period_start, cfg)
    if target.comparator in RELATIVE:
        return _assess_relative(target, value, final, cfg)
    if target.comparator in DIRECTIONAL:
        word = "提高" if target.comparator == "increase" else "降低"
        if baseline_value is None:
            return LAGGING, f"目标为较基期{word}，但缺少基期值", None, None, None
        if meets(target, value, cfg, baseline_value):
            return MET, f"较基期已{word}", None, None, None
        base = format_number(baseline_value)
        return (MISSED if final else LAGGING), f"未较基期{word}（基期{base}）", None, None, None
    if meets(target, value, cfg):
        return MET, "当前值已满足规划目标", None, None, None
    if final:
        return MISSED, _missed_reason(target, value, cfg), None, None, None
    if target.each_year and (target.period_start is None or year >= target.period_start):
        return MISSED, "本年未满足规划期内须逐年保持的目标", None, None, None
    if baseline_year is None or baseline_value is None or target.year <= baseline_year:
        return LAGGING, "尚未达到目标，且无基期值可判断进度", None, None, None
    ref = target.reference(baseline_value)
    expected = expected_on_path(baseline_year, baseline_value, target, year)
    expected_share = (year - baseline_year) / (target.year - baseline_year)
    planned = ref - baseline_value
    if target.comparator == "approx" and _overshoots(target, value, baseline_value, cfg):
        return (LAGGING, "已超出“左右”目标区间，偏离规划目标", expected, None, expected_share)
    if planned == 0:
        # A "keep" target (保持): the baseline already met it and the value has slipped.
        return LAGGING, "基期已达标，当前值回落至目标以外", expected, None, expected_share
    progress = (value - baseline_value) / planned
    if progress >= expected_share * (1 - cfg.lag_tolerance):
        return (ON_TRACK, f"完成规划变动的{progress:.0%}，时间进度{expected_share:.0%}",
                expected, progress, expected_share)
    if progress < 0:
        reason = "较基期反向变动，偏离目标方向"
    else:
        reason = f"仅完成规划变动的{progress:.0%}，落后于时间进度{expected_share:.0%}"
    return LAGGING, reason, expected, progress, expected_share


def _assess_relative(target: TargetSpec, value: float, final: bool, cfg: AssessmentConfig
                     ) -> tuple[Status, str, float | None, float | None, float | None]:
    """"低于/高于全市平均水平": met when strictly below (above) the reference value of the
    same year; there is no path to a moving reference, so not met is a warning until the
    target year and missed from then on."""
    label = target.reference_label or "上级地区同年值"
    if target.value is None:
        return NO_DATA, f"缺少{label}，无法比较", None, None, None
    word = "低于" if target.comparator == "below" else "高于"
    src = f"，{target.reference_source}" if target.reference_source else ""
    ref = format_number(target.value) + src
    if meets(target, value, cfg):
        return MET, f"已{word}{label}（{ref}）", None, None, None
    return ((MISSED if final else LAGGING), f"未{word}{label}（{ref}）", None, None, None)


def _overshoots(target: TargetSpec, value: float, baseline: float, cfg: AssessmentConfig
                ) -> bool:
    ref = target.reference()
    tol = approx_tolerance(target, cfg)
    direction = 1.0 if ref >= baseline else -1.0
    return (value - ref) * direction > tol


def _missed_reason(target: TargetSpec, value: float, cfg: AssessmentConfig) -> str:
    if target.comparator == "range":
        return f"当前值{format_number(value)}不在目标范围内"
    gap = value - target.reference()
    if target.comparator == "approx":
        return (f"与目标相差{format_number(gap)}，超出“左右”容差"
                f"±{format_number(approx_tolerance(target, cfg))}")
    return f"与目标相差{format_number(abs(gap))}"


def _assess_cumulative(target: TargetSpec, year: int, cum: float, period_start: int | None,
                       cfg: AssessmentConfig
                       ) -> tuple[Status, str, float | None, float | None, float | None]:
    total = target.reference()
    start = (period_start if period_start is not None else target.period_start
             if target.period_start is not None else target.year - 4)
    n = target.year - start + 1
    share = min(max((year - start + 1) / n, 0.0), 1.0) if n > 0 else 1.0
    expected = cumulative_expected(target, start, year)
    progress = cum / total if total else None
    if target.comparator == "cumulative_approx":
        if meets(target, cum, cfg):
            return MET, f"累计{format_number(cum)}，在目标区间内", expected, progress, share
        if year >= target.year or cum > total + approx_tolerance(target, cfg):
            return (MISSED if year >= target.year else LAGGING,
                    f"累计{format_number(cum)}，偏离目标{format_number(total)}", expected,
                    progress, share)
    if target.comparator in ("cumulative_ge", "cumulative_approx"):
        if cum >= total:
            return MET, f"累计{format_number(cum)}，已完成规划总量", expected, progress, share
        if year >= target.year:
            return (MISSED, f"累计{format_number(cum)}，低于规划总量{format_number(total)}",
                    expected, progress, share)
        if progress is not None and progress >= share * (1 - cfg.lag_tolerance):
            return (ON_TRACK, f"累计完成规划总量的{progress:.0%}，时间进度{share:.0%}",
                    expected, progress, share)
        return (LAGGING, f"累计仅完成规划总量的{(progress or 0):.0%}，落后于时间进度{share:.0%}",
                expected, progress, share)
    # cumulative_le: a budget that must not be exceeded.
    if cum > total:
        status: Status = MISSED
        return status, f"累计{format_number(cum)}，已超过上限{format_number(total)}", expected, \
            progress, share
    if year >= target.year:
        return MET, f"累计{format_number(cum)}，未超过上限", expected, progress, share
    if cum <= expected * (1 + cfg.lag_tolerance):
        return ON_TRACK, f"累计用量{(progress or 0):.0%}，时间进度{share:.0%}", expected, \
            progress, share
    return (LAGGING, f"累计用量{(progress or 0):.0%}，快于时间进度{share:.0%}", expected,
            progress, share)


def pick_target(targets: Sequence[TargetSpec], year: int) -> TargetSpec | None:
    """The target an assessment in ``year`` is judged against: the nearest target year not
    before ``year`` (a 2030 target after 2020 is passed), else the last one."""
    if not targets:
        return None
    ahead = sorted((t for t in targets if t.year >= year), key=lambda t: t.year)
    return ahead[0] if ahead else max(targets, key=lambda t: t.year)


def pick_baseline(baselines: Mapping[int, float], target: TargetSpec, year: int
                  ) -> tuple[int | None, float | None]:
    """The latest baseline before the target year and not after the assessment year."""
    usable = [y for y in baselines if y < target.year and y <= year]
    if not usable:
        return None, None
    y = max(usable)
    return y, baselines[y]


def assess_series(
    *,
    code: str,
    name: str,
    unit: str,
    targets: Sequence[TargetSpec],
    baselines: Mapping[int, float],
    values: Mapping[int, float],
    year: int,
    period_start: int | None = None,
    config: AssessmentConfig | None = None,
    kind: str = "computed",
    category: str = "",
    departments: Sequence[str] = (),
    source: str = "",
    forward: ForwardLook | None = None,
    values_are_cumulative: bool = False,
) -> Assessment | None:
    """Assess one indicator in ``year`` from its yearly values (监测值 by year). Returns None
    when the indicator has no target. For cumulative targets the annual values are summed
    over the period, unless ``values_are_cumulative`` (e.g. a net change since the base
    year, which already is the running total)."""
    cfg = config or AssessmentConfig()
    target = pick_target(targets, year)
    if target is None:
        return None
    by, bv = pick_baseline(baselines, target, year)
    value = values.get(year)
    cum: float | None = None
    if target.comparator in CUMULATIVE:
        if period_start is not None:
            start = period_start
        elif target.period_start is not None:
            start = target.period_start
        else:
            start = by + 1 if by is not None else target.year - 4
        period_start = start
        if values_are_cumulative:
            cum = values.get(year)
        else:
            years = [y for y in values if start <= y <= year]
            cum = sum(values[y] for y in years) if years else None
        if cum is None:
            value = None
    status, reason, expected, progress, share = assess_value(
        target, year, value if cum is None else cum, baseline_year=by, baseline_value=bv,
        period_start=period_start, cumulative_value=cum, config=cfg)
    return Assessment(
        indicator_code=code, name=name, unit=unit, year=year, value=value,
        assessed_value=cum if cum is not None else value, baseline_year=by, baseline_value=bv,
        target_year=target.year, target_text=target_text(target, unit, cfg),
        expected_value=expected, progress=progress, expected_progress=share, status=status,
        reason=reason, kind=kind, category=category, departments=tuple(departments),
        source=source, forward=forward,
    )


def probability_of_meeting(target: TargetSpec, samples: Sequence[float],
                           config: AssessmentConfig | None = None) -> float | None:
    """Share of stochastic trajectories whose target-year value meets the target."""
    vals = [s for s in samples if s is not None and math.isfinite(s)]
    if not vals:
        return None
    if target.comparator in CUMULATIVE:
        return None
    return sum(1 for s in vals if meets(target, s, config)) / len(vals)
