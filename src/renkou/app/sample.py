"""A sampled store read as the whole population (抽样库折算): the one place the demo's
down-scaling lives.

A synthetic store holds a sample of its jurisdiction (a few tens of thousands of persons for
millions). Its totals in 万人 would read as a tiny city, so the application layer reads a
sampled store through :class:`SampledData`, which multiplies every count the data source
returns by persons-per-registry-person factors of its caliber:

* **resident** (常住) — the census resident population of the area (from the store's
  jurisdiction: the whole jurisdiction or one of its areas) ÷ the store's residents on the
  jurisdiction's census day (:func:`resident_scale`);
* **hukou** (户籍) — a published year-end hukou total of the area (``published-hukou.yaml``
  of the plans data: plan texts and statistical communiqués, with sources) ÷ the store's
  hukou population on the same date (:func:`hukou_scale`). The resident factor would be
  wrong for hukou totals whenever the sample's hukou/resident ratio differs from the real
  one. Where no published figure exists, or the store holds no hukou registrant on its
  date, the resident factor is used and :attr:`ScaleFactor.basis` says so.

Rates and shares are ratios of counts scaled alike, so they do not change; a real registry
is read as it is (:func:`store_data`). The domain model never sees a factor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pandas as pd
import yaml

from renkou.jurisdictions import Jurisdiction
from renkou.plans import (
    IndicatorData,
    Plan,
    RegistryData,
    is_computable,
    records_of,
    resolve,
)
from renkou.regions import gazetteer
from renkou.registry import Registry
from renkou.types import FloatArray

# Moves of the hukou register (the rest are residence registrations).
HUKOU_FLOWS = frozenset({"hukou_in", "hukou_out"})
# Totals in 万人 and the caliber whose factor scales them (the 折算系数 column).
SCALED_TOTALS: Mapping[str, str] = {
    "hukou_population": "hukou", "hukou_net_growth": "hukou", "hukou_in_migration": "hukou",
    "resident_population": "resident", "resident_net_growth": "resident",
    "working_age_population": "resident", "floating_population": "resident",
    "net_migration": "resident",
}


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


def census_population(jurisdiction: Jurisdiction, area: str) -> float | None:
    """Census residents of ``area``: the jurisdiction's total, or one of its areas'."""
    if area == jurisdiction.code:
        return float(jurisdiction.census_population)
    own = jurisdiction.area_census().get(area)
    if own is not None:
        return float(own)
    region = gazetteer().regions.get(area)
    return float(region.census2020) if region is not None and region.census2020 else None


def _count(data: IndicatorData, area: str, when: dt.date, caliber: str) -> float:
    return float(data.population(when, caliber, area).sum())


def resident_scale(registry: Registry, area: str, data: IndicatorData | None = None
                   ) -> ScaleFactor:
    """Persons per registry resident: census residents of ``area`` ÷ the store's residents
    on the jurisdiction's census day (counted by ``data`` when given, e.g. counts read
    already)."""
    jurisdiction = registry.jurisdiction()
    data = data if data is not None else RegistryData(registry)
    census = census_population(jurisdiction, area)
    day = jurisdiction.census_date
    counted = _count(data, area, day, "resident")
    if census is None or census <= 0 or counted <= 0:
        return ScaleFactor(1.0, "resident", "无普查常住人口或库内无常住人口，不折算")
    return ScaleFactor(census / counted, "resident",
                       f"普查常住人口{census / 1e4:.2f}万÷库内{day.isoformat()}"
                       f"常住人口{counted:.0f}人")


def hukou_scale(registry: Registry, area: str, base_year: int,
                resident: ScaleFactor | None = None) -> ScaleFactor:
    """Persons per registry hukou registrant: the published hukou total nearest the end of
    ``base_year`` ÷ the store's hukou population on its date; the resident factor (with the
    reason) when there is no published figure or no registrant on that date."""
    fallback = resident if resident is not None else resident_scale(registry, area)
    figure = nearest_published(area, base_year)
    if figure is None:
        return ScaleFactor(fallback.value, "hukou",
                           "无公布的户籍人口数，沿用常住人口折算系数：" + fallback.basis)
    counted = _count(RegistryData(registry), area, figure.as_of, "hukou")
    if counted <= 0:
        return ScaleFactor(fallback.value, "hukou",
                           f"库内{figure.as_of.isoformat()}无户籍人口，沿用常住人口折算系数："
                           + fallback.basis)
    return ScaleFactor(figure.value * 1e4 / counted, "hukou",
                       f"公布的{figure.as_of.year}年末户籍人口{figure.value:g}万÷库内同日户籍人口"
                       f"{counted:.0f}人；来源：{figure.source}")


class SampledData:
    """An :class:`renkou.plans.IndicatorData` whose counts are those of ``data`` × the
    factor of their caliber (hukou counts × ``hukou``, every other count × ``resident``)."""

    def __init__(self, data: IndicatorData, resident: ScaleFactor, hukou: ScaleFactor) -> None:
        self.data = data
        self.resident = resident
        self.hukou = hukou

    @property
    def notes(self) -> tuple[str, ...]:
        """How totals were scaled (Chinese, one per caliber with a factor other than 1)."""
        return tuple(f.describe() for f in (self.resident, self.hukou) if f.value != 1.0)

    def factor(self, caliber: str) -> float:
        return self.hukou.value if caliber == "hukou" else self.resident.value

    def factor_of(self, formula: str | None) -> float | None:
        """The factor applied to a formula's values; None for rates and shares."""
        if not is_computable(formula):
            return None
        caliber = SCALED_TOTALS.get(resolve(formula or ""))
        return None if caliber is None else self.factor(caliber)

    def population(self, as_of: dt.date, caliber: str, area: str) -> FloatArray:
        return self.data.population(as_of, caliber, area) * self.factor(caliber)

    def births_by_mother_age(self, year: int, area: str, caliber: str = "all"
                             ) -> FloatArray:
        return self.data.births_by_mother_age(year, area, caliber) * self.factor(caliber)

    def births_by_sex(self, year: int, area: str, caliber: str = "all") -> FloatArray:
        return self.data.births_by_sex(year, area, caliber) * self.factor(caliber)

    def deaths(self, year: int, area: str, caliber: str = "all") -> FloatArray:
        return self.data.deaths(year, area, caliber) * self.factor(caliber)

    def attainment(self, as_of: dt.date, area: str) -> Mapping[tuple[int, str], float]:
        f = self.resident.value
        return {k: v * f for k, v in self.data.attainment(as_of, area).items()}

    def urban(self, as_of: dt.date, area: str, caliber: str = "resident"
              ) -> tuple[float, float]:
        urban, total = self.data.urban(as_of, area, caliber)
        f = self.factor(caliber)
        return urban * f, total * f

    def separation(self, as_of: dt.date, area: str) -> Mapping[str, float]:
        f = self.resident.value
        return {k: v * f for k, v in self.data.separation(as_of, area).items()}

    def flows(self, year: int, area: str) -> Mapping[str, float]:
        return {k: v * self.factor("hukou" if k in HUKOU_FLOWS else "resident")
                for k, v in self.data.flows(year, area).items()}

    def permit_holding(self, as_of: dt.date, area: str) -> Mapping[str, float]:
        return self._resident_counts(records_of(self.data).permit_holding(as_of, area))

    def jobs_housing(self, as_of: dt.date, area: str) -> Mapping[str, float]:
        return self._resident_counts(records_of(self.data).jobs_housing(as_of, area))

    def _resident_counts(self, counts: Mapping[str, float]) -> Mapping[str, float]:
        f = self.resident.value
        return {k: v * f for k, v in counts.items()}


