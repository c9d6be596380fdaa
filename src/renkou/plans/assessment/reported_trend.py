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
* Bounds: the value is clipped to the indicator's natural range (:func:`unit_bounds`) —
  shares in per cent within [0, 100], rates per mille or per 100 000, ages, years, ratios
  and counts at least 0; changes (增长, 净…) unbounded. For a cumulative target each future
  annual value is clipped.
* Probability of meeting the target: only with 3 or more points. The errors are assumed
  independent and normal with the residual variance s² = Σe²/(n − 2); the prediction of a
  new value at year T has standard error se = s·√(1 + 1/n + (T − x̄)²/Sxx) (for a sum of m
  future years: s·√(m + m²/n + (Σ(x_j − x̄))²/Sxx)), and (v − v̂)/se has a **Student t
  distribution with n − 2 degrees of freedom** (:func:`t_cdf`, ``scipy.stats.t``; with 3
  points that is the Cauchy distribution, wide on purpose). The probability is that of the
  t distribution, **censored at the bounds** (the mass beyond a bound sits on the bound,
  where the clipped value lies), falling where the target is met — so a line heading past
  100 % gives 100 % as the value and P(≥ 100 %) as the probability of a "≥ 100 %" target.
  For a cumulative sum the distribution is centred on the sum of the clipped values and
  censored at observed + m × bound. A perfect fit (s = 0) gives 0 or 1. With 2 points no
  probability is given.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from renkou.plans.assessment.status import AssessmentConfig, ForwardLook, TargetSpec, meets
from renkou.plans.model.targets import CUMULATIVE, Comparator, approx_tolerance


def t_cdf(t: float, df: int) -> float:
    """P(T ≤ t) for Student's t with ``df`` degrees of freedom."""
    # Imported here: scipy.stats takes about a second to import, and every command would
    # pay for it at start-up.
    from scipy.stats import t as student_t

    return float(student_t.cdf(t, df))


MIN_POINTS = 2
MIN_POINTS_PROBABILITY = 3
TREND = "trend"
# A running total (e.g. net growth since the base year) compares like a level.
LEVEL_OF: dict[str, Comparator] = {"cumulative_ge": "ge", "cumulative_le": "le",
                                   "cumulative_approx": "approx"}


Bounds = tuple[float, float]
UNBOUNDED: Bounds = (-math.inf, math.inf)
# Units whose values cannot be negative: rates per mille / per 100 000, ages, years,
# ratios (女=100), counts, the TFR (no unit); per cent is bounded above too (shares).
NON_NEGATIVE_UNITS = frozenset({"‰", "1/10万", "岁", "年", "女=100", "人", "万人", "个",
                                "万人次", "家", "托位/千人", ""})
PERCENT_UNITS = frozenset({"%", "％"})
# Names of changes (growth, net figures) and ratios that may exceed 100 % (抚养比 = dependants
# per 100 of working age).
_CHANGE_WORDS = ("增长", "净", "增幅", "变化")
_OPEN_PERCENT_WORDS = ("抚养比",)


def unit_bounds(unit: str, name: str = "") -> Bounds:
    """The natural range of an indicator's values by its unit (and name): per-cent shares
    [0, 100], non-negative units [0, ∞), changes and unknown units unbounded."""
    if any(w in name for w in _CHANGE_WORDS):
        return UNBOUNDED
    u = unit.strip()
    if u in PERCENT_UNITS:
        return (0.0, math.inf) if any(w in name for w in _OPEN_PERCENT_WORDS) else (0.0, 100.0)
    if u in NON_NEGATIVE_UNITS:
        return (0.0, math.inf)
    return UNBOUNDED


def clip(value: float, bounds: Bounds) -> float:
    return min(max(value, bounds[0]), bounds[1])


@dataclass(frozen=True)
class TrendForecast:
    """The trend line's prediction (趋势外推值) and its standard error (None with 2 points);
    ``value`` is clipped to the bounds, ``raw`` is the line itself."""

    value: float
    sd: float | None
    points: int
    slope: float
    raw: float | None = None
    clipped: bool = False

    @property
    def df(self) -> int:
        """Degrees of freedom of the prediction error (n − 2)."""
        return self.points - 2


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


def linear_trend(history: Mapping[int, float], target_year: int,
                 bounds: Bounds = UNBOUNDED) -> TrendForecast | None:
    """The OLS line through ``history`` (year → value) at ``target_year``, clipped to
    ``bounds``."""
    clean = {int(y): float(v) for y, v in history.items() if v is not None and math.isfinite(v)}
    if len(clean) < MIN_POINTS:
        return None
    a, b, xm, sxx, s = _fit(clean)
    n = len(clean)
    sd = None if s is None else s * math.sqrt(1 + 1 / n + (target_year - xm) ** 2 / sxx)
    raw = a + b * target_year
    value = clip(raw, bounds)
    return TrendForecast(value=value, sd=sd, points=n, slope=b, raw=raw,
                         clipped=value != raw)


def cumulative_trend(annual: Mapping[int, float], year: int, target_year: int,
                     bounds: Bounds = UNBOUNDED) -> TrendForecast | None:
    """Observed sum of the annual values through ``year`` plus the line's values for
    year+1 … target_year, each clipped to ``bounds``."""
    clean = {int(y): float(v) for y, v in annual.items() if v is not None and math.isfinite(v)}
    if len(clean) < MIN_POINTS:
        return None
    a, b, xm, sxx, s = _fit(clean)
    n = len(clean)
    future = list(range(year + 1, target_year + 1))
    m = len(future)
    observed = sum(v for y, v in clean.items() if y <= year)
    raw_future = [a + b * x for x in future]
    value = observed + sum(clip(v, bounds) for v in raw_future)
    raw = observed + sum(raw_future)
    sd = None
    if s is not None:
        spread = sum(x - xm for x in future)
        sd = s * math.sqrt(m + m * m / n + spread * spread / sxx) if m else 0.0
    return TrendForecast(value=value, sd=sd, points=n, slope=b, raw=raw,
                         clipped=value != raw)


