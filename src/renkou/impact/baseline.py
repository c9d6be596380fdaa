"""The baseline projection (基线预测) of every area of a jurisdiction from its registry.

Each area's inputs come from the registry-to-projection bridge the plan assessment uses
(:func:`renkou.plans.build_inputs`: base population at the end of the base
year, the last three years' fertility, mortality and net migration held constant); the areas
are stacked as the regions of one multi-regional run of the cohort-component engine
(:func:`renkou.demography.projection.project`), without moves between them. An area with
nobody of the caliber gets the whole jurisdiction's rates and no migration."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

from renkou.demography.projection import ProjectionInputs, ProjectionResult, project
from renkou.errors import InputError
from renkou.impact.panel import PanelData, read_panel
from renkou.jurisdictions import Jurisdiction
from renkou.plans import IndicatorData, build_inputs
from renkou.registry import Registry
from renkou.services.population import area_codes
from renkou.types import FloatArray

WINDOW = 3


def base_year_of(as_of: dt.date) -> int:
    """The last complete calendar year on ``as_of`` (the projection starts at its end)."""
    return as_of.year if (as_of.month, as_of.day) == (12, 31) else as_of.year - 1


def stack(parts: list[ProjectionInputs]) -> ProjectionInputs:
    """Single-region inputs joined as the regions of one run."""
    first = parts[0]

    def cat(name: str, axis: int) -> FloatArray:
        return np.concatenate([getattr(p, name) for p in parts], axis=axis)

    migrants = None if any(p.net_migration is None for p in parts) else cat("net_migration", -3)
    return dataclasses.replace(
        first, population=cat("population", -3), asfr=cat("asfr", -2), mx=cat("mx", -3),
        srb=cat("srb", -1), net_migration=migrants,
        region_codes=tuple(c for p in parts for c in p.region_codes))


def baseline_panel(registry: Registry, jurisdiction: Jurisdiction, base_year: int,
                   caliber: str = "resident", extra_dates: tuple[dt.date, ...] = (),
                   level: str | None = None) -> PanelData:
    """The counts every area's inputs need — the caliber at the year ends of the window and
    ``extra_dates``, births and deaths of the window's years for areas at ``level``
    (district or street; default the jurisdiction's areas) — in three queries."""
    years = list(range(base_year - WINDOW + 1, base_year + 1))
    dates = sorted({dt.date(y, 12, 31) for y in range(base_year - WINDOW, base_year + 1)}
                   | set(extra_dates))
    flows = level or ("street" if jurisdiction.area_level == "street" else "district")
    return read_panel(registry, jurisdiction, caliber, dates, years, flows)


def baseline_inputs(registry: Registry, areas: list[str], base_year: int, end_year: int,
                    caliber: str = "resident", data: IndicatorData | None = None
                    ) -> ProjectionInputs:
    """``data``: the counts read already (:func:`baseline_panel`); else read here."""
    jurisdiction = registry.jurisdiction()
    if data is None:
        level = "street" if any(len(a) == 9 for a in areas) else "district"
        data = baseline_panel(registry, jurisdiction, base_year, caliber, level=level)
    parts: list[ProjectionInputs] = []
    whole: ProjectionInputs | None = None
    for area in areas:
        if data.population(dt.date(base_year, 12, 31), caliber, area).sum() > 0:
            parts.append(build_inputs(data, area, base_year, end_year, WINDOW, caliber))
            continue
        if whole is None:
            whole = build_inputs(data, jurisdiction.code, base_year, end_year,
                                 WINDOW, caliber)
        empty = np.zeros_like(whole.population)
        parts.append(dataclasses.replace(
            whole, population=empty, region_codes=(area,),
            net_migration=None if whole.net_migration is None
            else np.zeros_like(whole.net_migration)))
    if not parts:
        raise InputError("辖区没有可预测的地区")
    return stack(parts)


def baseline(registry: Registry, as_of: dt.date, end_year: int, level: str | None = None,
             caliber: str = "resident") -> ProjectionResult:
    """The baseline run of the jurisdiction's areas (at ``level``, default their own)."""
    jurisdiction = registry.jurisdiction()
    lvl = level or jurisdiction.area_level
    base = base_year_of(as_of)
    if end_year <= base:
        raise InputError(f"预测终止年 {end_year} 须晚于基年 {base}")
    data = baseline_panel(registry, jurisdiction, base, caliber, (as_of,),
                          "street" if lvl == "street" else "district")
    present = () if lvl == jurisdiction.area_level else list(data.street_ages(as_of, caliber))
    areas = area_codes(jurisdiction, lvl, present)
    return project(baseline_inputs(registry, areas, base, end_year, caliber, data))


def projected_ages(registry: Registry, as_of: dt.date, year: int, level: str,
                   caliber: str = "resident") -> dict[str, FloatArray]:
    """Projected persons by single age at the end of ``year`` for every area at ``level``."""
    result = baseline(registry, as_of, year, level, caliber)
    pop = result.population[-1].sum(axis=-2)  # (R, A)
    return {code: pop[i] for i, code in enumerate(result.inputs.region_codes)}
