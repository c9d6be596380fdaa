"""Status rule of plan indicators: hand-built cases with the values from the Tianjin plan."""

from __future__ import annotations

import pytest

from renkou.plans.assessment.status import (
    LAGGING,
    MET,
    MISSED,
    NO_DATA,
    ON_TRACK,
    AssessmentConfig,
    TargetSpec,
    assess_series,
    assess_value,
    expected_on_path,
    meets,
    pick_target,
    probability_of_meeting,
    target_text,
)

# 户籍人口人均预期寿命: 81.91 (2020) → 82.38 (2025), comparator ≥.
E0 = TargetSpec(year=2025, comparator="ge", value=82.38)
# 婴儿死亡率 ≤ 5‰ (baseline "6‰以下" — take 6 as the stated bound).
IMR = TargetSpec(year=2025, comparator="le", value=5.0)
POP = TargetSpec(year=2025, comparator="approx", value=1500.0)
SRB = TargetSpec(year=2025, comparator="range", low=103.0, high=107.0)
JOBS = TargetSpec(year=2025, comparator="cumulative_ge", value=175.0)


def test_linear_path_midpoint() -> None:
    # Two of five years elapsed: 40 % of the 0.47-year rise expected.
    assert expected_on_path(2020, 81.91, E0, 2022) == pytest.approx(81.91 + 0.47 * 0.4)


def test_on_track_and_lagging_for_ge() -> None:
    s, _, _exp, prog, share = assess_value(E0, 2022, 82.10, baseline_year=2020,
                                          baseline_value=81.91)
    assert s == ON_TRACK and share == pytest.approx(0.4)
    assert prog == pytest.approx((82.10 - 81.91) / 0.47)
    s, reason, *_ = assess_value(E0, 2022, 81.95, baseline_year=2020, baseline_value=81.91)
    assert s == LAGGING and "落后" in reason
    s, reason, *_ = assess_value(E0, 2022, 81.80, baseline_year=2020, baseline_value=81.91)
    assert s == LAGGING and "反向" in reason


def test_lag_tolerance_is_the_boundary() -> None:
    cfg = AssessmentConfig(lag_tolerance=0.10)
    # Expected progress 40 %; 0.9 × 40 % = 36 % is the threshold.
    just_ok = 81.91 + 0.47 * 0.361
    just_short = 81.91 + 0.47 * 0.359
    assert assess_value(E0, 2022, just_ok, baseline_year=2020, baseline_value=81.91,
                        config=cfg)[0] == ON_TRACK
    assert assess_value(E0, 2022, just_short, baseline_year=2020, baseline_value=81.91,
                        config=cfg)[0] == LAGGING
    strict = AssessmentConfig(lag_tolerance=0.0)
    assert assess_value(E0, 2022, just_ok, baseline_year=2020, baseline_value=81.91,
                        config=strict)[0] == LAGGING


def test_le_target_decreasing_path() -> None:
    assert assess_value(IMR, 2023, 4.8, baseline_year=2020, baseline_value=6.0)[0] == MET
    assert assess_value(IMR, 2023, 5.4, baseline_year=2020, baseline_value=6.0)[0] == ON_TRACK
    assert assess_value(IMR, 2023, 5.9, baseline_year=2020, baseline_value=6.0)[0] == LAGGING
    assert assess_value(IMR, 2025, 5.2, baseline_year=2020, baseline_value=6.0)[0] == MISSED


def test_approx_tolerance_default_and_configurable() -> None:
    # Plans' default ±1 %: 1500 ± 15.
    assert meets(POP, 1486.0) and not meets(POP, 1484.0)
    wide = AssessmentConfig(approx_rel_tolerance=0.05)
    assert meets(POP, 1430.0, wide)
    stated = TargetSpec(year=2025, comparator="approx", value=1500.0, tolerance=0.01)
    assert not meets(stated, 1480.0, wide)
    assert "±15" in target_text(POP, "万人")


def test_approx_overshoot_is_a_warning_and_final_miss() -> None:
    s, reason, *_ = assess_value(POP, 2023, 1560.0, baseline_year=2020, baseline_value=1386.6)
    assert s == LAGGING and "超出" in reason
    assert assess_value(POP, 2025, 1390.0, baseline_year=2020, baseline_value=1386.6)[0] == MISSED


def test_range_target() -> None:
    assert assess_value(SRB, 2022, 106.0)[0] == MET
    assert assess_value(SRB, 2022, 108.5, baseline_year=2020, baseline_value=110.0)[0] in (
        ON_TRACK, LAGGING)
    assert assess_value(SRB, 2025, 108.5)[0] == MISSED


def test_cumulative_target_uses_sums() -> None:
    values = {2021: 36.0, 2022: 35.0}  # 71 of 175 after 2 of 5 years (expected 70)
    a = assess_series(code="jobs", name="城镇新增就业", unit="万人", targets=[JOBS],
                      baselines={}, values=values, year=2022, period_start=2021)
    assert a is not None and a.status == ON_TRACK
    assert a.assessed_value == pytest.approx(71.0) and a.expected_value == pytest.approx(70.0)
    slow = {2021: 20.0, 2022: 20.0}
    b = assess_series(code="jobs", name="城镇新增就业", unit="万人", targets=[JOBS],
                      baselines={}, values=slow, year=2022, period_start=2021)
    assert b is not None and b.status == LAGGING
    done = {y: 36.0 for y in range(2021, 2026)}
    c = assess_series(code="jobs", name="x", unit="万人", targets=[JOBS], baselines={},
                      values=done, year=2025, period_start=2021)
    assert c is not None and c.status == MET