def sampled(registry: Registry, area: str, hukou_year: int,
            factor: float | None = None) -> SampledData:
    """The store read as the whole population of ``area``: census-based factors (the
    published hukou total nearest the end of ``hukou_year`` for hukou counts), or one given
    ``factor`` for every count."""
    if factor is not None:
        basis = "指定的折算系数，常住、户籍口径相同"
        return SampledData(RegistryData(registry), ScaleFactor(factor, "resident", basis),
                           ScaleFactor(factor, "hukou", basis))
    resident = resident_scale(registry, area)
    return SampledData(RegistryData(registry), resident,
                       hukou_scale(registry, area, hukou_year, resident))


def store_data(registry: Registry, area: str, hukou_year: int) -> IndicatorData:
    """How the application reads a store: scaled to census totals when the store says it is
    a sample (synthetic), as it is otherwise."""
    if registry.provenance().synthetic:
        return sampled(registry, area, hukou_year)
    return RegistryData(registry)


def plan_sample(registry: Registry, plan: Plan, factor: float | None = None) -> SampledData:
    """:func:`sampled` for a plan: its area, hukou totals of its base year."""
    return sampled(registry, plan.area_code, plan.period_start - 1, factor)


def with_factor_column(frame: pd.DataFrame, plan: Plan, sample: SampledData) -> pd.DataFrame:
    """The assessment table with a 折算系数 column: the factor of each scaled total (blank for
    rates and shares); unchanged when no factor differs from 1."""
    if not sample.notes:
        return frame
    factors = {i.code: sample.factor_of(i.formula) if i.kind == "computed" else None
               for i in plan.indicators}
    out = frame.copy()
    out["折算系数"] = [factors.get(str(code)) for code in out["指标代码"]]
    return out


__all__ = ["PublishedHukou", "SampledData", "ScaleFactor", "census_population",
           "hukou_scale", "nearest_published", "plan_sample", "published_hukou",
           "resident_scale", "sampled", "store_data", "with_factor_column"]
