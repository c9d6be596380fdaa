"""Population views of a store (人口金字塔、分区人口、人户分离、辖区区划).

Every view works on the store's own jurisdiction: the whole jurisdiction by default, its areas
(districts and counties, or 街镇 of a district deployment) for the area views, and the level of
a code decided by what the code is to the jurisdiction, not by its length."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from renkou.errors import InputError, NotFoundError
from renkou.jurisdictions import Jurisdiction
from renkou.regions import Region, gazetteer
from renkou.registry import Registry
from renkou.types import OPEN_AGE

Caliber = Literal["hukou", "resident", "employed", "active"]
Level = Literal["city", "district", "street"]

CALIBER_NAMES: dict[str, str] = {
    "hukou": "户籍人口",
    "resident": "常住人口",
    "employed": "就业人口",
    "active": "实际活动人口",
}
CALIBERS: tuple[str, ...] = get_args(Caliber)
# 人户分离 kinds in the order the registry reports them.
SEPARATION_KINDS = ("same_district", "other_district", "outside_city")


@dataclass(frozen=True)
class Pyramid:
    """Single-year age–sex counts of one area (ages 0 … OPEN_AGE, the last open)."""

    caliber: str
    as_of: dt.date
    area: str
    area_name: str
    level: Level
    male: tuple[int, ...]
    female: tuple[int, ...]

    @property
    def caliber_name(self) -> str:
        return CALIBER_NAMES[self.caliber]

    @property
    def total(self) -> int:
        return sum(self.male) + sum(self.female)


@dataclass(frozen=True)
class AreaValue:
    code: str
    name: str
    value: int


@dataclass(frozen=True)
class AreaValues:
    """One caliber's totals by area (districts/counties, or 街镇)."""

    caliber: str
    as_of: dt.date
    level: Level
    areas: tuple[AreaValue, ...]

    @property
    def caliber_name(self) -> str:
        return CALIBER_NAMES[self.caliber]

    @property
    def total(self) -> int:
        return sum(a.value for a in self.areas)


@dataclass(frozen=True)
class SeparationRow:
    """人户分离 of one area of residence by where the hukou is."""

    code: str
    name: str
    same_district: int
    other_district: int
    outside_city: int


@dataclass(frozen=True)
class AreaInfo:
    """A division with the jurisdiction's group it belongs to (中心城区, 镇 …), if any."""

    code: str
    name: str
    level: str
    parent: str | None
    group: str | None
    group_name: str | None
    census2020: int | None


def _check_caliber(caliber: str) -> str:
    if caliber not in CALIBER_NAMES:
        raise InputError(f"未知的人口口径 {caliber}（可选 {'、'.join(CALIBERS)}）")
    return caliber


def area_name(code: str) -> str:
    region = gazetteer().regions.get(code)
    return region.name if region else code


def level_of(jurisdiction: Jurisdiction, code: str) -> Level:
    """The registry level a code is counted at: the jurisdiction itself ("city"), one of its
    areas (its area level), or a 街镇 inside one of its districts."""
    if code == jurisdiction.code:
        return "city"
    if code in jurisdiction.area_codes:
        return jurisdiction.area_level
    region = gazetteer().regions.get(code)
    if region is not None and jurisdiction.contains(code) and region.level == "street":
        return "street"
    raise NotFoundError(f"{code}（{area_name(code)}）不是{jurisdiction.name}或其下辖区域")


def pyramid(registry: Registry, jurisdiction: Jurisdiction, caliber: str, as_of: dt.date,
            area: str | None = None) -> Pyramid:
    """Age–sex counts of the jurisdiction (``area`` None) or of one of its areas."""
    _check_caliber(caliber)
    code = area or jurisdiction.code
    level = level_of(jurisdiction, code)
    by = ("sex", "age") if level == "city" else ("region", "sex", "age")
    df = registry.caliber(as_of, caliber, level=level, by=by)
    if level != "city":
        df = df[df["region"] == code]
    male = [0] * (OPEN_AGE + 1)
    female = [0] * (OPEN_AGE + 1)
    for sex, age, value in zip(df["sex"], df["age"], df["value"], strict=True):
        target = male if sex == "male" else female
        target[min(int(age), OPEN_AGE)] += int(value)
    name = jurisdiction.name if code == jurisdiction.code else area_name(code)
    return Pyramid(caliber=caliber, as_of=as_of, area=code, area_name=name, level=level,
                   male=tuple(male), female=tuple(female))


