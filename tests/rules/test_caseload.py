"""Caseloads and budgets: the rules over a (registry-shaped) population and forward."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from renkou.jurisdictions import get_jurisdiction
from renkou.rules.budget import demo_base, project_base, summarise
from renkou.rules.caseload import base_from_frame, load_assumptions, scheme_costs
from renkou.rules.imputation import PersonBase, gompertz_survival

BASE = dt.date(2024, 12, 31)
TIANJIN = get_jurisdiction("tianjin")


def test_remaining_life_expectancy_at_60_is_plausible() -> None:
    # The assumed Gompertz mortality should reproduce China's remaining life expectancy at 60
    # in UN WPP 2024, 2020–2025 (from its abridged mx: men 19.6, women 23.7 years), ±1.5 years.
    a = load_assumptions().at(BASE)
    e60 = {}
    for sex in ("male", "female"):
        base = PersonBase(np.array(["120101"], dtype=object), np.array([sex], dtype=object),
                          np.array(["1964-12-31"], dtype="datetime64[D]"), np.array([True]))
        years = np.arange(0, 60, 0.25)
        surv = [gompertz_survival(base, BASE, BASE + dt.timedelta(days=365.25 * t), a)[0]
                for t in years]
        e60[sex] = float(np.trapezoid(surv, years))
    assert e60["male"] == pytest.approx(19.6, abs=1.5)
    assert e60["female"] == pytest.approx(23.7, abs=1.5)
    assert e60["female"] > e60["male"]


def test_base_from_registry_frame_keeps_tianjin_hukou_and_imputes_unknown_urban() -> None:
    df = pd.DataFrame({"pseudonym": ["a", "b", "c"], "sex": ["male", "female", "female"],
                       "birth_date": ["1940-01-01", "1950-05-05", "1930-03-03"],
                       "hukou_district": ["120101", None, "120116"],
                       "urban": [True, pd.NA, pd.NA]})
    base, lat = base_from_frame(df, BASE, 1, load_assumptions(), TIANJIN)
    assert base.district.tolist() == ["120101", "120116"]
    assert base.urban[0] and len(lat.u["care"]) == 2


def test_costs_follow_amounts_and_shares() -> None:
    a = load_assumptions()
    base, lat = demo_base(20_000, 3, a, BASE, jurisdiction=TIANJIN)
    when = dt.date(2025, 7, 1)
    costs, groups = scheme_costs("tianjin-home-care", base, lat, when, np.ones(base.n), {}, a)
    total = costs["annual_cost_total"].sum()
    assert total == pytest.approx(costs["annual_cost_city"].sum() * 2)
    # Average annual amount per case lies between 12×200 and 12×600.
    per_case = total / costs["caseload"].sum()
    assert 2400 <= per_case <= 7200
    # Levels partition the caseload; groups overlap so their sum is at least the caseload.
    levels = groups[groups["group"].str.startswith("其中")]["caseload"].sum()
    assert levels == pytest.approx(costs["caseload"].sum())
    meal, _ = scheme_costs("tianjin-meal", base, lat, when, np.ones(base.n), {}, a)
    sub = meal[meal["component"] == "助餐补贴"]
    op = meal[meal["component"] == "老人家食堂运营补贴"]
    # 3 元 and 2 元 a meal, 260 meals a year, 4:6.
    assert sub["annual_cost_total"].sum() == pytest.approx(sub["caseload"].sum() * 3 * 260)
    assert op["annual_cost_total"].sum() == pytest.approx(op["caseload"].sum() * 2 * 260)
    assert sub["annual_cost_city"].sum() == pytest.approx(0.4 * sub["annual_cost_total"].sum())


def test_more_uptake_means_more_meal_cost() -> None:
    base, lat = demo_base(20_000, 4, load_assumptions(), BASE, jurisdiction=TIANJIN)
    when = dt.date(2025, 7, 1)
    low, _ = scheme_costs("tianjin-meal", base, lat, when, np.ones(base.n), {},
                          load_assumptions({"meal_uptake": 0.1}))
    high, _ = scheme_costs("tianjin-meal", base, lat, when, np.ones(base.n), {},
                           load_assumptions({"meal_uptake": 0.3}))
    ratio = high["annual_cost_total"].sum() / low["annual_cost_total"].sum()
    assert ratio == pytest.approx(3.0, rel=0.15)


def test_projection_by_year_adds_up() -> None:
    a = load_assumptions()
    base, lat = demo_base(10_000, 5, a, BASE, jurisdiction=TIANJIN)
    by_district, _ = project_base("family-planning-assistance", base, lat, BASE, 2025, 2027,
                                  {"fp_annual_adjustment_rate": 0.1}, a)
    by_year = summarise(by_district)
    assert by_year["year"].tolist() == [2025, 2026, 2027]
    assert by_year["annual_cost_total"].sum() == pytest.approx(
        by_district["annual_cost_total"].sum())
    # The 10 % adjustment from 2026 raises the cost per case.
    per_case = by_year["annual_cost_total"] / (by_year.filter(like="caseload").sum(axis=1))
    assert per_case.iloc[1] == pytest.approx(per_case.iloc[0] * 1.1, rel=0.02)


def test_scheme_change_costs_exactly_the_changed_amount() -> None:
    from renkou.rules.budget import compare_paths

    a = load_assumptions()
    base, lat = demo_base(10_000, 6, a, BASE, jurisdiction=TIANJIN)
    baseline, groups = project_base("tianjin-home-care", base, lat, BASE, 2025, 2026, {}, a)
    scenario, _ = project_base("tianjin-home-care", base, lat, BASE, 2025, 2026,
                               {"care_amount_severe": 800}, a)
    cmp = compare_paths(baseline, scenario)
    severe = groups[groups["group"] == "其中重度"].groupby("year")["caseload"].sum()
    change = cmp.groupby("year")["annual_cost_total_change"].sum()
    # Same people and draws: the only change is 200 元 a month more for each severe case.
    assert change.to_numpy() == pytest.approx(severe.to_numpy() * 200 * 12)
    assert cmp["caseload_change"].abs().max() == pytest.approx(0.0)
