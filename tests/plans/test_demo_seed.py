"""Demo data of all three plans (示范数据) and the assessment of a plan whose area the store
does not hold (the Chongqing plan on the Tianjin-like demo city)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from renkou.app.demo_reports import (
    DEMO_FILE,
    DEMO_SOURCE,
    demo_plans,
    demo_values,
    seed_demo_plans,
    seed_demo_reports,
)
from renkou.plans import get_plan
from renkou.plans.assessment.coverage import UncoveredArea, uncovered_reason
from renkou.plans.assessment.plan import assess_plan
from renkou.plans.assessment.tasks import load_records
from renkou.plans.model.plan import CUMULATIVE
from renkou.plans.storage import FACILITIES, REPORTED, TASK_PROGRESS, read_app
from renkou.regions import gazetteer

from .fakes import CensusRegistry

# Being turned into computed indicators by another change: they must get no reported demo.
NOT_REPORTED = {"XQ14-POP-07", "XQ14-POP-08", "CQ30-POP-06"}




@pytest.fixture(scope="module")
def seeded() -> CensusRegistry:
    reg = CensusRegistry()
    seed_demo_plans(reg, 2024)  # type: ignore[arg-type]
    return reg


@pytest.mark.parametrize("code", demo_plans())
def test_demo_values_are_reported_indicators_of_their_plan(code: str) -> None:
    plan = get_plan(code)
    reported = {i.code: i for i in plan.reported_indicators()}
    demo = demo_values(code)
    assert demo.reported, f"{code}: no demo values"
    unknown = set(demo.reported) - set(reported)
    assert not unknown, f"{code}: not reported indicators of the plan: {unknown}"
    assert not NOT_REPORTED & set(demo.reported)
    for ind_code, by_year in demo.reported.items():
        unit = reported[ind_code].unit
        for year, value in by_year.items():
            assert plan.period_start - 1 <= year <= plan.period_end, (ind_code, year)
            assert value >= 0, (ind_code, year)
            if unit == "%":
                assert value <= 100, (ind_code, year)


def test_xiqing_title_counts_add_up() -> None:
    """专业技术职称 = 高级 + 中级 + 初级, year by year (the plan states the same split)."""
    r = demo_values("xiqing-14th").reported
    for year, total in r["XQ14-EDU-08"].items():
        parts = sum(r[c][year] for c in ("XQ14-EDU-09", "XQ14-EDU-10", "XQ14-EDU-11"))
        assert parts == pytest.approx(total, abs=1e-9), year


def test_seed_labels_every_row_and_covers_every_plan(seeded: CensusRegistry) -> None:
    values = read_app(seeded, REPORTED)
    assert set(values["plan"]) == set(demo_plans())
    assert (values["source_note"] == DEMO_SOURCE).all()
    assert (values["source_file"] == DEMO_FILE).all()
    assert values["year"].max() == 2024
    progress = read_app(seeded, TASK_PROGRESS)
    assert (progress["source"] == DEMO_SOURCE).all()
    assert progress["evidence"].str.startswith("示范数据").all()
    for code in demo_plans():
        plan = get_plan(code)
        mine = values[values["plan"] == code]
        assert (mine["area"] == plan.area_code).all()
        records = load_records(seeded, code)
        assert records, code
        assert {r.task_code for r in records} <= {t.code for t in plan.tasks}
        # Departments are the plan's own (a Chongqing task is not reported by Tianjin's 发改委).
        own = {d for t in plan.tasks for d in t.departments}
        assert {r.department for r in records} <= own, code


def test_seeding_twice_changes_nothing(seeded: CensusRegistry) -> None:
    before = {t: len(read_app(seeded, t)) for t in (REPORTED, TASK_PROGRESS, FACILITIES)}
    seed_demo_plans(seeded, 2024)  # type: ignore[arg-type]
    after = {t: len(read_app(seeded, t)) for t in (REPORTED, TASK_PROGRESS, FACILITIES)}
    assert before == after


def test_seed_for_an_earlier_year_keeps_only_earlier_values() -> None:
    reg = CensusRegistry()
    seed_demo_plans(reg, 2022)  # type: ignore[arg-type]
    values = read_app(reg, REPORTED)
    assert values["year"].max() == 2022
    progress = read_app(reg, TASK_PROGRESS)
    years = pd.to_datetime(progress["report_date"]).dt.year
    assert set(years[progress["plan"] != "chongqing-2016-2030"]) == {2022}
    # Chongqing also reports in 2020, the year of its first targets.
    assert set(years[progress["plan"] == "chongqing-2016-2030"]) == {2020, 2022}


def test_childcare_places_follow_the_district_population(seeded: CensusRegistry) -> None:
    fac = read_app(seeded, FACILITIES)
    xiqing = fac[fac["area"] == "120111"].set_index("year")["value"]
    census = gazetteer().regions["120111"].census2020
    assert census
    rate = demo_values("xiqing-14th").childcare_per_1000[2024]
    assert xiqing[2024] == round(rate * census / 1000)
    assert set(fac["area"]) == {"120000", "120111"}  # nobody in Chongqing → no count


def test_xiqing_demo_gives_a_mix_of_statuses(seeded: CensusRegistry) -> None:
    plan = get_plan("xiqing-14th")
    pa = assess_plan(plan, 2024, store=seeded)
    statuses = {a.indicator_code: a.status for a in pa.assessments if a.kind == "reported"}
    # The cumulative title counts: 4780 of 6000 after four of five years is on track,
    # 830 of 1200 senior titles lags (69 % < 80 % × 0.9).
    assert statuses["XQ14-EDU-08"] == "进度正常"
    assert statuses["XQ14-EDU-09"] == "进度滞后（预警）"
    assert any(t.comparator in CUMULATIVE for t in
               next(i for i in plan.indicators if i.code == "XQ14-EDU-08").targets)
    assert {"已达标", "进度正常", "进度滞后（预警）"} <= set(statuses.values())


def test_uncovered_area_says_why_instead_of_computing(seeded: CensusRegistry) -> None:
    assert uncovered_reason(seeded, "120111", 2024) is None  # type: ignore[arg-type]
    reason = uncovered_reason(seeded, "500000", 2024)  # type: ignore[arg-type]
    assert reason is not None and "重庆市（500000）" in reason
    plan = get_plan("chongqing-2016-2030")
    pa = assess_plan(plan, 2024, data=UncoveredArea(reason),  # type: ignore[arg-type]
                     store=seeded)
    computed = [a for a in pa.assessments if a.kind == "computed"]
    assert computed
    for a in computed:
        assert a.status == "数据不足" and a.value is None and reason in a.reason, a
    assert all(m.value is None for m in pa.monitored
               if m.indicator_code in {i.code for i in plan.computed_indicators()})
    reported = {a.indicator_code: a for a in pa.assessments if a.kind == "reported"}
    assert reported["CQ30-QUA-05"].status == "已达标"
    assert reported["CQ30-QUA-05"].value == demo_values(plan.code).reported["CQ30-QUA-05"][2024]


def test_seed_replaces_rows_of_an_older_demo_seed() -> None:
    """Stores seeded before the demo file label changed carry source_file "demo_seed"."""
    reg = CensusRegistry()
    seed_demo_plans(reg, 2024)  # type: ignore[arg-type]
    fresh = len(read_app(reg, REPORTED))
    old = read_app(reg, REPORTED).assign(source_file="demo_seed")
    reg.write_table(REPORTED, old, mode="replace")
    seed_demo_plans(reg, 2024)  # type: ignore[arg-type]
    again = read_app(reg, REPORTED)
    assert len(again) == fresh and (again["source_file"] == DEMO_FILE).all()


def test_seeding_follows_the_store_and_keeps_other_plans() -> None:
    """The plans a store serves (Tianjin's and, inside it, Xiqing's) up to the store's last
    full year of data; seeding another plan later leaves theirs in place."""
    reg = CensusRegistry()
    reg.through = dt.date(2024, 6, 30)
    assert seed_demo_reports(reg) == 2023  # type: ignore[arg-type]
    values = read_app(reg, REPORTED)
    assert set(values["plan"]) == {"tianjin-14th", "xiqing-14th"}
    assert values["year"].max() == 2023
    assert (values["source_file"] == DEMO_FILE).all()
    seed_demo_plans(reg, 2023, ("chongqing-2016-2030",))  # type: ignore[arg-type]
    again = read_app(reg, REPORTED)
    assert set(again["plan"]) == {"tianjin-14th", "xiqing-14th", "chongqing-2016-2030"}
    assert len(again[again["plan"] != "chongqing-2016-2030"]) == len(values)
