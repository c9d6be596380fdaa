"""A hand-built city for the indicator engine and projection bridge tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd

from renkou.jurisdictions import Jurisdiction, get_jurisdiction
from renkou.plans import MemoryTables, group_of
from renkou.registry import Provenance
from renkou.types import FloatArray

TIANJIN_STORE = get_jurisdiction("tianjin")
TIANJIN = TIANJIN_STORE.code


def tianjin_census() -> dict[str, float]:
    """Census residents of each Tianjin district."""
    return {code: float(n) for code, n in TIANJIN_STORE.area_census().items()}


class FakeData:
    """Every Tianjin district holds its 2020 census population, spread evenly over single
    ages 0…100 and both sexes; vital events are set per test."""

    def __init__(self, mx: float = 0.02, births_per_age: float = 0.06) -> None:
        self.census = tianjin_census()
        self.mx = mx
        self.births_per_age = births_per_age
        self.hukou_birth_share = 0.6  # births to hukou mothers ÷ all births

    def _pop(self, area: str) -> float:
        if area == TIANJIN:
            return sum(self.census.values())
        group = group_of(area)
        if group is not None:  # an area group of the jurisdiction, e.g. group:central
            return sum(self.census[c] for c in TIANJIN_STORE.group(group).members)
        return self.census[area]

    def population(self, as_of: dt.date, caliber: str, area: str) -> FloatArray:
        return np.full((2, 101), self._pop(area) / 202.0)

    def births_by_mother_age(self, year: int, area: str, caliber: str = "all"
                             ) -> FloatArray:
        out = np.zeros(101)
        women = self._pop(area) / 202.0
        out[15:50] = self.births_per_age * women * (self.hukou_birth_share
                                                    if caliber == "hukou" else 1.0)
        return out

    def births_by_sex(self, year: int, area: str, caliber: str = "all") -> FloatArray:
        total = self.births_by_mother_age(year, area, caliber).sum()
        return np.array([total * 105 / 205, total * 100 / 205])

    def flows(self, year: int, area: str) -> Mapping[str, float]:
        total = self._pop(area)
        return {"hukou_in": 0.01 * total, "hukou_out": 0.004 * total,
                "residence_arrival": 0.05 * total, "residence_departure": 0.03 * total}

    def deaths(self, year: int, area: str, caliber: str = "all") -> FloatArray:
        pop_caliber = "hukou" if caliber == "hukou" else "resident"
        return self.population(dt.date(year, 12, 31), pop_caliber, area) * self.mx

    def attainment(self, as_of: dt.date, area: str) -> Mapping[tuple[int, str], float]:
        return {(30, "大学本科"): 10.0, (30, "高中"): 10.0, (70, "小学"): 20.0,
                (10, "小学"): 99.0}

    def urban(self, as_of: dt.date, area: str, caliber: str = "resident"
              ) -> tuple[float, float]:
        return (847.0, 1000.0) if caliber == "resident" else (700.0, 1000.0)

    def separation(self, as_of: dt.date, area: str) -> Mapping[str, float]:
        total = self._pop(area)
        return {"same_district": 0.15 * total, "other_district": 0.2 * total,
                "outside_city": 0.13 * total}


class NoEventsRegistry(MemoryTables):
    """The registry queries a stand-in does not fill: no births, deaths, moves, attainment,
    urban status, separation, permits or jobs (empty, as a store without such records
    returns)."""

    def births(self, start: dt.date, end: dt.date, level: str = "district",
               caliber: str = "all") -> pd.DataFrame:
        return pd.DataFrame()

    def deaths(self, start: dt.date, end: dt.date, level: str = "district",
               caliber: str = "all") -> pd.DataFrame:
        return pd.DataFrame()

    def flows(self, start: dt.date, end: dt.date, level: str = "district") -> pd.DataFrame:
        return pd.DataFrame()

    def attainment(self, as_of: dt.date, level: str = "district") -> pd.DataFrame:
        return pd.DataFrame()

    def urban_split(self, as_of: dt.date, level: str = "district",
                    caliber: str = "resident") -> pd.DataFrame:
        return pd.DataFrame()

    def separation(self, as_of: dt.date, level: str = "district") -> pd.DataFrame:
        return pd.DataFrame()

    def permit_holding(self, as_of: dt.date, areas: tuple[str, ...]) -> dict[str, int]:
        return {"outsiders": 0, "holders": 0}

    def jobs_housing(self, as_of: dt.date, areas: tuple[str, ...]) -> dict[str, int]:
        return {"workers": 0, "local": 0, "employed_residents": 0}


class CensusRegistry(NoEventsRegistry):
    """A registry stand-in for a Tianjin store: every district holds its 2020 census
    population at every date (so the census factor is 1); nobody lives in Chongqing. Its
    data run to ``through`` (None = no limit)."""

    through: dt.date | None = None
    synthetic: bool = True

    def caliber(self, as_of: dt.date, caliber: str, level: str = "district",
                by: tuple[str, ...] = ()) -> pd.DataFrame:
        return pd.DataFrame([{"region": code, "sex": "male", "age": 30, "value": n}
                             for code, n in tianjin_census().items()])

    def data_through(self) -> dt.date | None:
        return self.through

    def jurisdiction(self) -> Jurisdiction:
        return TIANJIN_STORE

    def provenance(self) -> Provenance:
        return Provenance(synthetic=self.synthetic)