def _normal_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def normal_probability(target: TargetSpec, mean: float, sd: float,
                       config: AssessmentConfig | None = None,
                       baseline: float | None = None) -> float | None:
    """P(target met) for a value ~ N(mean, sd²). None for targets without a region of
    success (``eq``) or directional targets without a baseline."""
    return censored_probability(target, mean, sd, _normal_cdf, config=config,
                                baseline=baseline)


def t_probability(target: TargetSpec, mean: float, sd: float, df: int,
                  config: AssessmentConfig | None = None, baseline: float | None = None,
                  bounds: Bounds = UNBOUNDED) -> float | None:
    """P(target met) for a value mean + sd·T, T ~ t(df), censored at ``bounds``."""
    return censored_probability(target, mean, sd, lambda z: t_cdf(z, df), config=config,
                                baseline=baseline, bounds=bounds)


def censored_probability(target: TargetSpec, mean: float, sd: float,
                         cdf: Callable[[float], float], *,
                         config: AssessmentConfig | None = None,
                         baseline: float | None = None,
                         bounds: Bounds = UNBOUNDED) -> float | None:
    """P(target met) for the value X = clip(mean + sd·Z, bounds), Z with the standard
    ``cdf``: the mass beyond a bound sits on the bound. None for targets without a region
    of success (``eq``) or directional targets without a baseline."""
    cfg = config or AssessmentConfig()
    c = target.comparator
    lo, hi = bounds
    if c in ("increase", "decrease") and baseline is None:
        return None
    if sd <= 0:
        return 1.0 if meets(target, clip(mean, bounds), cfg, baseline) else 0.0

    def below(x: float) -> float:  # P(X ≤ x)
        if x < lo:
            return 0.0
        if x >= hi:
            return 1.0
        return cdf((x - mean) / sd)

    def strictly_below(x: float) -> float:  # P(X < x): the atom at lo is not below lo
        if x <= lo:
            return 0.0
        if x > hi:
            return 1.0
        return cdf((x - mean) / sd)

    if c == "increase":
        assert baseline is not None
        return 1.0 - below(baseline)
    if c == "decrease":
        assert baseline is not None
        return strictly_below(baseline)
    if c in ("ge", "cumulative_ge"):
        return 1.0 - strictly_below(target.reference())
    if c in ("le", "cumulative_le"):
        return below(target.reference())
    if c in ("approx", "cumulative_approx"):
        ref, tol = target.reference(), approx_tolerance(target, cfg)
        return max(below(ref + tol) - strictly_below(ref - tol), 0.0)
    if c == "range":
        t_lo = target.low if target.low is not None else -math.inf
        t_hi = target.high if target.high is not None else math.inf
        return max(below(t_hi) - strictly_below(t_lo), 0.0)
    return None


def trend_forward_look(history: Mapping[int, float], target: TargetSpec, year: int, *,
                       config: AssessmentConfig | None = None,
                       baseline: float | None = None, cumulative_annual: bool = False,
                       period_start: int | None = None, source: str = "填报值",
                       bounds: Bounds = UNBOUNDED) -> ForwardLook | None:
    """Forward look of one indicator from its own history (years ≤ ``year``).
    ``cumulative_annual``: the target sums the annual values from ``period_start``.
    ``bounds``: the natural range of a value (:func:`unit_bounds`), of each annual value
    for a cumulative target."""
    past = {y: v for y, v in history.items() if y <= year}
    if target.year <= year:
        return None
    if cumulative_annual and target.comparator in CUMULATIVE:
        start = period_start if period_start is not None else target.year - 4
        counted = {y: v for y, v in past.items() if y >= start}
        trend = cumulative_trend(counted, year, target.year, bounds)
        what = "年度值线性趋势外推后累计"
        m = target.year - year
        observed = sum(v for y, v in counted.items() if y <= year)
        value_bounds = (observed + m * bounds[0], observed + m * bounds[1])
        centre = trend.value if trend is not None else 0.0
    else:
        trend = linear_trend(past, target.year, bounds)
        what = "线性趋势外推"
        value_bounds = bounds
        centre = trend.raw if trend is not None and trend.raw is not None else 0.0
        if target.comparator in CUMULATIVE:  # a running total compares like its level
            target = TargetSpec(year=target.year, comparator=LEVEL_OF[target.comparator],
                                value=target.value, tolerance=target.tolerance)
    if trend is None:
        return None
    prob = None
    if trend.sd is not None:
        prob = t_probability(target, centre, trend.sd, trend.df, config, baseline,
                             value_bounds)
    note = (f"，按残差t分布（自由度{trend.df}）估计达标概率" if prob is not None
            else "，不足3个数据点，不估计达标概率")
    if trend.clipped:
        note += f"；外推值超出取值范围，取{_bounds_text(bounds)}"
    method = f"{source}{what}（{trend.points}个数据点，非人口预测{note}）"
    return ForwardLook(target_year=target.year, projected_value=trend.value,
                       probability=prob, method=method, kind=TREND)


def _bounds_text(bounds: Bounds) -> str:
    lo, hi = bounds
    if math.isinf(hi):
        return f"不低于{lo:g}"
    return f"{lo:g}—{hi:g}之间"
