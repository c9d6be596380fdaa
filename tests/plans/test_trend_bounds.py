"""Trend forward look: Student t probabilities checked against closed forms and table
values, and extrapolations clipped to the unit's natural range with the probability of the
censored distribution."""

from __future__ import annotations

import math

import pytest

from renkou.app.demo_reports import demo_values
from renkou.plans import get_plan
from renkou.plans.assessment.forward_look import indicator_forward
from renkou.plans.assessment.reported_trend import (
    UNBOUNDED,
    censored_probability,
    linear_trend,
    t_cdf,
    t_probability,
    trend_forward_look,
    unit_bounds,
)
from renkou.plans.assessment.status import AssessmentConfig, TargetSpec

# -- the t distribution -------------------------------------------------------------------


@pytest.mark.parametrize("t", [-3.0, -1.0, 0.0, 0.5, 1.0, 2.0, 10.0])
def test_one_degree_of_freedom_is_cauchy(t: float) -> None:
    assert t_cdf(t, 1) == pytest.approx(0.5 + math.atan(t) / math.pi, abs=1e-12)
    assert t_cdf(1.0, 1) == pytest.approx(0.75, abs=1e-12)


@pytest.mark.parametrize("t", [-2.5, -0.3, 0.3, 1.0, 4.0])
def test_two_degrees_of_freedom_closed_form(t: float) -> None:
    assert t_cdf(t, 2) == pytest.approx(0.5 + t / (2 * math.sqrt(2 + t * t)), abs=1e-12)


@pytest.mark.parametrize(("df", "t", "p"), [
    # One-sided 95 % and 97.5 % points of t tables (3 decimals, so ±2e-4 in p).
    (5, 2.015, 0.95), (10, 1.812, 0.95), (3, 3.182, 0.975), (20, 2.086, 0.975),
    (30, 1.697, 0.95)])
def test_table_values(df: int, t: float, p: float) -> None:
    assert t_cdf(t, df) == pytest.approx(p, abs=2e-4)
    assert t_cdf(-t, df) == pytest.approx(1 - p, abs=2e-4)


def test_many_degrees_of_freedom_approach_the_normal() -> None:
    assert t_cdf(1.959964, 100_000) == pytest.approx(0.975, abs=1e-4)


# -- the trend uses t with n − 2 degrees of freedom -----------------------------------------

# The hand-worked line of test_reported_trend: 4 points, ŷ(2025) = 6.6, se² = 4.995.
HISTORY = {2020: 1.0, 2021: 3.0, 2022: 2.0, 2023: 5.0}
SE_2025 = math.sqrt(4.995)


def test_trend_probability_is_student_t_with_n_minus_2_df() -> None:
    f = trend_forward_look(HISTORY, TargetSpec(2025, "ge", 6.6 + SE_2025), 2023)
    assert f is not None and f.probability is not None
    # 1 − T₂(1) = 0.5 − 1/(2√3) = 0.211325 (the normal would say 0.158655).
    assert f.probability == pytest.approx(0.5 - 1 / (2 * math.sqrt(3)), abs=1e-9)
    assert "t分布" in f.method and "自由度2" in f.method


def test_three_points_give_a_cauchy_probability() -> None:
    history = {2021: 1.0, 2022: 3.0, 2023: 2.0}
    t = linear_trend(history, 2025)
    assert t is not None and t.sd is not None and t.df == 1
    f = trend_forward_look(history, TargetSpec(2025, "ge", t.value + t.sd), 2023)
    assert f is not None and f.probability == pytest.approx(0.25, abs=1e-9)
    assert trend_forward_look({2022: 1.0, 2023: 2.0}, TargetSpec(2025, "ge", 1.0),
                              2023).probability is None  # type: ignore[union-attr]


# -- bounds ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("unit", "name", "bounds"), [
    ("%", "新生儿疾病筛查率", (0.0, 100.0)),
    ("%", "常住人口城镇化率", (0.0, 100.0)),
    ("%", "总抚养比", (0.0, math.inf)),
    ("%", "居民人均可支配收入增长率", UNBOUNDED),
    ("%", "户籍人口五年增长率", UNBOUNDED),
    ("‰", "出生缺陷发生率", (0.0, math.inf)),
    ("‰", "人口自然增长率", UNBOUNDED),
    ("1/10万", "孕产妇死亡率", (0.0, math.inf)),
    ("万人", "城镇新增就业", (0.0, math.inf)),
    ("万人", "户籍人口净增长", UNBOUNDED),
    ("万人", "人口机械增长水平（净迁入）", UNBOUNDED),
    ("人", "评定专业技术职称人数", (0.0, math.inf)),
    ("", "总和生育率", (0.0, math.inf)),
])
def test_unit_bounds(unit: str, name: str, bounds: tuple[float, float]) -> None:
    assert unit_bounds(unit, name) == bounds


def test_every_plan_unit_is_classified() -> None:
    """A unit the plans use but unit_bounds does not know would silently stay unbounded."""
    from renkou.plans import list_plans

    for plan in list_plans():
        for ind in plan.indicators:
            lo, _hi = unit_bounds(ind.unit, ind.name_zh)
            changes = any(w in ind.name_zh for w in ("增长", "净"))
            assert (lo == -math.inf) == changes, (ind.code, ind.unit, ind.name_zh)


