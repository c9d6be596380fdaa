"""Population by area and single age from the registry (the base of every demand)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np

from renkou.errors import InputError
from renkou.jurisdictions import Jurisdiction
from renkou.registry import Registry
from renkou.types import OPEN_AGE, FloatArray

LEVELS = ("district", "street")
CALIBERS = ("resident", "hukou")


def check_level(level: str, caliber: str = "resident") -> None:
    if level not in LEVELS:
        raise InputError(f"未知的区域层级 {level}（可选 {'、'.join(LEVELS)}）")
    if caliber not in CALIBERS:
        raise InputError(f"未知的人口口径 {caliber}（可选 resident 常住、hukou 户籍）")


def area_codes(jurisdiction: Jurisdiction, level: str, present: Iterable[str] = ()
               ) -> list[str]:
    """The codes that rows are reported for at ``level``: the jurisdiction's areas at their
    own level, or the district itself for a district jurisdiction at district level; at
    street level the 街镇 the gazetteer knows and those ``present`` in the registry (the
    gazetteer does not list every city's 街镇)."""
    from renkou.services.synth import streets_of

    check_level(level)
    if level == jurisdiction.area_level:
        return list(jurisdiction.area_codes)
    if level == "street":
        return streets_of(jurisdiction, present)
    return [jurisdiction.code]


def age_table(registry: Registry, as_of: dt.date, caliber: str, level: str
              ) -> dict[str, FloatArray]:
    """Persons by single age (0 … OPEN_AGE) for every area at ``level`` (zeros where the
    registry has nobody)."""
    check_level(level, caliber)
    through = registry.data_through()
    if through is not None and as_of > through:
        raise InputError(f"库内数据截至{through:%Y年%m月%d日}，"
                         f"{as_of:%Y年%m月%d日}的人口无法计算")
    df = registry.caliber(as_of, caliber, level=level, by=("region", "age"))
    codes = area_codes(registry.jurisdiction(), level, (str(c) for c in df["region"].unique()))
    out = {c: np.zeros(OPEN_AGE + 1) for c in codes}
    for region, group in df.groupby("region"):
        arr = out.get(str(region))
        if arr is None:
            continue
        ages = np.minimum(group["age"].astype(int).to_numpy(), OPEN_AGE)
        np.add.at(arr, ages, group["value"].astype(float).to_numpy())
    return out
