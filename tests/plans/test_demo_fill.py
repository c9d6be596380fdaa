"""Demo values for every year (示范数据逐年补齐): years between two known values are
interpolated with a small wobble, the file's own values are kept, and an assessment of
2021—2023 finds a value for every reported indicator the demo covers."""

from __future__ import annotations

import math
from importlib import resources

import pytest
import yaml

from renkou.app.demo_reports import (
    COUNT_UNITS,
    DEMO_FILE,
    INTERPOLATED_NOTE,
    NOISE_SHARE,
    anchors,
    demo_values,
    fill_years,
    seed_demo_plans,
)
from renkou.plans import get_plan
from renkou.plans.assessment.plan import assess_plan
from renkou.plans.assessment.reported_trend import linear_trend, unit_bounds
from renkou.plans.storage import REPORTED, read_app

from .fakes import CensusRegistry

FOURTEENTH = ("tianjin-14th", "xiqing-14th")


def _file(code: str) -> dict[str, dict[int, float]]:
    path = resources.files("renkou.plans").joinpath("data", "demo", f"{code}.yaml")
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {c: {int(y): float(v) for y, v in by.items()} for c, by in doc["reported"].items()}


@pytest.mark.parametrize("code", FOURTEENTH)
def test_every_demo_indicator_has_every_year_2021_to_2024(code: str) -> None:
    for ind_code, by_year in demo_values(code).reported.items():
        missing = set(range(2021, 2025)) - set(by_year)
        assert not missing, (ind_code, sorted(missing))


@pytest.mark.parametrize("code", [*FOURTEENTH, "chongqing-2016-2030"])
def test_values_written_in_the_file_are_kept(code: str) -> None:
    demo = demo_values(code)
    for ind_code, by_year in _file(code).items():
        for year, value in by_year.items():
            assert demo.reported[ind_code][year] == value, (ind_code, year)
            assert (ind_code, year) not in demo.interpolated


@pytest.mark.parametrize("code", [*FOURTEENTH, "chongqing-2016-2030"])
def test_filled_values_stay_near_the_line_between_known_values(code: str) -> None:
    plan = get_plan(code)
    inds = {i.code: i for i in plan.indicators}
    demo = demo_values(code)
    written = _file(code)
    assert demo.interpolated, code
    off_line = 0
    for ind_code, year in demo.interpolated:
        ind = inds[ind_code]
        known = anchors(ind, written[ind_code])
        lo = max(y for y in known if y < year)
        hi = min(y for y in known if y > year)
        slope = (known[hi] - known[lo]) / (hi - lo)
        line = known[lo] + slope * (year - lo)
        value = demo.reported[ind_code][year]
        # The wobble, plus half a unit of the last decimal kept (counts: whole numbers;
        # anything else at least one decimal).
        rounding = 0.5 if ind.unit in COUNT_UNITS else 0.05
        assert abs(value - line) <= NOISE_SHARE * abs(slope) + rounding + 1e-9, (ind_code, year)
        low, high = unit_bounds(ind.unit, ind.name_zh)
        assert low <= value <= high, (ind_code, year)
        off_line += not math.isclose(value, line, abs_tol=1e-9)
    # The point of the wobble: most filled values are not on the straight line.
    assert off_line >= 0.7 * len(demo.interpolated), (off_line, len(demo.interpolated))


def test_the_plans_stated_baseline_is_a_known_value_but_a_bound_is_not() -> None:
    xiqing = get_plan("xiqing-14th")
    values, filled = fill_years(xiqing, {"XQ14-HLT-05": {2024: 36.8}}, 2021, 2024)
    # 居民健康素养水平: the plan states 30.15 % in 2020.
    assert {y for _c, y in filled} == {2021, 2022, 2023}
    step = (36.8 - 30.15) / 4
    for k, year in enumerate((2021, 2022, 2023), start=1):
        assert abs(values["XQ14-HLT-05"][year] - (30.15 + k * step)) <= (
            NOISE_SHARE * step + 0.005 + 1e-9)
    # 孕产妇死亡率 of Tianjin: "控制在10/10万以下" in 2020 is a bound, not a level.
    tianjin = get_plan("tianjin-14th")
    values, filled = fill_years(tianjin, {"TJ14-HLT-02": {2024: 9.6}}, 2021, 2024)
    assert not filled and values == {"TJ14-HLT-02": {2024: 9.6}}


def test_filling_is_the_same_on_every_run_and_only_inside_the_years_asked() -> None:
    plan = get_plan("xiqing-14th")
    written = _file("xiqing-14th")
    first = fill_years(plan, written, 2021, 2024)
    assert first == fill_years(plan, written, 2021, 2024)
    _values, only_2022 = fill_years(plan, written, 2022, 2022)
    assert only_2022 and {y for _c, y in only_2022} == {2022}


def test_trend_lines_through_filled_years_are_not_perfect_fits() -> None:
    """A perfect fit would make the t probability a spurious 0 or 1."""
    demo = demo_values("xiqing-14th")
    fits = [linear_trend({y: v for y, v in by.items() if y <= 2024}, 2025)
            for code, by in demo.reported.items()
            if any((code, y) in demo.interpolated for y in by)]
    with_sd = [f for f in fits if f is not None and f.sd is not None]
    assert len(with_sd) >= 20
    assert sum(f.sd > 0 for f in with_sd if f.sd is not None) >= 0.9 * len(with_sd)




@pytest.fixture(scope="module")
def seeded() -> CensusRegistry:
    reg = CensusRegistry()
    seed_demo_plans(reg, 2024)  # type: ignore[arg-type]
    return reg


def test_seeded_rows_say_which_values_are_interpolated(seeded: CensusRegistry) -> None:
    rows = read_app(seeded, REPORTED)
    assert (rows["source_file"] == DEMO_FILE).all()
    for code in FOURTEENTH:
        demo = demo_values(code)
        mine = rows[rows["plan"] == code]
        flagged = {(str(c), int(y)) for c, y, n in zip(
            mine["indicator_code"], mine["year"], mine["note"], strict=True)
            if n == INTERPOLATED_NOTE}
        assert flagged == set(demo.interpolated), code


@pytest.mark.parametrize("code", FOURTEENTH)
@pytest.mark.parametrize("year", [2021, 2022, 2023])
def test_reported_indicators_have_values_in_every_year(
        seeded: CensusRegistry, code: str, year: int) -> None:
    plan = get_plan(code)
    pa = assess_plan(plan, year, store=seeded)
    demo = set(demo_values(code).reported)
    for a in pa.assessments:
        if a.indicator_code in demo:
            assert a.status != "数据不足", (a.indicator_code, a.reason)
            assert a.value is not None
    for m in pa.monitored:
        if m.indicator_code in demo:
            assert m.value is not None, m.indicator_code
