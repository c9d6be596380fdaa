"""Registry counts read once for an assessment (评估基础数据): the caliber at every date it
needs, births and deaths of the base window, as (2, 101) arrays by area.

The baseline asks the same counts of every area (the population at four year ends, three
years of births and deaths); read area by area they cost one registry scan per date and per
year. :func:`read_panel` reads them in three queries (all dates from one scan of the
caliber's interval table, each flow's years from one query), and :class:`PanelData` hands
them to the registry-to-projection bridge as :class:`renkou.plans.IndicatorData` does. A
count it was not given (another date, an area group) comes from ``fallback``, the registry
itself, so a caller never gets a wrong zero for something it did not read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from renkou.errors import InputError
from renkou.jurisdictions import Jurisdiction
from renkou.plans.formulas.protocol import NAGES, IndicatorData
from renkou.plans.formulas.registry_data import SEX_INDEX
from renkou.registry import Registry
from renkou.types import OPEN_AGE, FloatArray

BIRTHS_OF = {"resident": "all", "hukou": "hukou"}  # births and deaths behind each caliber


def _by_key(keys: pd.Series, sex: pd.Series, age: pd.Series, value: pd.Series
            ) -> dict[str, FloatArray]:
    """(2, NAGES) arrays of the summed values per key."""
    codes, uniques = pd.factorize(keys, sort=True)
    sexes, names = pd.factorize(sex)
    out = np.zeros((len(uniques), 2, NAGES))
    np.add.at(out, (codes, np.array([SEX_INDEX[str(n)] for n in names], np.int64)[sexes],
                    np.minimum(age.to_numpy(dtype=np.int64), OPEN_AGE)),
              value.to_numpy(dtype=np.float64))
    return {str(k): out[i] for i, k in enumerate(uniques)}


class PanelData:
    """:class:`renkou.plans.IndicatorData` over counts read beforehand; anything else from
    ``fallback`` (built on first use)."""

    def __init__(self, jurisdiction: Jurisdiction, fallback: Callable[[], IndicatorData]
                 ) -> None:
        self.jurisdiction = jurisdiction
        self._fallback_factory = fallback
        self._fallback: IndicatorData | None = None
        # (caliber, date) → area code (jurisdiction, district, 街镇) → (2, NAGES)
        self._population: dict[tuple[str, dt.date], dict[str, FloatArray]] = {}
        # (births caliber, level) → year → area → rows of that year and area
        self._births: dict[tuple[str, str], dict[int, dict[str, pd.DataFrame]]] = {}
        self._deaths: dict[tuple[str, str], dict[int, dict[str, FloatArray]]] = {}

    @property
    def fallback(self) -> IndicatorData:
        if self._fallback is None:
            self._fallback = self._fallback_factory()
        return self._fallback

    # -- filling ---------------------------------------------------------------------------
    def add_population(self, caliber: str, dates: Sequence[dt.date], frame: pd.DataFrame
                       ) -> None:
        """The caliber at ``dates``: ``frame`` as_of, code (cut to the 街镇), sex, age,
        value (Registry.caliber_dates); a date without rows had nobody."""
        for as_of in dates:
            self._population[(caliber, as_of)] = {}
        for day, rows in frame.groupby("as_of", sort=False):
            code = rows["code"].astype(str)
            street = code.str.len() == 9
            arrays = _by_key(code[street], rows["sex"][street], rows["age"][street],
                             rows["value"][street])
            arrays.update(_by_key(code.str[:6], rows["sex"], rows["age"], rows["value"]))
            arrays[self.jurisdiction.code] = _by_key(
                pd.Series("", index=rows.index), rows["sex"], rows["age"], rows["value"])[""]
            self._population[(caliber, dt.date.fromisoformat(str(day)))] = arrays

    def add_flows(self, caliber: str, level: str, births: pd.DataFrame, deaths: pd.DataFrame
                  ) -> None:
        """Births (year, region, mother_age, sex, value) and deaths (year, region, sex, age,
        value) of the registry's ``*_by_year`` queries at ``level``."""
        self._births[(caliber, level)] = {
            int(str(y)): {str(r): g for r, g in rows.groupby("region")}
            for y, rows in births.groupby("year")}
        self._deaths[(caliber, level)] = {
            int(str(y)): _by_key(rows["region"].astype(str), rows["sex"], rows["age"],
                                 rows["value"]) for y, rows in deaths.groupby("year")}

    def set_years(self, caliber: str, level: str, years: Sequence[int]) -> None:
        """Years read (a year without any event still counts as read)."""
        for flows in (self._births, self._deaths):
            table = flows.setdefault((caliber, level), {})
            for y in years:
                table.setdefault(int(y), {})

    # -- reading ---------------------------------------------------------------------------
    def _level(self, area: str) -> str | None:
        if area == self.jurisdiction.code:
            return "whole"
        if area.isdigit() and len(area) in (6, 9) and area.startswith(self.jurisdiction.prefix):
            return "street" if len(area) == 9 else "district"
        return None

    def _flow_key(self, caliber: str, area: str) -> tuple[str, str] | None:
        level = self._level(area)
        for key in ((caliber, "district"), (caliber, "street")):
            if key not in self._births:
                continue
            # District-level rows sum to the whole; 街镇 rows might miss places known only to
            # the district, so the whole of a 街镇-level read comes from the fallback.
            if level == key[1] or (level == "whole" and key[1] == "district"):
                return key
        return None

    def population(self, as_of: dt.date, caliber: str, area: str) -> FloatArray:
        arrays = self._population.get((caliber, as_of))
        if arrays is None or self._level(area) is None:
            return self.fallback.population(as_of, caliber, area)
        found = arrays.get(area)
        return np.zeros((2, NAGES)) if found is None else found.copy()

    def _birth_rows(self, year: int, area: str, caliber: str) -> pd.DataFrame | None:
        key = self._flow_key(caliber, area)
        if key is None or year not in self._births[key]:
            return None
        by_area = self._births[key][year]
        if self._level(area) == "whole":
            return pd.concat(by_area.values()) if by_area else pd.DataFrame(
                {"mother_age": [], "sex": [], "value": []})
        return by_area.get(area, pd.DataFrame({"mother_age": [], "sex": [], "value": []}))

    def births_by_mother_age(self, year: int, area: str, caliber: str = "all") -> FloatArray:
        rows = self._birth_rows(year, area, caliber)
        if rows is None:
            return self.fallback.births_by_mother_age(year, area, caliber)
        out = np.zeros(NAGES)
        known = rows[rows["mother_age"].notna()]
        np.add.at(out, np.minimum(known["mother_age"].to_numpy(dtype=np.int64), OPEN_AGE),
                  known["value"].to_numpy(dtype=np.float64))
        return out

    def births_by_sex(self, year: int, area: str, caliber: str = "all") -> FloatArray:
        rows = self._birth_rows(year, area, caliber)
        if rows is None:
            return self.fallback.births_by_sex(year, area, caliber)
        out = np.zeros(2)
        np.add.at(out, rows["sex"].map(SEX_INDEX).to_numpy(dtype=np.int64),
                  rows["value"].to_numpy(dtype=np.float64))
        return out

    def deaths(self, year: int, area: str, caliber: str = "all") -> FloatArray:
        key = self._flow_key(caliber, area)
        if key is None or year not in self._deaths[key]:
            return self.fallback.deaths(year, area, caliber)
        by_area = self._deaths[key][year]
        if self._level(area) == "whole":
            return sum(by_area.values(), np.zeros((2, NAGES)))
        found = by_area.get(area)
        return np.zeros((2, NAGES)) if found is None else found.copy()

    def street_ages(self, as_of: dt.date, caliber: str) -> dict[str, FloatArray]:
        """Persons by single age of every 街镇 with anyone of the caliber on ``as_of``."""
        arrays = self._population[(caliber, as_of)]
        return {c: a.sum(axis=0) for c, a in arrays.items() if len(c) == 9}

    # -- the rest of IndicatorData: not read beforehand -------------------------------------
    def attainment(self, as_of: dt.date, area: str) -> Mapping[tuple[int, str], float]:
        return self.fallback.attainment(as_of, area)

    def urban(self, as_of: dt.date, area: str, caliber: str = "resident"
              ) -> tuple[float, float]:
        return self.fallback.urban(as_of, area, caliber)

    def separation(self, as_of: dt.date, area: str) -> Mapping[str, float]:
        return self.fallback.separation(as_of, area)

    def flows(self, year: int, area: str) -> Mapping[str, float]:
        return self.fallback.flows(year, area)


