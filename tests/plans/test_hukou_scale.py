"""Totals of a sampled store are scaled by the factor of their caliber: hukou totals by
published hukou ÷ registry hukou, not by the resident census factor (a sample whose hukou
share differs from the real one would otherwise misread 户籍人口 against the plan)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from renkou.app.sample import (
    SampledData,
    ScaleFactor,
    hukou_scale,
    nearest_published,
    plan_sample,
    published_hukou,
    resident_scale,
    with_factor_column,
)
from renkou.jurisdictions import Jurisdiction
from renkou.plans import assessment_frame, evaluate_registry, get_plan
from renkou.plans.formulas.measures import total_population
from renkou.types import FloatArray

from .fakes import TIANJIN_STORE, NoEventsRegistry, tianjin_census

HUKOU_PER_RESIDENT = 0.64  # a sample's ratio in 西青区; the real one is 0.39


class HukouRegistry(NoEventsRegistry):
    """Every Tianjin district holds its census population as residents at every date and
    0.64 hukou registrants per resident (so the resident factor is 1)."""

    def data_through(self) -> None:
        return None

    def jurisdiction(self) -> Jurisdiction:
        return TIANJIN_STORE

    def caliber(self, as_of: dt.date, caliber: str, level: str = "district",
                by: tuple[str, ...] = ()) -> pd.DataFrame:
        share = HUKOU_PER_RESIDENT if caliber == "hukou" else 1.0
        return pd.DataFrame([{"region": code, "sex": "male", "age": 30, "value": n * share}
                             for code, n in tianjin_census().items()])


def test_published_figures_come_with_their_source() -> None:
    xq = nearest_published("120111", 2020)
    assert xq is not None and xq.value == 46.59 and xq.as_of == dt.date(2020, 12, 31)
    assert "西青区人口发展" in xq.source and xq.verified
    # Tianjin's plan states no 2020 hukou total: the 2019 communiqué figure is nearest.
    tj = nearest_published("120000", 2020)
    assert tj is not None and tj.value == pytest.approx(1108.18) and tj.as_of.year == 2019
    cq = nearest_published("500000", 2015)
    assert cq is not None and cq.value == pytest.approx(3371.84)
    assert published_hukou("120115") == []  # 宝坻区: none found


def test_hukou_factor_is_published_over_registry_hukou() -> None:
    reg = HukouRegistry()
    census = tianjin_census()["120111"]
    resident = resident_scale(reg, "120111")  # type: ignore[arg-type]
    assert resident.value == pytest.approx(1.0)
    f = hukou_scale(reg, "120111", 2020, resident)  # type: ignore[arg-type]
    assert f.value == pytest.approx(465_900 / (census * HUKOU_PER_RESIDENT))
    assert "46.59万" in f.basis and "西青区人口发展" in f.basis
    # Sources name the publication; links stay in the data file (reports carry none).
    tj = hukou_scale(reg, "120000", 2020)  # type: ignore[arg-type]
    assert "2019年国民经济和社会发展统计公报" in tj.basis and "http" not in tj.basis
    assert nearest_published("120000", 2020).url.startswith("https://")  # type: ignore[union-attr]
    # No published figure: the resident factor, and the output says so.
    none = hukou_scale(reg, "120115", 2020, resident)  # type: ignore[arg-type]
    assert none.value == resident.value and "沿用常住人口折算系数" in none.basis


def test_total_formulas_use_the_factor_of_their_caliber() -> None:
    class Flat:
        def population(self, as_of: dt.date, caliber: str, area: str) -> FloatArray:
            return np.full((2, 101), 1.0)

    def sample(resident: float, hukou: float) -> SampledData:
        return SampledData(Flat(), ScaleFactor(resident, "resident", ""),  # type: ignore[arg-type]
                           ScaleFactor(hukou, "hukou", ""))

    resident_total, hukou_total = total_population("resident"), total_population("hukou")
    from renkou.plans import FormulaContext

    ctx = FormulaContext()
    assert resident_total(sample(70, 40), "120111", 2024, ctx) == pytest.approx(202 * 70 / 1e4)
    assert hukou_total(sample(70, 40), "120111", 2024, ctx) == pytest.approx(202 * 40 / 1e4)
    # One factor for both calibers (a given --scale): both use it; a real registry: 1.
    assert hukou_total(sample(70, 70), "120111", 2024, ctx) == pytest.approx(202 * 70 / 1e4)
    assert hukou_total(Flat(), "120111", 2024, ctx) == pytest.approx(202 / 1e4)  # type: ignore[arg-type]


def test_xiqing_hukou_total_matches_the_plan_baseline() -> None:
    """With the hukou factor the base-year 户籍人口 is the plan's 46.59万 (it would be
    0.64 × 119.5万 = 76.5万 with the resident factor); the factor is stated."""
    reg = HukouRegistry()
    plan = get_plan("xiqing-14th")
    sample = plan_sample(reg, plan)  # type: ignore[arg-type]
    pa = evaluate_registry(reg, plan, 2024, data=sample,  # type: ignore[arg-type]
                           forward=False)
    assert pa.series["XQ14-POP-01"][2020] == pytest.approx(46.59, abs=1e-9)
    census = tianjin_census()["120111"]
    assert pa.series["XQ14-POP-04"][2020] == pytest.approx(census / 1e4)  # resident: 1
    assert sample.hukou.value < sample.resident.value
    assert any("户籍人口类" in n and "46.59万" in n for n in sample.notes)
    frame = with_factor_column(assessment_frame(pa), plan, sample).set_index("指标代码")
    assert frame.loc["XQ14-POP-01", "折算系数"] == pytest.approx(sample.hukou.value, abs=1e-4)
    assert frame.loc["XQ14-POP-04", "折算系数"] == pytest.approx(sample.resident.value,
                                                              abs=1e-4)
    assert frame["折算系数"].isna()["XQ14-DST-01"]  # a share: no factor


def test_an_explicit_scale_applies_to_both_calibers() -> None:
    reg = HukouRegistry()
    plan = get_plan("xiqing-14th")
    sample = plan_sample(reg, plan, 1.0)  # type: ignore[arg-type]
    pa = evaluate_registry(reg, plan, 2024, data=sample, forward=False)  # type: ignore[arg-type]
    assert sample.resident.value == sample.hukou.value == 1.0 and sample.notes == ()
    assert "折算系数" not in with_factor_column(assessment_frame(pa), plan, sample).columns


RATES = ("tfr", "srb", "imr", "birth_rate", "death_rate", "natural_increase_rate",
         "natural_increase_rate_hukou", "life_expectancy", "life_expectancy_hukou",
         "ageing_65_share", "urbanisation_rate", "separation_share",
         "floating_population_share", "central_city_share", "mean_schooling_15plus")


@pytest.mark.parametrize("formula", RATES)
def test_scaling_a_sample_leaves_rates_and_shares_alone(formula: str) -> None:
    from renkou.plans import compute

    from .fakes import TIANJIN, FakeData

    sample = SampledData(FakeData(), ScaleFactor(70.0, "resident", ""),
                         ScaleFactor(40.0, "hukou", ""))
    assert compute(sample, formula, TIANJIN, 2024).value == pytest.approx(
        compute(FakeData(), formula, TIANJIN, 2024).value, rel=1e-9)
    assert sample.factor_of(formula) is None


def test_scaling_a_sample_scales_each_total_by_its_caliber() -> None:
    from renkou.plans import compute

    from .fakes import FakeData

    sample = SampledData(FakeData(), ScaleFactor(70.0, "resident", ""),
                         ScaleFactor(40.0, "hukou", ""))
    for formula, factor in (("resident_population", 70.0), ("hukou_population", 40.0),
                            ("working_age_population", 70.0), ("floating_population", 70.0),
                            ("hukou_in_migration", 40.0), ("net_migration", 70.0)):
        plain = compute(FakeData(), formula, "120111", 2024).value
        assert compute(sample, formula, "120111", 2024).value == pytest.approx(
            plain * factor), formula
        assert sample.factor_of(formula) == factor


def test_only_a_synthetic_store_is_scaled() -> None:
    from renkou.app.sample import store_data
    from renkou.plans import RegistryData

    from .fakes import CensusRegistry

    real = CensusRegistry()
    real.synthetic = False
    assert isinstance(store_data(real, "120111", 2020), RegistryData)  # type: ignore[arg-type]
    sampled = store_data(CensusRegistry(), "120111", 2020)  # type: ignore[arg-type]
    assert isinstance(sampled, SampledData)
    assert sampled.resident.value == pytest.approx(1.0)  # the census population itself


def test_sampled_store_scales_record_counts_and_keeps_the_rates() -> None:
    from renkou.plans import FormulaContext
    from renkou.plans.formulas.records import permit_holding_rate

    from .fakes import FakeData

    class Records(FakeData):
        def permit_holding(self, as_of: dt.date, area: str) -> dict[str, float]:
            return {"outsiders": 40.0, "holders": 30.0}

        def jobs_housing(self, as_of: dt.date, area: str) -> dict[str, float]:
            return {"workers": 10.0, "local": 4.0, "employed_residents": 8.0}

    sample = SampledData(Records(), ScaleFactor(70.0, "resident", ""),
                         ScaleFactor(40.0, "hukou", ""))
    assert sample.permit_holding(dt.date(2024, 12, 31), "x") == {"outsiders": 2800.0,
                                                                 "holders": 2100.0}
    assert sample.jobs_housing(dt.date(2024, 12, 31), "x")["workers"] == 700.0
    ctx = FormulaContext(base_year=2020)
    assert permit_holding_rate(sample, "x", 2024, ctx) == pytest.approx(75.0)
