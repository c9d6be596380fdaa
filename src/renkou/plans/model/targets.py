"""Targets as the assessment reads them (规划目标语义): comparator tests, the "左右"
tolerance, and the Chinese rendering of a target. The status rule is in
:mod:`renkou.plans.assessment.status`, which re-exports these names."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from renkou.plans.model.vocabulary import DEFAULT_APPROX_TOLERANCE

if TYPE_CHECKING:
    from renkou.plans.model.plan import Target

Comparator = Literal["ge", "le", "approx", "range", "eq", "cumulative_ge", "cumulative_le",
                     "cumulative_approx", "increase", "decrease", "below", "above"]
CUMULATIVE = ("cumulative_ge", "cumulative_le", "cumulative_approx")
DIRECTIONAL = ("increase", "decrease")
# Compared with a reference value of the same year (the parent jurisdiction's), strictly.
RELATIVE = ("below", "above")


@dataclass(frozen=True)
class AssessmentConfig:
    """Tunable parts of the status rule (评估参数)."""

    # "左右": met within this share of the target value unless the plan gives a tolerance;
    # None = the plans' default (renkou.plans.model.vocabulary.DEFAULT_APPROX_TOLERANCE, ±1 %).
    approx_rel_tolerance: float | None = None
    # On track while progress ≥ (1 − lag_tolerance) × expected progress.
    lag_tolerance: float = 0.10
    # "eq" targets: relative tolerance for floating-point equality.
    eq_rel_tolerance: float = 1e-9


@dataclass(frozen=True)
class TargetSpec:
    """One target of an indicator as the assessment needs it (规划目标)."""

    year: int
    comparator: Comparator
    value: float | None = None
    low: float | None = None
    high: float | None = None
    tolerance: float | None = None  # relative, e.g. 0.01 = ±1 %
    period_start: int | None = None  # cumulative targets: first year summed
    each_year: bool = False  # "保持…": must hold in every year of the period
    # Relative targets: what the reference value is (e.g. "天津市同年值") and where it
    # comes from (e.g. "库内计算").
    reference_label: str | None = None
    reference_source: str | None = None

    @classmethod
    def from_model(cls, target: Target) -> TargetSpec:
        """From a plan target (renkou.plans.model.Target)."""
        return cls(year=target.year, comparator=target.comparator, value=target.value,
                   low=target.low, high=target.high, tolerance=target.tolerance,
                   period_start=target.period_start, each_year=target.each_year)

    def reference(self, baseline: float | None = None) -> float:
        """The value the path aims at: the target, or for a range the bound nearer the
        baseline (the midpoint when there is no baseline)."""
        if self.comparator == "range":
            lo = self.low if self.low is not None else -math.inf
            hi = self.high if self.high is not None else math.inf
            if baseline is None or not math.isfinite(lo) or not math.isfinite(hi):
                return (lo + hi) / 2 if math.isfinite(lo + hi) else (lo if math.isfinite(lo)
                                                                      else hi)
            return lo if baseline < lo else hi if baseline > hi else baseline
        if self.value is None:
            if self.comparator in DIRECTIONAL and baseline is not None:
                return baseline
            raise ValueError(f"目标（{self.year}年，{self.comparator}）缺少目标值")
        return self.value


def approx_tolerance(target: TargetSpec, config: AssessmentConfig) -> float:
    """Absolute tolerance of an "左右" target: relative tolerance × |target|."""
    if target.tolerance is not None:
        rel = target.tolerance
    elif config.approx_rel_tolerance is not None:
        rel = config.approx_rel_tolerance
    else:
        rel = DEFAULT_APPROX_TOLERANCE
    return abs(target.reference()) * abs(rel)


def meets(target: TargetSpec, value: float, config: AssessmentConfig | None = None,
          baseline: float | None = None) -> bool:
    """Whether ``value`` (the cumulative sum for cumulative targets) satisfies the target.
    Directional targets ("提高"/"降低") compare with ``baseline``."""
    cfg = config or AssessmentConfig()
    c = target.comparator
    if c in DIRECTIONAL:
        if baseline is None:
            return False
        return value > baseline if c == "increase" else value < baseline
    if c in RELATIVE:
        ref = target.reference()
        return value < ref if c == "below" else value > ref
    if c in ("ge", "cumulative_ge"):
        return value >= target.reference()
    if c in ("le", "cumulative_le"):
        return value <= target.reference()
    if c in ("approx", "cumulative_approx"):
        return abs(value - target.reference()) <= approx_tolerance(target, cfg) + 1e-12
    if c == "eq":
        ref = target.reference()
        return abs(value - ref) <= max(abs(ref), 1.0) * cfg.eq_rel_tolerance
    if c == "range":
        lo = target.low if target.low is not None else -math.inf
        hi = target.high if target.high is not None else math.inf
        return lo <= value <= hi
    raise ValueError(f"未知的比较方式 {c}")


def target_text(target: TargetSpec, unit: str = "", config: AssessmentConfig | None = None
                ) -> str:
    """Chinese rendering of a target, e.g. "≥82.38岁", "1500万人左右（±45）", "103~107"."""
    cfg = config or AssessmentConfig()
    # "1/10万" after a number reads as a digit: 8.5/10万, not 8.51/10万.
    u = unit_suffix(unit)

    def f(x: float | None) -> str:
        return "" if x is None else format_number(x)

    c = target.comparator
    if c in DIRECTIONAL:
        return "较基期提高" if c == "increase" else "较基期降低"
    if c in RELATIVE:
        word = "低于" if c == "below" else "高于"
        label = target.reference_label or "上级地区同年值"
        if target.value is None:
            return f"{word}{label}"
        src = f"，{target.reference_source}" if target.reference_source else ""
        return f"{word}{label}（{f(target.value)}{u}{src}）"
    if c == "cumulative_approx":
        return (f"累计{f(target.value)}{u}左右"
                f"（±{format_number(approx_tolerance(target, cfg))}）")
    if c == "ge":
        return f"≥{f(target.value)}{u}"
    if c == "le":
        return f"≤{f(target.value)}{u}"
    if c == "cumulative_ge":
        return f"累计≥{f(target.value)}{u}"
    if c == "cumulative_le":
        return f"累计≤{f(target.value)}{u}"
    if c == "eq":
        return f"{f(target.value)}{u}"
    if c == "approx":
        return f"{f(target.value)}{u}左右（±{format_number(approx_tolerance(target, cfg))}）"
    if target.low is None:
        return f"≤{f(target.high)}{u}"
    if target.high is None:
        return f"≥{f(target.low)}{u}"
    return f"{f(target.low)}~{f(target.high)}{u}"


def unit_suffix(unit: str) -> str:
    """The unit as written after a number: none for "—" or "女=100", "/10万" for "1/10万"."""
    if not unit or unit == "—" or "=" in unit:
        return ""
    return unit[1:] if unit.startswith("1/") else unit


def format_number(x: float) -> str:
    """Up to 4 significant decimals without trailing zeros (82.38, 1500, 0.5)."""
    if not math.isfinite(x):
        return str(x)
    if abs(x) >= 1000:
        return f"{x:,.1f}".rstrip("0").rstrip(".").replace(",", "")
    return f"{x:.4g}" if abs(x) < 1 else f"{x:.2f}".rstrip("0").rstrip(".")
