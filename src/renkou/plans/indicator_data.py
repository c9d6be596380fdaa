"""The registry as the indicator engine sees it (指标计算数据源): arrays for one area.

Wraps ``renkou.registry.Registry`` (which returns data frames by region) and hands the engine
(2, 101) age–sex arrays and small mappings for a city, district or 街镇. City values are sums
of the city's districts, as the registry contract requires. Queries are cached per instance
because group shares ask for every district at the same date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from renkou.errors import InputError
from renkou.plans.formulas import NAGES, OPEN_AGE
from renkou.regions import gazetteer
from renkou.types import FloatArray

if TYPE_CHECKING:
    from renkou.registry import Registry

SEX_INDEX = {"male": 0, "female": 1, "男": 0, "女": 1}


def area_level(area: str) -> str:
    """city | district | street, from the code."""
    if len(area) == 9:
        return "street"
    region = gazetteer().regions.get(area)
    if region is not None and region.level == "city":
        return "city"
    if len(area) == 6:
        return "district"
    raise InputError(f"无法识别的地区代码 {area}（应为6位区县或9位街镇代码）")


def _filter(df: pd.DataFrame, area: str) -> pd.DataFrame:
    if "region" not in df.columns:
        return df
    regions = df["region"].astype(str)
    if area_level(area) == "city":
        return df[regions.str.startswith(area[:2])]
    return df[regions == area]


def _query_level(area: str) -> str:
    return "street" if area_level(area) == "street" else "district"


def _sex_age_array(df: pd.DataFrame, age_col: str = "age") -> FloatArray:
    out = np.zeros((2, NAGES), dtype=np.float64)
    if df.empty:
        return out
    sex = df["sex"].map(SEX_INDEX).to_numpy()
    age = np.minimum(df[age_col].astype(int).to_numpy(), OPEN_AGE)
    np.add.at(out, (sex, age), df["value"].astype(float).to_numpy())
    return out


class RegistryData:
    """:class:`renkou.plans.indicators.IndicatorData` over a Registry."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._cache: dict[tuple[Any, ...], pd.DataFrame] = {}

    def _get(self, key: tuple[Any, ...]) -> pd.DataFrame:
        if key not in self._cache:
            method, *args = key
            level = args[-1]
            if method == "caliber":
                as_of, caliber, _ = args
                df = self.registry.caliber(as_of, caliber, level=level,
                                           by=("region", "sex", "age"))
            elif method == "births":
                start, end, _ = args
                df = self.registry.births(start, end, level=level)
            elif method == "deaths":
                start, end, _ = args
                df = self.registry.deaths(start, end, level=level)
            elif method == "attainment":
                df = self.registry.attainment(args[0], level=level)
            elif method == "urban_split":
                df = self.registry.urban_split(args[0], level=level)
            elif method == "separation":
                df = self.registry.separation(args[0], level=level)
            else:  # pragma: no cover - programming error
                raise ValueError(method)
            self._cache[key] = df
        return self._cache[key]

    def population(self, as_of: dt.date, caliber: str, area: str) -> FloatArray:
        df = self._get(("caliber", as_of, caliber, _query_level(area)))
        return _sex_age_array(_filter(df, area))

    def _year(self, method: str, year: int, area: str) -> pd.DataFrame:
        df = self._get((method, dt.date(year, 1, 1), dt.date(year, 12, 31), _query_level(area)))
        return _filter(df, area)

    def births_by_mother_age(self, year: int, area: str) -> FloatArray:
        df = self._year("births", year, area)
        out = np.zeros(NAGES, dtype=np.float64)
        if not df.empty:
            age = np.minimum(df["mother_age"].astype(int).to_numpy(), OPEN_AGE)
            np.add.at(out, age, df["value"].astype(float).to_numpy())
        return out

    def births_by_sex(self, year: int, area: str) -> FloatArray:
        df = self._year("births", year, area)
        out = np.zeros(2, dtype=np.float64)
        if not df.empty:
            np.add.at(out, df["sex"].map(SEX_INDEX).to_numpy(),
                      df["value"].astype(float).to_numpy())
        return out

    def deaths(self, year: int, area: str) -> FloatArray:
        return _sex_age_array(self._year("deaths", year, area))

    def attainment(self, as_of: dt.date, area: str) -> Mapping[tuple[int, str], float]:
        df = _filter(self._get(("attainment", as_of, _query_level(area))), area)
        if df.empty:
            return {}
        grouped = df.groupby(["age", "education"], as_index=False)["value"].sum()
        return {(int(a), str(e)): float(v) for a, e, v in zip(
            grouped["age"], grouped["education"], grouped["value"], strict=True)}

    def urban(self, as_of: dt.date, area: str) -> tuple[float, float]:
        df = _filter(self._get(("urban_split", as_of, _query_level(area))), area)
        if df.empty:
            return 0.0, 0.0
        col = next((c for c in ("urban", "kind", "城乡") if c in df.columns), None)
        if col is None:
            raise InputError(f"城乡划分数据缺少城乡列（现有列：{', '.join(df.columns)}）")
        flag = df[col].map(lambda v: v in (True, "urban", "城镇", 1, "1", "true", "True"))
        total = float(df["value"].sum())
        return float(df.loc[flag, "value"].sum()), total

    def separation(self, as_of: dt.date, area: str) -> Mapping[str, float]:
        df = _filter(self._get(("separation", as_of, _query_level(area))), area)
        if df.empty:
            return {}
        return {str(k): float(v) for k, v in df.groupby("kind")["value"].sum().items()}
