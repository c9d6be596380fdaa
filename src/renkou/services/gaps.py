"""Demand, supply and gaps (供需缺口) by area and service.

For every area and every norm in force: population = the persons of the norm's ages;
demand = the norm applied to them (:func:`renkou.services.demand.norm_demand`); supply = the
capacity of the norm's facility type in service; gap = demand − supply; coverage = supply ÷
demand (empty when demand is 0). A ``share_of`` norm's demand is its share of the supply of
the service it names. A ``coverage`` norm (the 15-minute elderly-care circle) counts as
supply the served population of the 街镇 that have a facility of its type, so its gap is the
population outside the circle."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd

from renkou.jurisdictions import Jurisdiction
from renkou.services.demand import norm_demand, norm_population
from renkou.services.facilities import area_code
from renkou.services.norms import NormsLibrary
from renkou.types import FloatArray

COLUMNS = ["region", "service", "population", "norm", "demand", "supply", "gap", "coverage"]


def covered_streets(supply_streets: pd.DataFrame, facility: str) -> set[str]:
    """街镇 with capacity of ``facility`` (``supply`` at street level)."""
    hit = supply_streets[(supply_streets["type"] == facility)
                         & (supply_streets["capacity"] > 0)]
    return {str(r) for r in hit["region"]}


def gaps_frame(norms: NormsLibrary, when: dt.date, ages: Mapping[str, FloatArray],
               supply_level: pd.DataFrame, *, household_size: float,
               covered_share: Mapping[str, Mapping[str, float]] | None = None) -> pd.DataFrame:
    """The gaps table (``COLUMNS``) for the areas of ``ages``; ``supply_level`` is
    :func:`renkou.services.facilities.supply` at the same level; ``covered_share`` gives,
    per coverage norm and area, the share of its served population inside the circle."""
    cap = {(str(r), str(t)): float(c) for r, t, c in zip(
        supply_level["region"], supply_level["type"], supply_level["capacity"], strict=True)}
    rows = []
    for region, by_age in ages.items():
        for norm in norms.area_norms(when):
            value = norm.at(when)
            pop = norm_population(norm, by_age)
            if norm.kind == "coverage":
                share = (covered_share or {}).get(norm.service, {}).get(region, 0.0)
                supply = pop * share
            else:
                supply = cap.get((region, norm.facility_type), 0.0)
            parent = cap.get((region, norms[norm.of].facility_type), 0.0) if norm.of else 0.0
            demand = norm_demand(norm, value, pop, household_size=household_size,
                                 parent_supply=parent)
            rows.append({"region": region, "service": norm.service, "population": pop,
                         "norm": value, "demand": demand, "supply": supply,
                         "gap": demand - supply,
                         "coverage": supply / demand if demand > 0 else np.nan})
    return pd.DataFrame(rows, columns=COLUMNS)


def coverage_shares(norms: NormsLibrary, when: dt.date, street_ages: Mapping[str, FloatArray],
                    supply_streets: pd.DataFrame, level: str, jurisdiction: Jurisdiction
                    ) -> dict[str, dict[str, float]]:
    """Per coverage norm, the share of each area's served population living in 街镇 with a
    facility of the norm's type (computed on 街镇, aggregated to ``level``)."""
    out: dict[str, dict[str, float]] = {}
    for norm in norms.area_norms(when):
        if norm.kind != "coverage":
            continue
        covered = covered_streets(supply_streets, norm.facility_type)
        inside: dict[str, float] = {}
        total: dict[str, float] = {}
        any_site: dict[str, bool] = {}
        for street, by_age in street_ages.items():
            area = area_code(street, level, jurisdiction)
            pop = norm_population(norm, by_age)
            total[area] = total.get(area, 0.0) + pop
            any_site[area] = any_site.get(area, False) or street in covered
            if street in covered:
                inside[area] = inside.get(area, 0.0) + pop
        # An area with nobody of the ages counts as covered when it has a site.
        out[norm.service] = {a: inside.get(a, 0.0) / t if t > 0 else float(any_site[a])
                             for a, t in total.items()}
    return out
