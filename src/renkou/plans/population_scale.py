"""Scale factors of a down-scaled registry (总量折算系数): persons each registry person
stands for, by caliber.

The embedded demo city holds about 1 in 70 people. Totals in 万人 are multiplied by a
factor so they read like the real city's:

* **resident** (常住) — the 七普 resident population of the area (regions.yaml) ÷ the
  registry's residents on the census day, 2020-11-01 (:func:`census_scale`);
* **hukou** (户籍) — a published hukou total of the area (``data/published-hukou.yaml``:
  plan texts and statistical communiqués, with sources) ÷ the registry's hukou population
  on the same date (:func:`hukou_scale`). The resident factor would be wrong for hukou
  totals whenever the registry's hukou/resident ratio differs from the real one (demo 西青区:
  0.64 hukou per resident; real: 46.59万 ÷ 119.5万 = 0.39). Where no published figure
  exists, or the registry holds no hukou registrant on its date, the resident factor is
  used and :class:`ScaleFactor.basis` says so.

A real registry needs no factor (1). Rates and shares never use one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

import yaml

from renkou.regions import gazetteer

if TYPE_CHECKING:
    from renkou.registry import Registry

CENSUS_DAY = dt.date(2020, 11, 1)


@dataclass(frozen=True)
class PublishedHukou:
    """A published year-end hukou total (已公布户籍人口)."""

    area: str
    as_of: dt.date
    value: float  # 万人
    source: str  # the text or publication (shown in outputs)
    verified: bool  # tag V (official text) rather than V* (secondary source)
    url: str = ""  # where it was read (kept in the data file, not printed in reports)


@dataclass(frozen=True)
class ScaleFactor:
    """Persons per registry person for totals of one caliber, and how it was obtained."""

    value: float
    caliber: str  # "resident" | "hukou"
    basis: str  # Chinese, for the output and the report

    def describe(self) -> str:
        what = "常住人口类" if self.caliber == "resident" else "户籍人口类"
        return f"{what}总量指标按折算系数{self.value:.2f}换算（{self.basis}）"


@lru_cache(maxsize=1)
def _published() -> tuple[PublishedHukou, ...]:
    path = resources.files("renkou.plans").joinpath("data", "published-hukou.yaml")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(PublishedHukou(area=str(f["area"]), as_of=f["date"], value=float(f["value"]),
                                source=str(f["source"]), verified=f.get("tag") == "V",
                                url=str(f.get("url", "")))
                 for f in raw["figures"])


def published_hukou(area: str) -> list[PublishedHukou]:
    """Published hukou totals of ``area``, oldest first."""
    return sorted((f for f in _published() if f.area == area), key=lambda f: f.as_of)


def nearest_published(area: str, year: int) -> PublishedHukou | None:
    """The published hukou total nearest the end of ``year`` (a verified figure wins at
    equal distance; then the earlier one)."""
    figures = published_hukou(area)
    if not figures:
        return None
    return min(figures, key=lambda f: (abs(f.as_of.year - year), not f.verified, f.as_of))


def _registry_count(registry: Registry, area: str, when: dt.date, caliber: str) -> float:
    from renkou.plans.indicator_data import RegistryData

    return float(RegistryData(registry).population(when, caliber, area).sum())


def census_scale(registry: Registry, area: str) -> float:
    """Persons per registry resident for a down-scaled (synthetic) city: the 七普 resident
    population of the area (regions.yaml) ÷ the registry's residents on the census day."""
    return resident_scale(registry, area).value


def resident_scale(registry: Registry, area: str) -> ScaleFactor:
    """:func:`census_scale` with its basis."""
    region = gazetteer().regions.get(area)
    if region is None:
        return ScaleFactor(1.0, "resident", "地区不在区划表中，不折算")
    members = gazetteer().districts(area) if region.level == "city" else [region]
    census = sum(r.census2020 or 0 for r in members)
    counted = _registry_count(registry, area, CENSUS_DAY, "resident")
    if census <= 0 or counted <= 0:
        return ScaleFactor(1.0, "resident", "无七普常住人口或库内无常住人口，不折算")
    return ScaleFactor(census / counted, "resident",
                       f"七普常住人口{census / 1e4:.2f}万÷库内{CENSUS_DAY.isoformat()}"
                       f"常住人口{counted:.0f}人")


def hukou_scale(registry: Registry, area: str, base_year: int,
                resident: ScaleFactor | None = None) -> ScaleFactor:
    """Persons per registry hukou registrant: the published hukou total nearest the end of
    ``base_year`` ÷ the registry's hukou population on its date; the resident factor (with
    the reason) when there is no published figure or no registrant on that date."""
    fallback = resident if resident is not None else resident_scale(registry, area)
    figure = nearest_published(area, base_year)
    if figure is None:
        return ScaleFactor(fallback.value, "hukou",
                           "无公布的户籍人口数，沿用常住人口折算系数：" + fallback.basis)
    counted = _registry_count(registry, area, figure.as_of, "hukou")
    if counted <= 0:
        return ScaleFactor(fallback.value, "hukou",
                           f"库内{figure.as_of.isoformat()}无户籍人口，沿用常住人口折算系数："
                           + fallback.basis)
    return ScaleFactor(figure.value * 1e4 / counted, "hukou",
                       f"公布的{figure.as_of.year}年末户籍人口{figure.value:g}万÷库内同日户籍人口"
                       f"{counted:.0f}人；来源：{figure.source}")