def _area_codes(jurisdiction: Jurisdiction, level: str | None,
                parent: str | None) -> tuple[Level, list[str]]:
    """The level and codes of an area view: the jurisdiction's areas, or the 街镇 of one of
    its districts."""
    own: Level = jurisdiction.area_level
    if parent is None or parent == jurisdiction.code:
        if level is None or level == own:
            return own, list(jurisdiction.area_codes)
        if level == "street":
            raise InputError(f"按街镇汇总时须指定 parent（{jurisdiction.name}下辖的区县代码）")
        raise InputError(f"{jurisdiction.name}的分区层级为{_LEVEL_NAMES[own]}，不能按"
                         f"{_LEVEL_NAMES.get(level, level)}汇总")
    if parent not in jurisdiction.area_codes or own != "district":
        raise InputError(f"parent 应为{jurisdiction.name}下辖的区县代码，实际为 {parent}")
    if level not in (None, "street"):
        raise InputError(f"指定 parent 时只能按街镇汇总，实际为 {level}")
    return "street", [r.code for r in gazetteer().children(parent)]


_LEVEL_NAMES = {"city": "全辖区", "district": "区县", "street": "街镇"}


def area_values(registry: Registry, jurisdiction: Jurisdiction, caliber: str, as_of: dt.date,
                *, level: str | None = None, parent: str | None = None) -> AreaValues:
    """Totals by the jurisdiction's areas (or by 街镇 of one district) for the map."""
    _check_caliber(caliber)
    lvl, codes = _area_codes(jurisdiction, level, parent)
    df = registry.caliber(as_of, caliber, level=lvl, by=("region",))
    counts = {str(r): int(v) for r, v in zip(df["region"], df["value"], strict=True)}
    if not codes and parent is not None:  # 街镇 the gazetteer does not list
        codes = sorted(c for c in counts if c.startswith(parent))
    return AreaValues(caliber=caliber, as_of=as_of, level=lvl,
                      areas=tuple(AreaValue(c, area_name(c), counts.get(c, 0)) for c in codes))


def separation(registry: Registry, jurisdiction: Jurisdiction,
               as_of: dt.date) -> list[SeparationRow]:
    """人户分离 by area of residence and kind, one row per area of the jurisdiction."""
    df = registry.separation(as_of, level=jurisdiction.area_level)
    kinds: dict[str, dict[str, int]] = {}
    for region, kind, value in zip(df["region"], df["kind"], df["value"], strict=True):
        kinds.setdefault(str(region), {})[str(kind)] = int(value)
    out: list[SeparationRow] = []
    for area in jurisdiction.areas:
        k = kinds.get(area.code, {})
        out.append(SeparationRow(code=area.code, name=area.name,
                                 same_district=k.get("same_district", 0),
                                 other_district=k.get("other_district", 0),
                                 outside_city=k.get("outside_city", 0)))
    return out


def _info(jurisdiction: Jurisdiction, r: Region) -> AreaInfo:
    group = next((g for g in jurisdiction.groups.values() if r.code in g.members), None)
    return AreaInfo(code=r.code, name=r.name, level=r.level, parent=r.parent,
                    group=group.key if group else None, group_name=group.name if group else None,
                    census2020=r.census2020)


def areas(jurisdiction: Jurisdiction, parent: str | None = None) -> list[AreaInfo]:
    """The jurisdiction's areas, or the divisions under ``parent``."""
    regions: Sequence[Region] = (jurisdiction.areas if parent is None
                                 else gazetteer().children(parent))
    if parent is not None and not regions:
        gazetteer().get(parent)  # unknown code → NotFoundError
    return [_info(jurisdiction, r) for r in regions]


def area(jurisdiction: Jurisdiction, code: str) -> AreaInfo:
    return _info(jurisdiction, gazetteer().get(code))
