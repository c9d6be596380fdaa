"""What a formula reads and takes (指标计算的数据协议): the data source protocol
(:class:`IndicatorData`), the :class:`FormulaContext`, and the helpers every formula shares
(year ends, the average population of a year, guarded division)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from renkou.errors import InputError
from renkou.types import OPEN_AGE, FloatArray

NAGES = OPEN_AGE + 1


@dataclass(frozen=True)
class FormulaContext:
    """What a formula needs besides the data source: the end of ``base_year`` is the base of
    changes "since the plan began"; ``childcare_places`` the real count of 托位 in the area
    and year (a facility count departments report)."""

    base_year: int | None = None
    childcare_places: float | None = None


class IndicatorData(Protocol):
    """What the engine needs from the data layer, as arrays for one area.

    Populations are (2, 101) arrays (male, female) by single age 0…100+ at a date."""

    def population(self, as_of: dt.date, caliber: str, area: str) -> FloatArray: ...

    def births_by_mother_age(self, year: int, area: str, caliber: str = "all"
                             ) -> FloatArray:
        """Births by mother's age 0…100: all births in the area, or (``hukou``) births to
        mothers whose hukou is in the area on the birth date."""
        ...

    def births_by_sex(self, year: int, area: str, caliber: str = "all") -> FloatArray:
        """Births (male, female), caliber as :meth:`births_by_mother_age`."""
        ...

    def deaths(self, year: int, area: str, caliber: str = "all") -> FloatArray:
        """Deaths by sex and age: all deaths in the area, or (``hukou``) deaths of its
        hukou registrants."""
        ...

    def attainment(self, as_of: dt.date, area: str) -> Mapping[tuple[int, str], float]:
        """People by (age, education level) at a date, both sexes."""
        ...

    def urban(self, as_of: dt.date, area: str, caliber: str = "resident"
              ) -> tuple[float, float]:
        """(urban, all) people of the caliber (resident or hukou) at a date."""
        ...

    def separation(self, as_of: dt.date, area: str) -> Mapping[str, float]:
        """人户分离 residents by kind (same_district / other_district / outside_city)."""
        ...

    def flows(self, year: int, area: str) -> Mapping[str, float]:
        """Moves across the area's boundary in the year by kind (hukou_in, hukou_out,
        residence_arrival, residence_departure); moves within the area are not counted."""
        ...


@runtime_checkable
class RecordData(Protocol):
    """What the record-based indicators (居住证持有率, 职住平衡率) read besides
    :class:`IndicatorData`: counts of one area at a date. A data source without these
    methods has no such values (the formulas say so)."""

    def permit_holding(self, as_of: dt.date, area: str) -> Mapping[str, float]:
        """``outsiders``: residents without hukou in the jurisdiction; ``holders``: those
        of them holding a valid 居住证."""
        ...

    def jobs_housing(self, as_of: dt.date, area: str) -> Mapping[str, float]:
        """``workers``: employed whose workplace is in the area; ``local``: of these, its
        residents; ``employed_residents``: its employed residents whose workplace is known
        at the area's level."""
        ...


def year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def avg_population(data: IndicatorData, area: str, year: int, caliber: str = "resident"
                    ) -> FloatArray:
    start = data.population(year_end(year - 1), caliber, area)
    end = data.population(year_end(year), caliber, area)
    return np.asarray((start + end) / 2.0, dtype=np.float64)


def safe_div(num: float, den: float, what: str) -> float:
    if den <= 0:
        raise InputError(f"无法计算{what}：分母为零（该地区该年没有相应数据）")
    return num / den


def defined(x: FloatArray | float, what: str) -> float:
    """A scalar from the demography core; NaN (zero denominator) becomes an InputError."""
    v = float(np.asarray(x))
    if not np.isfinite(v):
        raise InputError(f"无法计算{what}：分母为零（该地区该年没有相应数据）")
    return v


Compute = Callable[[IndicatorData, str, int, FormulaContext], float]


def present(count: float, area: str, year: int) -> float:
    """A total of zero people means the registry holds no data for the area."""
    if count <= 0:
        raise InputError(f"人口基础信息库中没有地区 {area} 在 {year} 年末的人口数据")
    return count
