"""Trend forward look (趋势外推) for indicators the population projection does not cover —
above all the values departments report (填报指标), but also computed indicators such as
urbanisation or schooling that the cohort-component model does not carry.

Method (docs/methods.md, "Forward look beyond the resident projection"): **this is not a
projection**, only the straight line through the indicator's own history.

* History: the yearly values up to the assessment year (and the plan's stated baseline when
  that year has no value). With fewer than 2 points there is no forward look.
* The ordinary least-squares line v = a + b·year through the history, evaluated at the target
  year, is the projected value. For a cumulative target ("累计", annual values summed over the
  period) the projected value is the observed sum plus the line's values for the remaining
  years.
* Probability of meeting the target: only with 3 or more points. The errors are assumed
  independent and normal with the residual variance s² = Σe²/(n − 2); the prediction of a
  new value at year T has variance s²·(1 + 1/n + (T − x̄)²/Sxx) (for a sum of m future years:
  s²·(m + m²/n + (Σ(x_j − x̄))²/Sxx)), and the probability is that of the normal
  distribution falling where the target is met. A perfect fit (s = 0) gives 0 or 1. With 2
  points no probability is given.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from renkou.plans.assessment import AssessmentConfig, ForwardLook, TargetSpec, meets
from renkou.plans.targets import CUMULATIVE, Comparator, approx_tolerance

MIN_POINTS = 2
MIN_POINTS_PROBABILITY = 3
TREND = "trend"
# A running total (e.g. net growth since the base year) compares like a level.
LEVEL_OF: dict[str, Comparator] = {"cumulative_ge": "ge", "cumulative_le": "le",
                                   "cumulative_approx": "approx"}


@dataclass(frozen=True)
class TrendForecast:
    """The trend line's prediction (趋势外推值) and its standard error (None with 2 points)."""

    value: float
    sd: float | None
    points: int
    slope: float


def _fit(history: Mapping[int, float]) -> tuple[float, float, float, float, float | None]:
    """(intercept, slope, mean year, Sxx, residual sd or None)."""
    xs = [float(x) for x in sorted(history)]
    ys = [float(history[int(x)]) for x in xs]
    n = len(xs)
    xm = sum(xs) / n
    ym = sum(ys) / n
    sxx = sum((x - xm) ** 2 for x in xs)
    slope = sum((x - xm) * (y - ym) for x, y in zip(xs, ys, strict=True)) / sxx
    intercept = ym - slope * xm
    sd = None
    if n >= MIN_POINTS_PROBABILITY:
        ssr = sum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys, strict=True))
        sd = math.sqrt(ssr / (n - 2))
    return intercept, slope, xm, sxx, sd


def linear_trend(history: Mapping[int, float], target_year: int) -> TrendForecast | None:
    """The OLS line through ``history`` (year → value) at ``target_year``."""
    clean = {int(y): float(v) for y, v in history.items() if v is not None and math.isfinite(v)}
    if len(clean) < MIN_POINTS:
        return None
    a, b, xm, sxx, s = _fit(clean)
    n = len(clean)
    sd = None if s is None else s * math.sqrt(1 + 1 / n + (target_year - xm) ** 2 / sxx)
    return TrendForecast(value=a + b * target_year, sd=sd, points=n, slope=b)


def cumulative_trend(annual: Mapping[int, float], year: int, target_year: int
                     ) -> TrendForecast | None:
    """Observed sum of the annual values through ``year`` plus the line's values for
    year+1 … target_year."""
    clean = {int(y): float(v) for y, v in annual.items() if v is not None and math.isfinite(v)}
    if len(clean) < MIN_POINTS:
        return None
    a, b, xm, sxx, s = _fit(clean)
    n = len(clean)
    future = list(range(year + 1, target_year + 1))
    m = len(future)
    value = sum(v for y, v in clean.items() if y <= year) + sum(a + b * x for x in future)
    sd = None
    if s is not None:
        spread = sum(x - xm for x in future)
        sd = s * math.sqrt(m + m * m / n + spread * spread / sxx) if m else 0.0
    return TrendForecast(value=value, sd=sd, points=n, slope=b)


def _cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def normal_probability(target: TargetSpec, mean: float, sd: float,
                       config: AssessmentConfig | None = None,
                       baseline: float | None = None) -> float | None:
    """P(target met) for a value ~ N(mean, sd²). None for targets without a region of
    success (``eq``) or directional targets without a baseline."""
    cfg = config or AssessmentConfig()
    c = target.comparator
    if sd <= 0:
        if c in ("increase", "decrease") and baseline is None:
            return None
        return 1.0 if meets(target, mean, cfg, baseline) else 0.0

    def below(x: float) -> float:
        return _cdf((x - mean) / sd)

    if c == "increase":
        return None if baseline is None else 1.0 - below(baseline)
    if c == "decrease":
        return None if baseline is None else below(baseline)
    if c in ("ge", "cumulative_ge"):
        return 1.0 - below(target.reference())
    if c in ("le", "cumulative_le"):
        return below(target.reference())
    if c in ("approx", "cumulative_approx"):
        ref, tol = target.reference(), approx_tolerance(target, cfg)
        return below(ref + tol) - below(ref - tol)
    if c == "range":
        lo = target.low if target.low is not None else -math.inf
        hi = target.high if target.high is not None else math.inf
        return (1.0 if hi == math.inf else below(hi)) - (0.0 if lo == -math.inf else below(lo))
    return None


def trend_forward_look(history: Mapping[int, float], target: TargetSpec, year: int, *,
                       config: AssessmentConfig | None = None,
                       baseline: float | None = None, cumulative_annual: bool = False,
                       period_start: int | None = None, source: str = "填报值"
                       ) -> ForwardLook | None:
    """Forward look of one indicator from its own history (years ≤ ``year``).
    ``cumulative_annual``: the target sums the annual values from ``period_start``."""
    past = {y: v for y, v in history.items() if y <= year}
    if target.year <= year:
        return None
    if cumulative_annual and target.comparator in CUMULATIVE:
        start = period_start if period_start is not None else target.year - 4
        trend = cumulative_trend({y: v for y, v in past.items() if y >= start}, year,
                                 target.year)
        what = "年度值线性趋势外推后累计"
    else:
        trend = linear_trend(past, target.year)
        what = "线性趋势外推"
        if target.comparator in CUMULATIVE:  # a running total compares like its level
            target = TargetSpec(year=target.year, comparator=LEVEL_OF[target.comparator],
                                value=target.value, tolerance=target.tolerance)
    if trend is None:
        return None
    prob = None
    if trend.sd is not None:
        prob = normal_probability(target, trend.value, trend.sd, config, baseline)
    note = ("，按残差正态分布估计达标概率" if prob is not None
            else "，不足3个数据点，不估计达标概率")
    method = f"{source}{what}（{trend.points}个数据点，非人口预测{note}）"
    return ForwardLook(target_year=target.year, projected_value=trend.value,
                       probability=prob, method=method, kind=TREND)
