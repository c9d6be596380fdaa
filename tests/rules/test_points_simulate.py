"""Simulating a change: who is admitted instead, composition, settled inflow and its effect
on the 户籍 population through the cohort-component projection."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from renkou.errors import InputError
from renkou.jurisdictions import get_jurisdiction
from renkou.rules.points.applicants import generate_applicants
from renkou.rules.points.columns import ApplicantTable, parse_applicants
from renkou.rules.points.inflow import hukou_effect, settled_inflow
from renkou.rules.points.loader import load_scheme
from renkou.rules.points.simulate import DIMENSIONS, simulate

AS_OF = dt.date(2021, 12, 31)
KEY = b"sim-test"


@pytest.fixture(scope="module")
def pool() -> ApplicantTable:
    table, _ = parse_applicants(generate_applicants(8000, seed=9, as_of=AS_OF))
    return table


def test_same_quota_swaps_one_for_one(pool: ApplicantTable) -> None:
    scheme = load_scheme().with_changes({"quota": 1500}, AS_OF)
    sim = simulate(pool, scheme, AS_OF, {"education.points.associate": 45},
                   pseudonym_key=KEY)
    assert sim.baseline.n_admitted == sim.changed.n_admitted == 1500
    assert sim.admitted_instead.size == sim.displaced.size > 0
    assert not set(sim.admitted_instead) & set(sim.displaced)
    edu = pool.categories["education"]
    associate = 4  # index of "associate" in the documented levels
    # raising 大专 can only bring in 大专 holders
    assert np.all(edu[sim.admitted_instead] == associate)
    assert np.all(edu[sim.displaced] != associate)
    comp = sim.composition()
    for dim in DIMENSIONS:
        part = comp[comp["维度 dimension"] == dim]
        assert part["调整前获准 baseline_admitted"].sum() == 1500
        assert part["新增获准 admitted_instead"].sum() == sim.admitted_instead.size
        assert part["净变化 net_change"].sum() == 0
    people = sim.people("admitted_instead")
    assert (people["调整后排名 changed_rank"] <= 1500).all()
    assert (people["调整前排名 baseline_rank"] > 1500).all()


def test_quota_change_moves_the_target_comparison(pool: ApplicantTable) -> None:
    scheme = load_scheme().with_changes({"quota": 1000}, AS_OF)
    sim = simulate(pool, scheme, AS_OF, {"quota": 1600}, pseudonym_key=KEY)
    assert sim.displaced.size == 0 and sim.admitted_instead.size == 600
    (t,) = sim.targets
    # settlements every year 2021–2025 at the quota, against 800 000
    assert t.baseline == 5 * 1000 and t.changed == 5 * 1600
    assert t.changed_share == pytest.approx(8000 / 800_000)
    summary = sim.summary()
    assert "80万人" in " ".join(summary["项目 item"])


def test_inflow_array_matches_the_admitted(pool: ApplicantTable) -> None:
    scheme = load_scheme().with_changes({"quota": 700}, AS_OF)
    from renkou.rules.points.rank import rank
    from renkou.rules.points.score import score

    ranked = rank(score(pool, scheme, AS_OF, explain=False), pseudonym_key=KEY)
    inflow = settled_inflow(ranked, 2020, 2030, settle_years=(2021, 2022, 2023))
    assert inflow.array.shape == (10, 16, 2, 101)
    per_year = inflow.array.sum(axis=(1, 2, 3))
    assert list(per_year) == [0, 700, 700, 700, 0, 0, 0, 0, 0, 0]
    idx = np.flatnonzero(ranked.admitted)
    women = int((pool.sex[idx] == 1).sum())
    assert inflow.array[1, :, 1, :].sum() == women
    binhai = get_jurisdiction("tianjin").area_codes.index("120116")
    assert inflow.array[1, binhai].sum() == int((np.array(pool.district_codes)[
        pool.district[idx]] == "120116").sum())
    ages = ranked.score.age[idx]
    assert inflow.array[1].sum(axis=(0, 1))[ages.min()] > 0
    frame = inflow.frame()
    assert frame["settled"].sum() == 2100 and set(frame["year"]) == {2021, 2022, 2023}
    assert inflow.total(2021, 2025) == 2100 and inflow.total(2024, 2030) == 0
    with pytest.raises(InputError):
        settled_inflow(ranked, 2020, 2030, settle_years=(2035,))
    doubled = settled_inflow(ranked, 2020, 2030, settle_years=(2021,), accompanying=1.0)
    assert doubled.total(2021, 2021) == 1400


def _projection_inputs(base: int, end: int, regions: int):  # type: ignore[no-untyped-def]
    from renkou.demography import projection

    y, a = end - base, 101
    pop = np.full((regions, 2, a), 1000.0)
    asfr = np.full((y, regions, projection.N_FERTILE), 0.04)
    mx = np.full((y, regions, 2, a), 0.01)
    srb = np.full((y, regions), 1.06)
    codes = tuple(d.code for d in get_jurisdiction("tianjin").areas)
    return projection.ProjectionInputs(base_year=base, end_year=end, population=pop,
                                       asfr=asfr, mx=mx, srb=srb, region_codes=codes)


def test_hukou_effect_through_the_projection(pool: ApplicantTable) -> None:
    inputs = _projection_inputs(2020, 2030, 16)
    scheme = load_scheme().with_changes({"quota": 1000}, AS_OF)
    from renkou.rules.points.rank import rank
    from renkou.rules.points.score import score

    ranked = rank(score(pool, scheme, AS_OF, explain=False), pseudonym_key=KEY)
    inflow = settled_inflow(ranked, 2020, 2030, settle_years=(2021, 2022, 2023, 2024, 2025))
    effect = hukou_effect(inputs, inflow)
    diff = effect.difference
    years = list(effect.years)
    assert diff[years.index(2021)] == pytest.approx(0.0)
    # one year after the first settlements: 1 000 people, less half a year of 1 % mortality,
    # plus births to the settled women in half a year (ASFR 0.04) — within 3 %.
    assert diff[years.index(2022)] == pytest.approx(1000, rel=0.03)
    # by 2026 all 5 000 have settled; births outweigh deaths at these rates
    assert diff[years.index(2026)] > 5000 * 0.97
    assert np.all(np.diff(diff[years.index(2021):years.index(2026) + 1]) > 0)


def test_hukou_effect_checks_the_years(pool: ApplicantTable) -> None:
    inputs = _projection_inputs(2020, 2030, 16)
    from renkou.rules.points.rank import rank
    from renkou.rules.points.score import score

    ranked = rank(score(pool, load_scheme(), AS_OF, explain=False), pseudonym_key=KEY)
    with pytest.raises(InputError, match="不一致"):
        hukou_effect(inputs, settled_inflow(ranked, 2020, 2035))
