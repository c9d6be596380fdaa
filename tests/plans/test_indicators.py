"""Indicator engine on hand-built data whose answers are known analytically or published."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from renkou.errors import InputError, NotFoundError
from renkou.jurisdictions import Jurisdiction, get_jurisdiction
from renkou.plans import FormulaContext, group_area
from renkou.plans.formulas import engine as ind

from .fakes import FakeData

TIANJIN = get_jurisdiction("tianjin").code


def value(formula: str, area: str = TIANJIN, **context: float) -> float:
    return ind.compute(FakeData(), formula, area, 2024, FormulaContext(**context)).value


def test_central_and_binhai_shares_reproduce_census_2020() -> None:
    # 七普 公报: 中心城区 29.26 %, 滨海新区 14.91 %,
    # 环城四区 28.05 %, 远郊五区 27.78 % — published to two decimals.
    assert value("central_city_share") == pytest.approx(29.26, abs=0.006)
    assert value("binhai_share") == pytest.approx(14.91, abs=0.006)
    assert value("ring_districts_share") == pytest.approx(28.05, abs=0.006)
    assert value("outer_districts_share") == pytest.approx(27.78, abs=0.006)
    assert value("resident_population") == pytest.approx(1386.6009, abs=1e-4)


def test_fertility_and_births() -> None:
    assert value("tfr") == pytest.approx(35 * 0.06)
    assert value("srb") == pytest.approx(105.0)
    # IMR: infant deaths = mx × infants; births = TFR-like sum × women per age.
    d = FakeData()
    per_age = d._pop(TIANJIN) / 202
    expected = 0.02 * 2 * per_age / (35 * 0.06 * per_age) * 1000
    assert value("imr") == pytest.approx(expected)


def test_life_expectancy_constant_hazard() -> None:
    # Constant mx = m gives e0 ≈ 1/m (exact for an exponential survival); the single-year
    # table with a0 from Andreev–Kingkade differs by well under 0.2 years.
    assert value("life_expectancy") == pytest.approx(50.0, abs=0.2)
    e0_low = ind.compute(FakeData(mx=0.0125), "e0", TIANJIN, 2024).value
    assert e0_low == pytest.approx(80.0, abs=0.5) and e0_low > 50


def test_structure_indicators() -> None:
    # Even ages: 15 child ages, 50 working ages (15–64), 36 ages 65+, 41 ages 60+.
    assert value("child_dependency") == pytest.approx(30.0)
    assert value("old_dependency") == pytest.approx(72.0)
    assert value("total_dependency") == pytest.approx(102.0)
    assert value("ageing_60_share") == pytest.approx(41 / 101 * 100)
    assert value("ageing_65_share") == pytest.approx(36 / 101 * 100)


def test_schooling_urbanisation_separation() -> None:
    # 15+: (10×16 + 10×12 + 20×6) / 40 = 10; 16–59 only the two 30-year-olds: 14.
    assert value("mean_schooling_15plus") == pytest.approx(10.0)
    assert value("mean_schooling_16_59") == pytest.approx(14.0)
    assert value("urbanisation_rate") == pytest.approx(84.7)
    assert value("urbanisation_rate_hukou") == pytest.approx(70.0)
    assert value("separation_share") == pytest.approx(48.0)
    assert value("cross_district_separation_share") == pytest.approx(33.0)


def test_childcare_needs_facility_count() -> None:
    with pytest.raises(InputError):
        value("childcare_places_per_1000")
    pop = get_jurisdiction("tianjin").census_population
    assert value("childcare_places_per_1000", childcare_places=4.5 * pop / 1000) == (
        pytest.approx(4.5))


def test_district_area_and_errors() -> None:
    xiqing = ind.compute(FakeData(), "resident_population", "120111", 2024)
    assert xiqing.value == pytest.approx(119.5124)
    assert xiqing.as_of == dt.date(2024, 12, 31) and xiqing.unit == "万人"
    with pytest.raises(InputError):
        ind.resolve("no_such_formula")
    values, errors = ind.compute_many(FakeData(), ["tfr", "childcare_places_per_1000"],
                                      TIANJIN, 2024)
    assert "tfr" in values and "childcare_places_per_1000" in errors


class FrameRegistry:
    """Registry stand-in returning small frames in the registry's shapes (region codes at
    the requested level), to test the area handling of RegistryData."""

    def data_through(self) -> None:
        return None

    def jurisdiction(self) -> Jurisdiction:
        return get_jurisdiction("tianjin")

    def __init__(self) -> None:
        self.rows = {  # street → residents aged 30 (male, female)
            "120111001": (10, 12), "120111002": (5, 5), "120101001": (7, 3),
            "120114001": (4, 4), "120115001": (6, 6),
        }

    def _region(self, street: str, level: str) -> str:
        return {"city": "120000", "district": street[:6], "street": street}[level]

    def caliber(self, as_of: dt.date, caliber: str, level: str = "district",
                by: tuple[str, ...] = ()) -> pd.DataFrame:
        recs = [{"region": self._region(s, level), "sex": sex, "age": 30, "value": v}
                for s, (m, f) in self.rows.items() for sex, v in (("male", m), ("female", f))]
        return pd.DataFrame(recs).groupby(["region", "sex", "age"], as_index=False).sum()

    def births(self, start: dt.date, end: dt.date, level: str = "district",
               caliber: str = "all") -> pd.DataFrame:
        if caliber == "hukou":  # one of the births has a mother with a hukou elsewhere
            return pd.DataFrame({"region": [self._region("120111001", level)] * 2,
                                 "mother_age": [30, None], "sex": ["male", "female"],
                                 "value": [2, 1]})
        return pd.DataFrame({"region": [self._region("120111001", level)] * 3,
                             "mother_age": [30, None, 31], "sex": ["male", "female", "male"],
                             "value": [2, 1, 1]})

    def flows(self, start: dt.date, end: dt.date, level: str = "district") -> pd.DataFrame:
        # A move from 西青 to 南开 is a flow at district level and internal at city level.
        if level == "city":
            return pd.DataFrame({"region": ["120000"], "flow": ["hukou_in"], "sex": ["male"],
                                 "age": [30], "value": [5]})
        return pd.DataFrame({"region": [self._region(s, level) for s in
                                        ("120111001", "120111001", "120104001")],
                             "flow": ["hukou_in", "hukou_out", "hukou_in"],
                             "sex": ["male"] * 3, "age": [30] * 3, "value": [5, 2, 2]})

    def attainment(self, as_of: dt.date, level: str = "district") -> pd.DataFrame:
        return pd.DataFrame({"region": [self._region("120111001", level)] * 3,
                             "sex": ["male"] * 3, "age": [30, 30, 30],
                             "education": ["bachelor", "junior_college", "unknown"],
                             "value": [1, 1, 5]})

    def urban_split(self, as_of: dt.date, level: str = "district",
                    caliber: str = "resident") -> pd.DataFrame:
        return pd.DataFrame({"region": [self._region("120111001", level)] * 3,
                             "urban": [True, False, None], "value": [3, 1, 10]})


def test_registry_data_areas_groups_and_streets() -> None:
    from renkou.plans.formulas.registry_data import RegistryData, area_level

    data = RegistryData(FrameRegistry())  # type: ignore[arg-type]
    when = dt.date(2024, 12, 31)
    tianjin = get_jurisdiction("tianjin")
    outer = group_area("outer")
    assert area_level(outer, tianjin) == "group"
    assert area_level("120111001", tianjin) == "street"
    assert data.population(when, "resident", TIANJIN).sum() == 62
    assert data.population(when, "resident", "120111").sum() == 32
    assert data.population(when, "resident", "120111002").sum() == 10
    # 外围五区 = 武清 宝坻 宁河 静海 蓟州: here 武清 8 + 宝坻 12.
    assert data.population(when, "resident", outer).sum() == 20
    assert data.population(when, "resident", outer)[1, 30] == 10
    # A group the store's jurisdiction does not have is refused with its name.
    with pytest.raises(NotFoundError, match="main"):
        data.population(when, "resident", group_area("main"))
    # A birth without the mother's age counts by sex but not by age.
    assert data.births_by_sex(2024, "120111").sum() == 4
    assert data.births_by_mother_age(2024, "120111").sum() == 3
    assert data.births_by_sex(2024, "120111", "hukou").sum() == 3
    assert data.births_by_mother_age(2024, "120111", "hukou").sum() == 2
    # Flows are asked at the area's own level: the city sees only its boundary.
    assert data.flows(2024, "120111") == {"hukou_in": 5.0, "hukou_out": 2.0}
    assert data.flows(2024, TIANJIN) == {"hukou_in": 5.0}
    # Unknown attainment and unknown urban status are left out of the measures.
    assert data.attainment(when, "120111") == {(30, "大学本科"): 1.0, (30, "大学专科"): 1.0}
    assert data.urban(when, "120111") == (3.0, 4.0)


def test_hukou_variants_with_equal_calibers() -> None:
    # FakeData has hukou = resident populations and deaths, and 60 % of births to hukou
    # mothers: births per person = 0.06 × 35 ages ÷ 202 cells, deaths 0.02 per person.
    births = 0.06 * 35 / 202
    assert value("natural_increase_rate") == pytest.approx((births - 0.02) * 1000)
    assert value("natural_increase_rate_hukou") == pytest.approx((0.6 * births - 0.02) * 1000)
    assert value("life_expectancy_hukou") == pytest.approx(value("life_expectancy"))
    assert value("other_district_hukou_share") == pytest.approx(20.0)
    assert value("mean_schooling_20_59") == pytest.approx(14.0)
