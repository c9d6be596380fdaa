"""Forward look beyond the resident projection: hukou projection, the joint projection of
district groups, and the trend of reported values — on the even-age fake city, whose
stationary answers are known."""

from __future__ import annotations

import numpy as np
import pytest

from renkou.plans.assessment.forward_look import indicator_forward, plan_projection
from renkou.plans.assessment.group_projection import (
    GROUP_SHARES,
    jurisdiction_parts,
    project_groups,
)
from renkou.plans.assessment.projection_bridge import build_inputs, project_area
from renkou.plans.assessment.status import AssessmentConfig, TargetSpec
from renkou.plans.formulas import engine as ind
from renkou.plans.model.plan import Plan

from .fakes import TIANJIN, TIANJIN_STORE, FakeData


def test_hukou_inputs_use_births_to_hukou_mothers() -> None:
    data = FakeData()
    resident = build_inputs(data, TIANJIN, 2024, 2026)
    hukou = build_inputs(data, TIANJIN, 2024, 2026, caliber="hukou")
    # FakeData: hukou = resident populations and deaths, 60 % of births to hukou mothers.
    np.testing.assert_allclose(hukou.asfr, 0.6 * resident.asfr)
    np.testing.assert_allclose(hukou.mx, resident.mx)
    np.testing.assert_allclose(hukou.population, resident.population)


def test_hukou_projection_continues_the_observed_rates() -> None:
    data = FakeData()
    p = project_area(data, TIANJIN, 2024, 2028, trajectories=0, caliber="hukou")
    # e0 of a constant hazard 0.02 is 50 years; the first projected year's natural increase
    # is the observed one up to the exposure of the step (0.3 ‰).
    assert p.value("life_expectancy_hukou", 2025) == pytest.approx(50.0, abs=1e-6)
    observed = ind.compute(data, "natural_increase_rate_hukou", TIANJIN, 2024).value
    assert p.value("natural_increase_rate_hukou", 2025) == pytest.approx(observed, abs=0.3)
    # Cohort-residual migration keeps the stationary population where it is.
    assert p.value("hukou_population", 2028) == pytest.approx(1386.6, rel=1e-3)
    assert p.value("life_expectancy_hukou", 2024) is None  # a flow has no base-year value


def test_groups_partition_the_city() -> None:
    labels = [label for label, _ in jurisdiction_parts(TIANJIN_STORE)]
    # Every district is in one of the four groups, and each group has its share formula.
    assert sorted(labels) == sorted(TIANJIN_STORE.groups)
    assert set(labels) <= set(GROUP_SHARES.values())


def test_joint_group_projection_keeps_census_shares_and_shares_draws() -> None:
    g = project_groups(FakeData(), TIANJIN_STORE, 2024, 2030, trajectories=60, seed=3)
    # 七普 shares (第七次全国人口普查公报), published to two decimals.
    for formula, census in (("central_city_share", 29.26), ("binhai_share", 14.91),
                            ("ring_districts_share", 28.05), ("outer_districts_share", 27.78)):
        assert g.value(formula, 2030) == pytest.approx(census, abs=0.006)
    assert g.trajectories is not None
    total = sum(g.trajectories[f] for f in GROUP_SHARES if f in g.trajectories)
    np.testing.assert_allclose(total, 100.0)  # shares of one simulated future
    # One fertility draw for the whole city: the groups' TFR moves identically.
    np.testing.assert_allclose(g.trajectories["tfr@central"][:, 1:],
                               g.trajectories["tfr@binhai"][:, 1:])
    spread = g.samples("binhai_share", 2030)
    assert spread is not None and spread.std() > 0.01  # migration shocks move the shares


def test_tianjin_forward_look_covers_hukou_and_groups(tianjin: Plan) -> None:
    from renkou.plans.assessment.plan import assess_plan

    data = FakeData()
    messages: list[str] = []
    proj = plan_projection(data, tianjin, 2024, 2025, trajectories=40,
                           progress=messages.append)
    assert proj is not None and not messages
    pa = assess_plan(tianjin, 2024, data=data, projection=proj)
    a = pa.by_code()
    for code in ("TJ14-POP-02", "TJ14-HLT-01", "TJ14-DST-02", "TJ14-DST-03", "TJ14-DST-04"):
        f = a[code].forward
        assert f is not None and f.kind == "projection", code
        assert f.projected_value is not None and f.probability is not None, code
    # 户籍人口净增长: FakeData's hukou population does not grow → far from 80万.
    net = a["TJ14-POP-02"].forward
    assert net is not None and net.projected_value == pytest.approx(0.0, abs=0.5)
    assert net.probability == 0.0 and "户籍人口" in net.method
    # Hukou e0 50 years against ≥ 82.38.
    e0 = a["TJ14-HLT-01"].forward
    assert e0 is not None and e0.projected_value == pytest.approx(50.0, abs=1e-3)
    assert e0.probability == 0.0
    assert "联合预测" in (a["TJ14-DST-02"].forward.method if a["TJ14-DST-02"].forward else "")


def test_reported_indicator_gets_a_labelled_trend(tianjin: Plan) -> None:
    srv = next(i for i in tianjin.indicators if i.code == "TJ14-SRV-03")  # ≥80 % by 2025
    target = TargetSpec.from_model(srv.assessed_targets()[-1])
    f = indicator_forward(srv, target, 2023, projection=None,
                          values={2021: 74.0, 2022: 76.0, 2023: 78.0}, stated={},
                          config=AssessmentConfig(), baseline=None)
    assert f is not None and f.kind == "trend" and "填报值" in f.method
    assert f.projected_value == pytest.approx(82.0)
    assert f.probability == 1.0  # a perfect line
    nothing = indicator_forward(srv, target, 2023, projection=None, values={},
                                stated={2020: 72.0}, config=AssessmentConfig(),
                                baseline=72.0)
    assert nothing is None  # the plan's baseline alone is not a history


class AnyArea(FakeData):
    """Every area (also outside Tianjin) holds one million people spread evenly."""

    def _pop(self, area: str) -> float:
        return 1e6


def test_chongqing_hukou_indicators_look_forward_to_2030() -> None:
    from renkou.plans.assessment.plan import assess_plan
    from renkou.plans.model.catalog import get_plan

    plan = get_plan("chongqing-2016-2030")
    data = AnyArea()
    proj = plan_projection(data, plan, 2023, 2030, trajectories=20)
    assert proj is not None and proj.covers("hukou_population")
    pa = assess_plan(plan, 2023, data=data, projection=proj)
    hukou = pa.by_code()["CQ30-POP-01"]  # 户籍人口, 2030 target
    assert hukou.target_year == 2030 and hukou.forward is not None
    assert hukou.forward.kind == "projection" and "户籍人口" in hukou.forward.method
    assert hukou.forward.projected_value == pytest.approx(100.0, rel=1e-2)  # 1e6 people