def check_through(dates: Sequence[dt.date], through: dt.date | None) -> None:
    """A date after the registry's data would count an incomplete population."""
    late = max(dates)
    if through is not None and late > through:
        raise InputError(f"库内数据截至{through:%Y年%m月%d日}，"
                         f"{late:%Y年%m月%d日}的数值无法计算")


def read_panel(registry: Registry, jurisdiction: Jurisdiction, caliber: str,
               dates: Sequence[dt.date], years: Sequence[int], level: str = "district"
               ) -> PanelData:
    """The caliber at ``dates`` (one scan) and births and deaths of ``years`` (one query
    each) by area at ``level`` (district or street)."""
    from renkou.plans import RegistryData

    if caliber not in BIRTHS_OF:
        raise InputError(f"预测只支持常住人口或户籍人口口径，不支持 {caliber}")
    check_through(dates, registry.data_through())
    panel = PanelData(jurisdiction, lambda: RegistryData(registry))
    panel.add_population(caliber, dates, registry.caliber_dates(dates, caliber))
    if years:
        flows = BIRTHS_OF[caliber]
        panel.add_flows(flows, level,
                        registry.births_by_year(min(years), max(years), level, flows),
                        registry.deaths_by_year(min(years), max(years), level, flows))
        panel.set_years(flows, level, years)
    return panel