def test_missing_value_is_no_data() -> None:
    a = assess_series(code="e0", name="预期寿命", unit="岁", targets=[E0],
                      baselines={2020: 81.91}, values={}, year=2023)
    assert a is not None and a.status == NO_DATA


def test_pick_target_prefers_next_target_year() -> None:
    t2020 = TargetSpec(year=2020, comparator="approx", value=3200.0)
    t2030 = TargetSpec(year=2030, comparator="approx", value=3600.0)
    assert pick_target([t2030, t2020], 2019) is t2020
    assert pick_target([t2030, t2020], 2024) is t2030
    assert pick_target([t2030, t2020], 2031) is t2030


def test_probability_of_meeting() -> None:
    samples = [82.0, 82.5, 82.4, 82.3]
    assert probability_of_meeting(E0, samples) == pytest.approx(0.5)


def test_directional_and_each_year_targets() -> None:
    up = TargetSpec(year=2025, comparator="increase")
    assert assess_value(up, 2023, 30.0, baseline_year=2020, baseline_value=29.3)[0] == MET
    assert assess_value(up, 2023, 29.0, baseline_year=2020, baseline_value=29.3)[0] == LAGGING
    assert assess_value(up, 2025, 29.0, baseline_year=2020, baseline_value=29.3)[0] == MISSED
    keep = TargetSpec(year=2025, comparator="range", low=103.0, high=107.0, period_start=2021,
                      each_year=True)
    assert assess_value(keep, 2023, 108.0, baseline_year=2020, baseline_value=106.0)[0] == (
        MISSED)


def test_relative_tolerance_from_plan_target() -> None:
    t = TargetSpec(year=2025, comparator="approx", value=135.0, tolerance=0.02)
    assert meets(t, 132.4) and not meets(t, 132.2)  # ±2.7


def test_net_change_values_are_not_summed() -> None:
    net = TargetSpec(year=2025, comparator="cumulative_ge", value=80.0, period_start=2021)
    a = assess_series(code="hk", name="户籍人口净增长", unit="万人", targets=[net],
                      baselines={}, values={2021: 15.0, 2022: 33.0}, year=2022,
                      values_are_cumulative=True)
    assert a is not None and a.assessed_value == pytest.approx(33.0)
    assert a.status == ON_TRACK  # 41 % of 80 after 40 % of the period


def test_plan_assessment_on_hand_built_data(tianjin) -> None:  # type: ignore[no-untyped-def]
    """The whole Tianjin plan on the even-age fake city: computed indicators get values and
    statuses, group indicators use their group, reported ones without reports are 数据不足."""
    from renkou.plans.assessment.plan import assess_plan, assessment_frame
    from renkou.plans.assessment.projection_bridge import project_area

    from .fakes import FakeData

    data = FakeData()
    proj = project_area(data, "120000", 2024, 2025, trajectories=50)
    pa = assess_plan(tianjin, 2024, data=data, projection=proj)
    a = pa.by_code()
    # 常住人口 1386.6万 vs 1500左右 (±1 %): constant population → lagging, forecast 1386.6.
    pop = a["TJ14-POP-01"]
    assert pop.value == pytest.approx(1386.6009, abs=1e-3)
    assert pop.status == LAGGING and "TJ14-POP-01" in pa.computed_baselines
    assert pop.forward is not None and pop.forward.projected_value == pytest.approx(1386.6, abs=1)
    assert pop.forward.probability is not None and pop.forward.probability < 0.05
    # SRB 105 within 103~107 → met; central-city share from census weights 29.26 vs 29.3 → met.
    assert a["TJ14-STR-01"].status == MET
    assert a["TJ14-DST-02"].status == MET
    assert a["TJ14-SRV-01"].status == NO_DATA  # reported, nothing reported
    frame = assessment_frame(pa)
    assert len(frame) == len(tianjin.indicators)
    assert set(frame["评估结论"]) <= {MET, ON_TRACK, LAGGING, MISSED, NO_DATA, "仅监测"}


def test_stationary_projection_stays_put() -> None:
    from renkou.plans.assessment.projection_bridge import project_area

    from .fakes import FakeData

    p = project_area(FakeData(), "120000", 2024, 2030, trajectories=0)
    # Even ages with births = deaths-consistent residual migration: the total holds to 0.1 %.
    assert p.value("resident_population", 2030) == pytest.approx(1386.6, rel=1e-3)
    assert p.value("tfr", 2030) == pytest.approx(2.1)


def test_warning_list_ranks_missed_before_lagging() -> None:
    from renkou.plans.assessment.plan import PlanAssessment
    from renkou.plans.assessment.status import ForwardLook
    from renkou.plans.assessment.warnings import ORANGE, RED, warning_list

    def make(code: str, value: float, year: int, prob: float | None):  # type: ignore[no-untyped-def]
        return assess_series(code=code, name=code, unit="岁", targets=[E0],
                             baselines={2020: 81.91}, values={year: value}, year=year,
                             category="素质", departments=("市卫生健康委",),
                             forward=ForwardLook(2025, 82.0, prob))

    missed = make("A", 81.5, 2025, None)
    lagging = make("B", 81.95, 2023, 0.2)
    fine = make("C", 82.2, 2023, 0.9)
    pa = PlanAssessment(plan=None, year=2023, area="120000",  # type: ignore[arg-type]
                        assessments=(lagging, fine, missed), monitored=(), series={},
                        baselines={}, computed_baselines=frozenset(), errors={})
    w = warning_list(pa)
    assert [x.indicator_code for x in w] == ["A", "B"]
    assert w[0].level == RED and w[1].level in (RED, ORANGE)
    assert any("20%" in r for r in w[1].reasons)
    assert "市卫生健康委" in w[0].suggestion
