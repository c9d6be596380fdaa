"""The coverage check applies wherever a plan is assessed: inside ``evaluate_registry``, so
the CLI, the API and the reports treat an area the store does not hold alike; count
formulas refuse an empty area instead of returning 0."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from renkou.app.demo_reports import seed_demo_plans
from renkou.app.sample import SampledData, ScaleFactor
from renkou.errors import InputError
from renkou.plans import FormulaContext, get_plan
from renkou.plans.assessment.coverage import uncovered_reason
from renkou.plans.assessment.plan import evaluate_registry
from renkou.plans.formulas.engine import FORMULAS
from renkou.plans.formulas.measures import working_age_population
from renkou.plans.formulas.migration import (
    floating_population,
    hukou_in_migration,
    net_migration,
)
from renkou.types import FloatArray

from .fakes import CensusRegistry


class Empty:
    """An area with nobody in it (every population and event count is zero)."""

    def population(self, as_of: dt.date, caliber: str, area: str) -> FloatArray:
        return np.zeros((2, 101))

    def births_by_sex(self, year: int, area: str, caliber: str = "all") -> FloatArray:
        return np.zeros(2)

    def deaths(self, year: int, area: str, caliber: str = "all") -> FloatArray:
        return np.zeros((2, 101))

    def separation(self, as_of: dt.date, area: str) -> dict[str, float]:
        return {}

    def flows(self, year: int, area: str) -> dict[str, float]:
        return {}


@pytest.mark.parametrize("formula", [
    working_age_population, floating_population, hukou_in_migration, net_migration,
    FORMULAS["resident_population"].compute, FORMULAS["hukou_population"].compute])
def test_count_formulas_refuse_an_empty_area(formula: object) -> None:
    with pytest.raises(InputError, match="没有"):
        formula(Empty(), "500000", 2024, FormulaContext())  # type: ignore[operator]


def test_working_age_population_still_counts_15_to_64() -> None:
    class Flat(Empty):
        def population(self, as_of: dt.date, caliber: str, area: str) -> FloatArray:
            return np.ones((2, 101))

    # 50 ages × 2 sexes = 100 persons × factor 3 = 300 = 0.03万
    sampled = SampledData(Flat(), ScaleFactor(3.0, "resident", ""),  # type: ignore[arg-type]
                          ScaleFactor(3.0, "hukou", ""))
    assert working_age_population(sampled, "120111", 2024,
                                  FormulaContext()) == pytest.approx(0.03)


@pytest.fixture(scope="module")
def seeded() -> CensusRegistry:
    reg = CensusRegistry()
    seed_demo_plans(reg, 2024)  # type: ignore[arg-type]
    return reg


def test_evaluate_registry_applies_the_coverage_check(seeded: CensusRegistry) -> None:
    plan = get_plan("chongqing-2016-2030")
    pa = evaluate_registry(seeded, plan, 2024, trajectories=0)  # type: ignore[arg-type]
    assert pa.uncovered is not None and "重庆市（500000）" in pa.uncovered
    assert pa.projection is None
    computed = {i.code for i in plan.computed_indicators()}
    rows = [a for a in pa.assessments if a.indicator_code in computed]
    assert rows
    for a in rows:  # no 0.0, no "分母为零": one plain reason
        assert a.status == "数据不足" and a.value is None, a
        assert pa.uncovered in a.reason and "分母为零" not in a.reason, a
    working = next(m for m in pa.monitored if m.indicator_code == "CQ30-STR-06")
    assert working.value is None
    reported = pa.by_code()["CQ30-QUA-05"]
    assert reported.value is not None and reported.status != "数据不足"
    # The reason is the coverage check's, made once inside the assessment.
    reason = uncovered_reason(seeded, plan.area_code, 2024)  # type: ignore[arg-type]
    assert reason == pa.uncovered


def test_covered_area_has_no_coverage_reason(seeded: CensusRegistry) -> None:
    pa = evaluate_registry(seeded, get_plan("xiqing-14th"), 2024,  # type: ignore[arg-type]
                           forward=False)
    assert pa.uncovered is None
    assert pa.by_code()["XQ14-POP-04"].value is not None


def test_uncovered_area_is_one_warning_and_one_finding(seeded: CensusRegistry) -> None:
    """Chongqing on the Tianjin-like store: the warning list and the report say once that
    the store does not cover the area, instead of "补齐统计口径" for each computed indicator."""
    from renkou.plans.assessment.warnings import COVERAGE_NAME, warning_list
    from renkou.reports.evaluation import build_report

    plan = get_plan("chongqing-2016-2030")
    pa = evaluate_registry(seeded, plan, 2024, forward=False)  # type: ignore[arg-type]
    computed = {i.code for i in plan.computed_indicators()}
    warnings = warning_list(pa)
    assert warnings[0].name == COVERAGE_NAME and warnings[0].rank == 1
    assert "重庆市（500000）" in warnings[0].reasons[0]
    assert [w.rank for w in warnings] == list(range(1, len(warnings) + 1))
    assert not any(w.indicator_code in computed for w in warnings)
    assert sum(COVERAGE_NAME in w.name for w in warnings) == 1
    report = build_report(pa, "midterm", registry=seeded)  # type: ignore[arg-type]
    text = "\n".join(report.findings + report.recommendations)
    assert text.count("补齐") == 0
    assert sum("未覆盖规划地区重庆市（500000）" in f for f in report.findings) == 1
    assert sum("接入人口基础信息库" in r for r in report.recommendations) == 1
    assert sum(pa.uncovered in n for n in report.notes) == 1  # type: ignore[operator]


def test_covered_area_keeps_one_warning_per_indicator(seeded: CensusRegistry) -> None:
    from renkou.plans.assessment.warnings import COVERAGE_NAME, warning_list

    pa = evaluate_registry(seeded, get_plan("xiqing-14th"), 2024,  # type: ignore[arg-type]
                           forward=False)
    warnings = warning_list(pa)
    assert warnings and all(w.name != COVERAGE_NAME and w.indicator_code for w in warnings)


def test_year_after_the_registry_data_is_not_computed() -> None:
    """A year the registry's data do not reach (data through 2024-12-31, assessing 2025):
    computed indicators are 数据不足 with the date named — not an incomplete count — and the
    projection starts from the last complete year."""
    reg = CensusRegistry()
    reg.through = dt.date(2024, 12, 31)
    plan = get_plan("tianjin-14th")
    late = evaluate_registry(reg, plan, 2025, trajectories=0,  # type: ignore[arg-type]
                             forward=False)
    resident = late.by_code()["TJ14-POP-01"]
    assert resident.status == "数据不足" and resident.value is None
    assert "库内数据截至2024年12月31日" in resident.reason
    assert any("截至2024年12月31日" in n for n in late.notes)
    ok = evaluate_registry(reg, plan, 2024, trajectories=0,  # type: ignore[arg-type]
                           forward=False).by_code()["TJ14-POP-01"]
    assert ok.value is not None
