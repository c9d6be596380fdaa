"""Each plan computes on a store of its own jurisdiction: the plan's area is the
jurisdiction, its area groups are the jurisdiction's, and on a small synthetic Chongqing
store every registry-computed indicator of the Chongqing plan has a value."""

from __future__ import annotations

from pathlib import Path

import pytest

from renkou.app.sample import plan_sample
from renkou.jurisdictions import get_jurisdiction, jurisdiction_of_plan
from renkou.plans import (
    FORMULAS,
    NO_DATA,
    FormulaContext,
    compute,
    evaluate_registry,
    get_plan,
    group_area,
    indicator_area,
    is_computable,
    list_plans,
    resolve,
)
from renkou.plans.assessment.group_projection import GROUP_SHARES
from renkou.registry import Registry


@pytest.mark.parametrize("plan", [p.code for p in list_plans()])
def test_plan_area_and_groups_are_its_jurisdictions(plan: str) -> None:
    p = get_plan(plan)
    jurisdiction = jurisdiction_of_plan(plan)
    assert p.area_code == jurisdiction.code
    for ind in p.computed_indicators():
        if ind.area_group:
            assert ind.area_group in jurisdiction.groups, ind.code
            assert indicator_area(p, ind) == group_area(ind.area_group)
        if is_computable(ind.formula):
            group = GROUP_SHARES.get(resolve(ind.formula or ""))
            assert group is None or group in jurisdiction.groups, ind.code


def test_group_share_formulas_name_groups_of_a_jurisdiction() -> None:
    groups = {g for key in ("tianjin", "chongqing") for g in get_jurisdiction(key).groups}
    assert set(GROUP_SHARES.values()) <= groups
    assert all(formula in FORMULAS for formula in GROUP_SHARES)


@pytest.fixture(scope="module")
def chongqing_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from renkou.registry.synth import build_demo_store

    db = tmp_path_factory.mktemp("chongqing") / "cq.duckdb"
    build_demo_store(db, 3_000, 5, jurisdiction="chongqing")
    return db


@pytest.mark.slow
def test_chongqing_plan_computes_on_a_chongqing_store(chongqing_store: Path) -> None:
    plan = get_plan("chongqing-2016-2030")
    registry = Registry(chongqing_store, read_only=True)
    try:
        assert registry.jurisdiction().key == "chongqing" and registry.provenance().synthetic
        sample = plan_sample(registry, plan)
        pa = evaluate_registry(registry, plan, 2020, data=sample, trajectories=20)
        computed = [i for i in plan.computed_indicators() if is_computable(i.formula)]
        assert pa.uncovered is None and len(computed) >= 15
        for ind in computed:
            assert ind.code not in pa.errors, (ind.code, pa.errors.get(ind.code))
            assert pa.series[ind.code].get(2020) is not None, ind.code
        assert all(a.status != NO_DATA for a in pa.assessments
                   if a.indicator_code in {i.code for i in computed})
        # Totals read as Chongqing's (32 million residents, census-scaled), rates as rates.
        assert pa.series["CQ30-POP-02"][2020] == pytest.approx(3205, rel=0.05)
        assert 50 < pa.series["CQ30-DST-01"][2020] < 90  # urbanisation, %
        assert 70 < pa.series["CQ30-QUA-02"][2020] < 90  # life expectancy, years
        # The forward look reaches the plan's 2030 targets.
        assert pa.projection is not None and int(pa.projection.years[-1]) >= 2030
        assert pa.projection.covers("hukou_population")
        # 主城区 share: a group of the store's jurisdiction, between 0 and 100 %.
        main = compute(sample, "main_urban_share", plan.area_code, 2020, FormulaContext())
        assert 10 < main.value < 90
    finally:
        registry.close()