def test_chongqing_screening_rate_stays_within_100_per_cent() -> None:
    """CQ30-QUA-05 (新生儿疾病筛查率, %): the demo reports rise towards 100; the 2030 line
    went to 102.69 before clipping."""
    plan = get_plan("chongqing-2016-2030")
    ind = next(i for i in plan.indicators if i.code == "CQ30-QUA-05")
    values = demo_values(plan.code).reported[ind.code]
    target = TargetSpec.from_model(ind.target_for(2030))  # type: ignore[arg-type]
    raw = linear_trend(values, 2030)
    assert raw is not None and raw.value > 100  # the line itself overshoots
    f = indicator_forward(ind, target, 2024, projection=None, values=values, stated={},
                          config=AssessmentConfig(), baseline=values[2015])
    assert f is not None and f.kind == "trend"
    assert f.projected_value == pytest.approx(100.0)
    assert "取0—100之间" in f.method
    assert f.probability is not None and 0.5 < f.probability <= 1.0


def test_clipped_probability_is_that_of_the_censored_distribution() -> None:
    history = {2020: 96.0, 2021: 97.0, 2022: 99.0, 2023: 99.5}
    t = linear_trend(history, 2027)
    assert t is not None and t.raw is not None and t.sd is not None and t.raw > 100
    bounds = (0.0, 100.0)
    clipped = linear_trend(history, 2027, bounds)
    assert clipped is not None and clipped.value == 100.0 and clipped.clipped
    # "≥ 100 %": the mass above 100 sits on 100, so P = P(raw ≥ 100) under t(2).
    ge = TargetSpec(2027, "ge", 100.0)
    expected = 1 - t_cdf((100.0 - t.raw) / t.sd, 2)
    assert t_probability(ge, t.raw, t.sd, 2, bounds=bounds) == pytest.approx(expected)
    f = trend_forward_look(history, ge, 2023, bounds=bounds)
    assert f is not None and f.probability == pytest.approx(expected)
    # "100 % 左右 (±1)": the band reaches past the bound, so it holds all mass above 99.
    band = TargetSpec(2027, "approx", 100.0, tolerance=0.01)
    assert t_probability(band, t.raw, t.sd, 2, bounds=bounds) == pytest.approx(
        1 - t_cdf((99.0 - t.raw) / t.sd, 2))
    # Above the upper bound nothing can be reached; "≥ 0" is certain.
    assert t_probability(TargetSpec(2027, "ge", 100.5), t.raw, t.sd, 2,
                         bounds=bounds) == 0.0
    assert t_probability(TargetSpec(2027, "ge", 0.0), t.raw, t.sd, 2, bounds=bounds) == 1.0


def test_falling_rate_stops_at_zero() -> None:
    history = {2021: 3.0, 2022: 1.9, 2023: 1.1}  # 出生缺陷发生率 ‰, falling ~0.95 a year
    f = trend_forward_look(history, TargetSpec(2026, "decrease"), 2023, baseline=3.0,
                           bounds=unit_bounds("‰", "出生缺陷发生率"))
    assert f is not None and f.projected_value == 0.0
    assert "不低于0" in f.method
    # "降低" from 3 ‰: P(X < 3) with the atom at 0 counted as below 3.
    t = linear_trend(history, 2026)
    assert t is not None and t.raw is not None and t.sd is not None
    assert f.probability == pytest.approx(t_cdf((3.0 - t.raw) / t.sd, 1))
    # A "≤ 0" target is met exactly by the mass at the bound.
    le0 = censored_probability(TargetSpec(2026, "le", 0.0), t.raw, t.sd,
                               lambda z: t_cdf(z, 1), bounds=(0.0, math.inf))
    assert le0 == pytest.approx(t_cdf((0.0 - t.raw) / t.sd, 1))


def test_cumulative_counts_clip_each_future_year() -> None:
    annual = {2021: 300.0, 2022: 210.0, 2023: 100.0}  # falling fast: line < 0 from 2025
    target = TargetSpec(2026, "cumulative_ge", 700.0, period_start=2021)
    free = trend_forward_look(annual, target, 2023, cumulative_annual=True, period_start=2021)
    bounded = trend_forward_look(annual, target, 2023, cumulative_annual=True,
                                 period_start=2021, bounds=(0.0, math.inf))
    assert free is not None and bounded is not None
    assert free.projected_value is not None and bounded.projected_value is not None
    line = linear_trend(annual, 2024)
    assert line is not None
    # 2024 is still positive; 2025 and 2026 are clipped to 0.
    assert bounded.projected_value == pytest.approx(610.0 + line.value)
    assert free.projected_value < bounded.projected_value


def test_a_trend_value_meeting_the_target_is_no_warning() -> None:
    """XQ14-SRV-11 (医养结合服务覆盖率 ≥ 100 %): demo reports 60 (2020) and 92 (2024); the
    two-point line reaches 100 in 2025 — that meets the target, so it is not listed just
    because two points give no probability. A line short of 100 still is."""
    from renkou.plans.assessment.plan import PlanAssessment
    from renkou.plans.assessment.status import ForwardLook, assess_series
    from renkou.plans.assessment.warnings import warning_list

    plan = get_plan("xiqing-14th")
    ind = next(i for i in plan.indicators if i.code == "XQ14-SRV-11")
    specs = [TargetSpec.from_model(t) for t in ind.assessed_targets()]

    def listed(projected: float) -> bool:
        a = assess_series(code=ind.code, name=ind.name_zh, unit=ind.unit, targets=specs,
                          baselines={2020: 60.0}, values={2020: 60.0, 2024: 92.0},
                          year=2024, kind="reported", category=ind.category,
                          forward=ForwardLook(2025, projected, None, kind="trend"))
        assert a is not None and a.status != "已达标"
        pa = PlanAssessment(plan=plan, year=2024, area=plan.area_code, assessments=(a,),
                            monitored=(), series={}, baselines={},
                            computed_baselines=frozenset(), errors={})
        return any(w.indicator_code == ind.code for w in warning_list(pa))

    assert not listed(100.0)
    assert listed(96.0)
