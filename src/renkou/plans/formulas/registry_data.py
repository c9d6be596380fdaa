"""The registry as the indicator engine sees it (指标计算数据源): arrays for one area.

Wraps ``renkou.registry.Registry`` (which returns data frames by region) and hands the engine
(2, 101) age–sex arrays and small mappings for the store's jurisdiction, one of its area
groups, a district or a 街镇. Values of the jurisdiction and of a group are sums of their
areas, as the registry contract requires. Queries are cached per instance
because group shares ask for every district at the same date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from renkou.errors import InputError
from renkou.jurisdictions import Jurisdiction
from renkou.plans.formulas.protocol import NAGES
from renkou.plans.model.areas import group_of, zones_of
from renkou.regions import gazetteer
from renkou.types import OPEN_AGE, FloatArray

if TYPE_CHECKING:
    from renkou.plans.zones import Zone
    from renkou.registry import Registry

SEX_INDEX = {"male": 0, "female": 1, "男": 0, "女": 1}
# The registry's attainment levels (registry.spells.EDUCATION_LEVELS) in the NBS names the
# demography core and the formulas use; "unknown" is left out of every attainment measure.
EDUCATION_ZH = {"none": "未上过学", "primary": "小学", "junior_secondary": "初中",
                "senior_secondary": "高中", "vocational_secondary": "高中",
                "junior_college": "大学专科", "bachelor": "大学本科", "postgraduate": "研究生"}


def area_level(area: str, jurisdiction: Jurisdiction) -> str:
    """whole | group | district | street: the jurisdiction itself, one of its area groups
    (``group:<key>``), a county-level code or a 街镇 code. Another province-level city is
    "whole" too (it holds no one of this store's jurisdiction, so it reads as empty)."""
    if area == jurisdiction.code:
        return "whole"
    if group_of(area) is not None:
        return "group"
    if len(area) == 9:
        return "street"
    region = gazetteer().regions.get(area)
    if region is not None and region.level == "city":
        return "whole"
    if len(area) == 6:
        return "district"
    raise InputError(f"无法识别的地区代码 {area}（应为6位区县或9位街镇代码）")


def group_members(area: str, jurisdiction: Jurisdiction) -> tuple[str, ...]:
    """Division codes of a group area (NotFoundError naming the jurisdiction if unknown)."""
    key = group_of(area)
    assert key is not None
    return jurisdiction.group(key).members


def _filter(df: pd.DataFrame, area: str, jurisdiction: Jurisdiction) -> pd.DataFrame:
    if "region" not in df.columns:
        return df
    regions = df["region"].astype(str)
    level = area_level(area, jurisdiction)
    if level == "whole":
        if area == jurisdiction.code:
            return df[regions.map(jurisdiction.contains).astype(bool)]
        return df[regions.str.startswith(area[:2])]
    if level == "group":
        return df[regions.isin(set(group_members(area, jurisdiction)))]
    return df[regions == area]


def _query_level(area: str, jurisdiction: Jurisdiction) -> str:
    level = area_level(area, jurisdiction)
    if level == "group":
        members = group_members(area, jurisdiction)
        return "street" if any(len(m) == 9 for m in members) else "district"
    return "street" if level == "street" else "district"


def _sex_age_array(df: pd.DataFrame, age_col: str = "age") -> FloatArray:
    out = np.zeros((2, NAGES), dtype=np.float64)
    if df.empty:
        return out
    sex = df["sex"].map(SEX_INDEX).to_numpy()
    age = np.minimum(df[age_col].astype(int).to_numpy(), OPEN_AGE)
    np.add.at(out, (sex, age), df["value"].astype(float).to_numpy())
    return out


class RegistryData:
    """:class:`renkou.plans.formulas.IndicatorData` (and ``RecordData``) over a Registry."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._cache: dict[tuple[Any, ...], pd.DataFrame] = {}
        self._records_cache: dict[tuple[str, dt.date, str], dict[str, float]] = {}
        self._zone_cache: dict[tuple[str, dt.date, str], dict[str, float]] = {}
        self._zones: dict[str, Zone] | None = None
        self.through = registry.data_through()
        self.jurisdiction = registry.jurisdiction()

    def _filter(self, df: pd.DataFrame, area: str) -> pd.DataFrame:
        return _filter(df, area, self.jurisdiction)

    def _level(self, area: str) -> str:
        return _query_level(area, self.jurisdiction)

    def _get(self, key: tuple[Any, ...]) -> pd.DataFrame:
        if key not in self._cache:
            method, *args = key
            level = args[-1]
            # A date after the registry's data would count an incomplete population.
            needed = args[1] if method in ("births", "flows", "deaths") else args[0]
            if self.through is not None and needed > self.through:
                raise InputError(f"库内数据截至{self.through:%Y年%m月%d日}，"
                                 f"{needed:%Y年%m月%d日}的数值无法计算")
            if method == "caliber":
                as_of, caliber, _ = args
                df = self.registry.caliber(as_of, caliber, level=level,
                                           by=("region", "sex", "age"))
            elif method == "births":
                start, end, caliber, _ = args
                df = self.registry.births(start, end, level=level, caliber=caliber)
            elif method == "flows":
                start, end, _ = args
                df = self.registry.flows(start, end, level=level)
            elif method == "deaths":
                start, end, caliber, _ = args
                df = self.registry.deaths(start, end, level=level, caliber=caliber)
            elif method == "attainment":
                df = self.registry.attainment(args[0], level=level)
            elif method == "urban_split":
                df = self.registry.urban_split(args[0], level=level, caliber=args[1])
            elif method == "separation":
                df = self.registry.separation(args[0], level=level)
            else:  # pragma: no cover - programming error
                raise ValueError(method)
            self._cache[key] = df
        return self._cache[key]

    def population(self, as_of: dt.date, caliber: str, area: str) -> FloatArray:
        df = self._get(("caliber", as_of, caliber, self._level(area)))
        return _sex_age_array(self._filter(df, area))

    def _births(self, year: int, area: str, caliber: str) -> pd.DataFrame:
        key = ("births", dt.date(year, 1, 1), dt.date(year, 12, 31), caliber,
               self._level(area))
        return self._filter(self._get(key), area)

    def births_by_mother_age(self, year: int, area: str, caliber: str = "all"
                             ) -> FloatArray:
        df = self._births(year, area, caliber)
        # Births whose mother is not in the registry have no mother's age; they cannot enter
        # age-specific rates (they still count in SRB, IMR and the crude birth rate).
        df = df[df["mother_age"].notna()] if not df.empty else df
        out = np.zeros(NAGES, dtype=np.float64)
        if not df.empty:
            age = np.minimum(df["mother_age"].astype(int).to_numpy(), OPEN_AGE)
            np.add.at(out, age, df["value"].astype(float).to_numpy())
        return out

    def births_by_sex(self, year: int, area: str, caliber: str = "all") -> FloatArray:
        df = self._births(year, area, caliber)
        out = np.zeros(2, dtype=np.float64)
        if not df.empty:
            np.add.at(out, df["sex"].map(SEX_INDEX).to_numpy(),
                      df["value"].astype(float).to_numpy())
        return out

    def flows(self, year: int, area: str) -> Mapping[str, float]:
        """Moves across the area's boundary by kind. The query runs at the area's own level
        (city, district or 街镇) so that moves inside it are internal; a district group is
        the sum of its districts (moves between its members count as in and out)."""
        whole = area_level(area, self.jurisdiction) == "whole"
        level = "city" if whole else self._level(area)
        key = ("flows", dt.date(year, 1, 1), dt.date(year, 12, 31), level)
        df = self._get(key)
        if level == "city":
            df = df[df["region"].astype(str) == area] if not df.empty else df
        else:
            df = self._filter(df, area)
        if df.empty:
            return {}
        return {str(k): float(v) for k, v in df.groupby("flow")["value"].sum().items()}

    def deaths(self, year: int, area: str, caliber: str = "all") -> FloatArray:
        key = ("deaths", dt.date(year, 1, 1), dt.date(year, 12, 31), caliber,
               self._level(area))
        return _sex_age_array(self._filter(self._get(key), area))

    def attainment(self, as_of: dt.date, area: str) -> Mapping[tuple[int, str], float]:
        df = self._filter(self._get(("attainment", as_of, self._level(area))), area)
        if df.empty:
            return {}
        df = df.assign(education=df["education"].map(
            lambda e: EDUCATION_ZH.get(str(e), str(e))))
        df = df[df["education"] != "unknown"]
        grouped = df.groupby(["age", "education"], as_index=False)["value"].sum()
        return {(int(a), str(e)): float(v) for a, e, v in zip(
            grouped["age"], grouped["education"], grouped["value"], strict=True)}

    def urban(self, as_of: dt.date, area: str, caliber: str = "resident"
              ) -> tuple[float, float]:
        """(urban, people whose urban/rural status is known): people of unknown status
        are left out of both, so that missing census answers do not lower the rate."""
        df = self._filter(self._get(("urban_split", as_of, caliber, self._level(area))), area)
        if df.empty or "urban" not in df.columns:
            return 0.0, 0.0
        known = df[df["urban"].notna()]
        flag = known["urban"].astype(bool)
        return float(known.loc[flag, "value"].sum()), float(known["value"].sum())

    def separation(self, as_of: dt.date, area: str) -> Mapping[str, float]:
        df = self._filter(self._get(("separation", as_of, self._level(area))), area)
        if df.empty:
            return {}
        return {str(k): float(v) for k, v in df.groupby("kind")["value"].sum().items()}

    # -- record-based indicators (RecordData) ----------------------------------------------
    def _prefixes(self, area: str) -> tuple[str, ...]:
        """The area as division-code prefixes: the jurisdiction's own prefix for the whole
        of it, the members of a group, else the code itself."""
        level = area_level(area, self.jurisdiction)
        if level == "whole":
            return (self.jurisdiction.prefix,) if area == self.jurisdiction.code else (area[:2],)
        if level == "group":
            return group_members(area, self.jurisdiction)
        return (area,)

    def _records(self, method: str, as_of: dt.date, area: str) -> Mapping[str, float]:
        if self.through is not None and as_of > self.through:
            raise InputError(f"库内数据截至{self.through:%Y年%m月%d日}，"
                             f"{as_of:%Y年%m月%d日}的数值无法计算")
        names = zones_of(area)
        if names is not None:
            return self._zone_records(method, as_of, names)
        key = (method, as_of, area)
        if key not in self._records_cache:
            query = getattr(self.registry, "permit_holding" if method == "permits"
                            else "jobs_housing", None)
            if query is None:  # a stand-in registry without the records
                raise InputError("人口基础信息库不提供居住证与就业登记记录，无法计算此指标")
            counts = query(as_of, self._prefixes(area))
            self._records_cache[key] = {k: float(v) for k, v in counts.items()}
        return self._records_cache[key]

    def _zone_records(self, method: str, as_of: dt.date, names: tuple[str, ...]
                      ) -> Mapping[str, float]:
        """Counts of function zones added zone by zone (a person working in one zone and
        living in another is local to neither); every zone the store defines is counted in
        one query per date."""
        if method != "jobs":
            raise InputError("功能区只支持职住平衡率的计算")
        if self._zones is None:
            from renkou.plans.zones import stored_zones

            self._zones = stored_zones(self.registry)
        missing = [n for n in names if n not in self._zones]
        if missing:
            raise InputError(f"库中未定义功能区：{'、'.join(missing)}"
                             "（renkou plans zones import 导入功能区范围）")
        key = ("zones", as_of, "")
        if key not in self._zone_cache:
            counts = self.registry.jobs_housing_many(
                as_of, {n: z.streets for n, z in self._zones.items()})
            for name, c in counts.items():
                self._zone_cache[("zones", as_of, name)] = {k: float(v) for k, v in c.items()}
            self._zone_cache[key] = {}
        total: dict[str, float] = {}
        for name in names:
            for k, v in self._zone_cache[("zones", as_of, name)].items():
                total[k] = total.get(k, 0.0) + v
        return total

    def permit_holding(self, as_of: dt.date, area: str) -> Mapping[str, float]:
        return self._records("permits", as_of, area)

    def jobs_housing(self, as_of: dt.date, area: str) -> Mapping[str, float]:
        return self._records("jobs", as_of, area)
