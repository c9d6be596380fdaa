"""Division codes (行政区划代码, GB/T 2260): the gazetteer of provinces, districts and 街镇,
with each area's census figure and the key of the plan group it belongs to (the groups' names
are the jurisdiction's, :mod:`renkou.jurisdictions`).

Data live in ``data/regions.yaml``; this module only loads and answers questions."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import yaml

from renkou.errors import NotFoundError


@dataclass(frozen=True)
class Region:
    """One administrative area (行政区域): a city, district/county or street/town."""

    code: str
    name: str
    level: str  # "city" | "district" | "street"
    parent: str | None
    order: int
    en: str = ""
    group: str | None = None
    census2020: int | None = None
    kind: str | None = None  # for streets: "street" (街道) or "town" (镇)
    urban: bool | None = None
    aliases: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Gazetteer:
    """All known regions, with lookups by code and by name."""

    provinces: dict[str, str]
    regions: dict[str, Region]

    def get(self, code: str) -> Region:
        try:
            return self.regions[code]
        except KeyError:
            raise NotFoundError(f"未知的行政区划代码 {code}") from None

    def by_name(self, name: str) -> Region:
        for r in self.regions.values():
            if name in (r.name, r.en) or name in r.aliases:
                return r
        raise NotFoundError(f"未知的行政区划名称 {name}")

    def children(self, code: str) -> list[Region]:
        return sorted((r for r in self.regions.values() if r.parent == code),
                      key=lambda r: r.order)

    def districts(self, city: str) -> list[Region]:
        return self.children(city)

    def streets(self, district: str) -> list[Region]:
        return self.children(district)

    def is_known_province(self, code: str) -> bool:
        return code[:2] in self.provinces

    def city_of(self, code: str) -> str | None:
        """The city (直辖市) code a district or street code belongs to, if known."""
        r = self.regions.get(code)
        while r is not None and r.level != "city":
            r = self.regions.get(r.parent) if r.parent else None
        return r.code if r else None

    def district_of(self, code: str) -> str:
        return code[:6]


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    text = resources.files("renkou").joinpath("data/regions.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    regions: dict[str, Region] = {}
    order = 0
    for city in raw["cities"]:
        regions[city["code"]] = Region(city["code"], city["name"], "city", None, order,
                                       en=city.get("en", ""))
        for d in city["districts"]:
            order += 1
            regions[d["code"]] = Region(
                d["code"], d["name"], "district", city["code"], order, en=d.get("en", ""),
                group=d.get("group"), census2020=d.get("census2020"),
                aliases=tuple(d.get("aliases", ())),
            )
    for s in raw["streets"]:
        order += 1
        regions[s["code"]] = Region(
            s["code"], s["name"], "street", s["district"], order, kind=s["kind"],
            urban=s.get("urban"), aliases=(s["short"],), census2020=s.get("census2020"),
        )
    return Gazetteer(provinces={str(k): v for k, v in raw["provinces"].items()},
                     regions=regions)
