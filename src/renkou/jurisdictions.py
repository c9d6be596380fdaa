"""Jurisdictions (辖区): the government a deployment of renkou serves, as data.

A jurisdiction is a province-level city (Tianjin, Chongqing) whose areas are its districts and
counties, or a district (Xiqing) whose areas are its 街镇. It names its division code, its
areas and their groups, its census date and figures (each with its source, or labelled as an
assumption), its map shapes and the plans that apply to it. The files live in
``data/jurisdictions/``; nothing in the code names a particular one. A store records the
jurisdiction it was built for (:meth:`renkou.registry.Registry.jurisdiction`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import yaml

from renkou.errors import NotFoundError
from renkou.regions import Region, gazetteer

JurisdictionLevel = Literal["city", "district"]
AreaLevel = Literal["district", "street"]

# Division-code length of each area level (GB/T 2260 county level; NBS 街镇 level).
CODE_LENGTH: Mapping[str, int] = {"city": 6, "district": 6, "street": 9}


@dataclass(frozen=True)
class CensusFigure:
    """One published census figure (a count or a share), with where it comes from."""

    name: str
    value: float
    source: str
    assumed: bool = False  # True: not a published figure but a stated assumption


@dataclass(frozen=True)
class AreaGroup:
    """A named group of areas the plan speaks of (e.g. 中心城区, 渝东北, 镇)."""

    key: str
    name: str
    en: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class Jurisdiction:
    """The government a store serves: its code, areas, groups, census and plans."""

    key: str
    code: str
    name: str
    en: str
    level: JurisdictionLevel
    area_level: AreaLevel
    areas: tuple[Region, ...]
    groups: Mapping[str, AreaGroup]
    census_date: dt.date
    census: Mapping[str, CensusFigure]
    map_file: str | None
    plans: tuple[str, ...]
    # Division-code prefix of everything inside the jurisdiction: the province digits of a
    # province-level city ("12"), the whole county code of a district ("120111").
    prefix: str = field(default="")

    def contains(self, code: str) -> bool:
        """Whether a division code (6, 9 or 12 digits) lies inside the jurisdiction."""
        return code.startswith(self.prefix)

    @property
    def area_codes(self) -> tuple[str, ...]:
        return tuple(a.code for a in self.areas)

    def area_of(self, code: str) -> str | None:
        """The area (district, or 街镇 for a district deployment) a code lies in, if any."""
        if not self.contains(code):
            return None
        head = code[:CODE_LENGTH[self.area_level]]
        return head if head in self.area_codes else None

    def group(self, key: str) -> AreaGroup:
        try:
            return self.groups[key]
        except KeyError:
            raise NotFoundError(f"{self.name}没有名为 {key} 的区域分组") from None

    def census_value(self, name: str) -> float | None:
        fig = self.census.get(name)
        return fig.value if fig is not None else None

    @property
    def census_population(self) -> int:
        """The census resident total (七普常住人口)."""
        return int(self.census["population"].value)

    def area_census(self) -> dict[str, int]:
        """Census residents of each area that has a published (or stated) figure."""
        return {a.code: a.census2020 for a in self.areas if a.census2020 is not None}


def _load(raw: Mapping[str, Any]) -> Jurisdiction:
    gaz = gazetteer()
    code = str(raw["code"])
    level: JurisdictionLevel = raw["level"]
    area_level: AreaLevel = raw["area_level"]
    areas = tuple(gaz.children(code))
    groups: dict[str, AreaGroup] = {}
    for key, g in (raw.get("groups") or {}).items():
        members = g.get("members")
        if members is None:
            members = [a.code for a in areas if a.group == key]
        groups[key] = AreaGroup(key=key, name=g["name"], en=g.get("en", ""),
                                members=tuple(str(m) for m in members))
    census = raw["census"]
    figures = {name: CensusFigure(name=name, value=float(f["value"]), source=str(f["source"]),
                                  assumed=bool(f.get("assumed", False)))
               for name, f in census["figures"].items()}
    prefix = code[:2] if level == "city" else code
    return Jurisdiction(
        key=str(raw["key"]), code=code, name=str(raw["name"]), en=str(raw.get("en", "")),
        level=level, area_level=area_level, areas=areas, groups=groups,
        census_date=census["date"], census=figures, map_file=raw.get("map"),
        plans=tuple(raw.get("plans") or ()), prefix=prefix)


@lru_cache(maxsize=1)
def jurisdictions() -> dict[str, Jurisdiction]:
    """Every shipped jurisdiction by key (tianjin, chongqing, xiqing …)."""
    folder = resources.files("renkou").joinpath("data/jurisdictions")
    out: dict[str, Jurisdiction] = {}
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".yaml"):
            j = _load(yaml.safe_load(entry.read_text(encoding="utf-8")))
            out[j.key] = j
    return out


def get_jurisdiction(key: str) -> Jurisdiction:
    """The jurisdiction named ``key`` (or by its division code or Chinese name)."""
    all_ = jurisdictions()
    if key in all_:
        return all_[key]
    for j in all_.values():
        if key in (j.code, j.name, j.en):
            return j
    names = "、".join(f"{k}（{j.name}）" for k, j in all_.items())
    raise NotFoundError(f"未知的辖区 {key}；可选：{names}")


def jurisdiction_of_plan(plan_code: str) -> Jurisdiction:
    """The jurisdiction whose government issued the plan."""
    for j in jurisdictions().values():
        if plan_code in j.plans:
            return j
    raise NotFoundError(f"规划 {plan_code} 不属于任何已配置的辖区")
