"""Trend forward look (趋势外推) of reported indicators: the least-squares line, its
prediction error and the normal probability, against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from renkou.plans.assessment.reported_trend import (
    TREND,
    cumulative_trend,
    linear_trend,
    normal_probability,
    trend_forward_look,
)
from renkou.plans.assessment.status import TargetSpec

# Worked by hand: x̄ = 2021.5, ȳ = 2.75, Sxx = 5, Sxy = 5.5 → slope 1.1, ŷ(2025) = 6.6;
# residuals −0.1, 0.8, −1.3, 0.6 → SSR 2.7, s² = 1.35;
# prediction variance at 2025 = 1.35 × (1 + 1/4 + 3.5²/5) = 4.995.
HISTORY = {2020: 1.0, 2021: 3.0, 2022: 2.0, 2023: 5.0}
SD_2025 = math.sqrt(4.995)


def test_line_and_prediction_error_by_hand() -> None:
    t = linear_trend(HISTORY, 2025)
    assert t is not None
    assert t.slope == pytest.approx(1.1)
    assert t.value == pytest.approx(6.6)
    assert t.sd == pytest.approx(SD_2025)
    assert t.points == 4


def test_line_agrees_with_numpy_polyfit() -> None:
    rng = np.random.default_rng(5)
    years = np.arange(2016, 2024)
    values = 3.0 + 0.4 * (years - 2016) + rng.normal(0, 0.3, years.size)
    t = linear_trend(dict(zip(years.tolist(), values.tolist(), strict=True)), 2030)
    b, a = np.polyfit(years, values, 1)
    assert t is not None and t.value == pytest.approx(a + b * 2030, rel=1e-9)


def test_normal_probability_one_sd_above() -> None:
    t = linear_trend(HISTORY, 2025)
    assert t is not None and t.sd is not None
    ge = TargetSpec(year=2025, comparator="ge", value=6.6 + SD_2025)
    # 1 − Φ(1) = 0.158655…
    assert normal_probability(ge, t.value, t.sd) == pytest.approx(0.158655, abs=1e-6)
    le = TargetSpec(year=2025, comparator="le", value=6.6)
    assert normal_probability(le, t.value, t.sd) == pytest.approx(0.5)
    band = TargetSpec(year=2025, comparator="range", low=6.6 - SD_2025, high=6.6 + SD_2025)
    assert normal_probability(band, t.value, t.sd) == pytest.approx(0.682689, abs=1e-6)
    up = TargetSpec(year=2025, comparator="increase")
    assert normal_probability(up, t.value, t.sd, baseline=6.6) == pytest.approx(0.5)
    assert normal_probability(up, t.value, t.sd) is None  # no baseline


def test_two_points_give_a_value_but_no_probability() -> None:
    f = trend_forward_look({2020: 10.0, 2023: 13.0}, TargetSpec(2025, "ge", 14.0), 2023)
    assert f is not None and f.kind == TREND
    assert f.projected_value == pytest.approx(15.0)
    assert f.probability is None
    assert "非人口预测" in f.method and "不足3个数据点" in f.method


def test_one_point_or_a_past_target_gives_nothing() -> None:
    assert trend_forward_look({2023: 1.0}, TargetSpec(2025, "ge", 2.0), 2023) is None
    assert trend_forward_look(HISTORY, TargetSpec(2023, "ge", 2.0), 2023) is None


def test_future_values_are_not_used() -> None:
    with_future = {**HISTORY, 2024: 100.0}
    f = trend_forward_look(with_future, TargetSpec(2025, "ge", 6.6), 2023)
    assert f is not None and f.projected_value == pytest.approx(6.6)
    assert f.probability == pytest.approx(0.5)


def test_cumulative_target_sums_observed_and_trend_years() -> None:
    annual = {2021: 36.9, 2022: 35.5, 2023: 36.2}
    b, a = np.polyfit(list(annual), list(annual.values()), 1)
    expected = sum(annual.values()) + (a + b * 2024) + (a + b * 2025)
    t = cumulative_trend(annual, 2023, 2025)
    assert t is not None and t.value == pytest.approx(expected)
    target = TargetSpec(2025, "cumulative_ge", 175.0, period_start=2021)
    f = trend_forward_look(annual, target, 2023, cumulative_annual=True, period_start=2021)
    assert f is not None and f.projected_value == pytest.approx(expected)
    assert f.probability is not None and 0.0 < f.probability < 1.0
    # The spread of a two-year sum: s² (m + m²/n + (Σ(x_j − x̄))²/Sxx), m = 2, n = 3.
    resid = np.array(list(annual.values())) - (a + b * np.array(list(annual)))
    s2 = float((resid ** 2).sum())  # n − 2 = 1
    spread = (2024 - 2022) + (2025 - 2022)
    assert t.sd == pytest.approx(math.sqrt(s2 * (2 + 4 / 3 + spread ** 2 / 2)))


def test_perfect_line_is_certain() -> None:
    line = {2020: 10.0, 2021: 12.0, 2022: 14.0}
    meet = trend_forward_look(line, TargetSpec(2025, "ge", 19.0), 2022)
    miss = trend_forward_look(line, TargetSpec(2025, "ge", 21.0), 2022)
    assert meet is not None and meet.projected_value == pytest.approx(20.0)
    assert meet.probability == 1.0
    assert miss is not None and miss.probability == 0.0
