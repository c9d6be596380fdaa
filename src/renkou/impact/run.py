"""Running a decision against the baseline (决策影响评估运行).

1. The baseline: every area of the store's jurisdiction projected from the registry to the
   horizon (:mod:`renkou.impact.baseline`).
2. The scenario: the same inputs with the decision's shocks (:mod:`renkou.impact.shocks`),
   projected by the same engine.
3. The table: for every year, region (each area and the jurisdiction's own code) and
   indicator, baseline, scenario and difference (:mod:`renkou.impact.indicators`), with the
   facilities of the store's inventory as supply; subsidy caseloads and budgets of the
   jurisdiction's schemes from their rates on the base date, the residents a settlement
   grants hukou counted as hukou holders (:mod:`renkou.impact.subsidies`).
4. Risk grades (:mod:`renkou.impact.risk`) and the obligations of new-area norms."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from renkou.demography.projection import ProjectionInputs, project
from renkou.errors import InputError
from renkou.impact.baseline import base_year_of, baseline_inputs
from renkou.impact.decision import Arrivals, Decision
from renkou.impact.indicators import indicator_frame
from renkou.impact.risk import risk_grades
from renkou.impact.shocks import apply_shocks
from renkou.impact.subsidies import SchemeRate, scheme_rates, subsidy_series
from renkou.jurisdictions import Jurisdiction, get_jurisdiction
from renkou.registry import Registry
from renkou.services import facilities as fac
from renkou.services.gaps import coverage_shares
from renkou.services.norms import NormsLibrary
from renkou.services.population import age_table
from renkou.types import FloatArray

TABLE_COLUMNS = ["year", "region", "indicator", "baseline", "scenario", "difference"]


@dataclass(frozen=True)
class Obligation:
    """What a new-area norm asks of an arrivals shock (e.g. 托位配建)."""

    service: str
    name: str
    region: str
    persons: float
    capacity: float
    unit: str
    citation: str


@dataclass(frozen=True)
class Assessment:
    decision: Decision
    jurisdiction: Jurisdiction
    base_year: int
    table: pd.DataFrame  # TABLE_COLUMNS
    risks: pd.DataFrame  # renkou.impact.risk.RISK_COLUMNS
    obligations: tuple[Obligation, ...]
    norms: NormsLibrary
    synthetic: bool
    scale: float = 1.0  # persons per store person (a down-scaled synthetic store)
    scale_note: str = ""
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def value(self, year: int, region: str, indicator: str, column: str = "difference"
              ) -> float:
        rows = self.table[(self.table["year"] == year) & (self.table["region"] == region)
                          & (self.table["indicator"] == indicator)]
        if rows.empty:
            raise KeyError((year, region, indicator))
        return float(rows[column].iloc[0])


def _supply(registry: Registry, jurisdiction: Jurisdiction, years: list[int],
            scale: float = 1.0) -> dict[int, dict[tuple[str, str], float]]:
    inventory = fac.inventory(registry)
    out: dict[int, dict[tuple[str, str], float]] = {}
    for year in years:
        when = dt.date(year, 12, 31)
        cap: dict[tuple[str, str], float] = {}
        for level in (jurisdiction.area_level, "city"):
            s = fac.supply(inventory, when, level, jurisdiction)
            cap.update({(str(r), str(t)): float(c) * scale for r, t, c in
                        zip(s["region"], s["type"], s["capacity"], strict=True)})
        out[year] = cap
    return out


def coverage_of(registry: Registry, norms: NormsLibrary, as_of: dt.date, caliber: str
                ) -> dict[str, dict[str, float]]:
    """Per coverage norm, the share of each area's population (and the whole's) inside the
    circle on ``as_of``."""
    jurisdiction = registry.jurisdiction()
    streets = age_table(registry, as_of, caliber, "street")
    supply = fac.supply(fac.inventory(registry), as_of, "street", jurisdiction)
    out: dict[str, dict[str, float]] = {}
    for level in (jurisdiction.area_level, "city"):
        for service, shares in coverage_shares(norms, as_of, streets, supply, level,
                                               jurisdiction).items():
            out.setdefault(service, {}).update(shares)
    return out


def obligations(decision: Decision, norms: NormsLibrary) -> list[Obligation]:
    out = []
    for shock in decision.shocks:
        if not isinstance(shock, Arrivals) or not shock.new_area:
            continue
        year = shock.schedule[0][0]
        for norm in norms.norms.values():
            if norm.scope != "new_area" or not norm.in_force(dt.date(year, 1, 1)):
                continue
            if norm.min_population and shock.total < norm.min_population:
                continue
            entry = norm.entry_at(dt.date(year, 1, 1))
            out.append(Obligation(norm.service, norm.name, shock.region, shock.total,
                                  entry.value * shock.total / 1000.0, norm.unit,
                                  entry.citation))
    return out


def scaled(inputs: ProjectionInputs, scale: float) -> ProjectionInputs:
    """The inputs with the population and migrants multiplied (rates are unchanged)."""
    if scale == 1.0:
        return inputs
    mig = inputs.net_migration
    return dataclasses.replace(inputs, population=np.asarray(inputs.population) * scale,
                               net_migration=None if mig is None else np.asarray(mig) * scale)


@dataclass(frozen=True)
class Prefetched:
    """What the assessment reads from the registry apart from the baseline, read beforehand
    (by the application layer on a second connection, while the baseline is read)."""

    coverage: dict[str, dict[str, float]]
    rates: tuple[dict[str, SchemeRate], list[str]] | None  # None: subsidies not asked for
    scale: tuple[float, str] | None = None  # (persons per store person, basis) if known


def prefetch(registry: Registry, decision: Decision, norms: NormsLibrary,
             subsidies: bool = True, scale: tuple[float, str] | None = None) -> Prefetched:
    return Prefetched(coverage=coverage_of(registry, norms, decision.as_of, decision.caliber),
                      rates=scheme_rates(registry, decision.as_of) if subsidies else None,
                      scale=scale)


def assess(registry: Registry, decision: Decision, norms: NormsLibrary, *,
           subsidies: bool = True, scale: float = 1.0, scale_note: str = "",
           prefetched: Callable[[], Prefetched] | None = None) -> Assessment:
    """The decision against the baseline. ``scale`` (persons per store person) raises a
    down-scaled synthetic store's population, migrants and facilities to the jurisdiction's
    size so that the decision's persons are compared with a population of the right size.
    ``prefetched``: gives the coverage shares, subsidy rates and (if it has one) the scale,
    asked for once the baseline's inputs are read (a future's result: read meanwhile on
    another connection); else they are read here."""
    jurisdiction = registry.jurisdiction()
    if decision.jurisdiction:
        # A district's decision may be assessed on its city's store (the city contains it).
        own = get_jurisdiction(decision.jurisdiction)
        if not jurisdiction.contains(own.code):
            raise InputError(f"决策文件属于{own.name}，不在数据库的辖区{jurisdiction.name}内",
                             file=decision.source or None)
    base_year = base_year_of(decision.as_of)
    raw = baseline_inputs(registry, list(jurisdiction.area_codes), base_year,
                          decision.horizon, decision.caliber)
    ready = prefetched() if prefetched is not None else None
    if ready is not None and ready.scale is not None:
        scale, scale_note = ready.scale
    inputs = scaled(raw, scale)
    applied = apply_shocks(decision, inputs, jurisdiction)
    base, scen = project(inputs), project(applied.inputs)
    if applied.additions.any():
        added = project(dataclasses.replace(applied.inputs, net_migration=applied.additions,
                                            population=np.zeros_like(inputs.population)))
        scen = dataclasses.replace(scen, population=scen.population + added.population,
                                   births=scen.births + added.births,
                                   deaths=scen.deaths + added.deaths)
    years = [int(y) for y in base.years]
    supply = _supply(registry, jurisdiction, years, scale)
    coverage = (ready.coverage if ready is not None
                else coverage_of(registry, norms, decision.as_of, decision.caliber))
    zeros = np.zeros_like(applied.settled)
    extra_b: dict[str, FloatArray] = {"settled": zeros, "arrivals": zeros}
    extra_s: dict[str, FloatArray] = {"settled": applied.settled, "arrivals": applied.arrivals}
    warnings = list(applied.warnings)
    if subsidies:
        granted = None
        if decision.caliber == "resident" and applied.granted.any():
            # The residents granted hukou, followed as cohorts of their own (a hukou-caliber
            # run has them among its arrivals already).
            granted = project(dataclasses.replace(
                applied.inputs, net_migration=applied.granted,
                population=np.zeros_like(inputs.population)))
        rates = ready.rates if ready is not None else None
        series, notes = subsidy_series(registry, decision.as_of, base, scen, scale, granted,
                                       rates)
        warnings += notes
        for name, (b, s) in series.items():
            extra_b[name], extra_s[name] = b, s
    fb = indicator_frame(base, jurisdiction.code, norms, supply, coverage, extra_b)
    fs = indicator_frame(scen, jurisdiction.code, norms, supply, coverage, extra_s)
    table = fb.merge(fs, on=["year", "region", "indicator"], suffixes=("_b", "_s"))
    table = table.rename(columns={"value_b": "baseline", "value_s": "scenario"})
    table["difference"] = table["scenario"] - table["baseline"]
    table = table[TABLE_COLUMNS].sort_values(["indicator", "region", "year"], kind="stable")
    table = table.reset_index(drop=True)
    return Assessment(decision=decision, jurisdiction=jurisdiction, base_year=base_year,
                      table=table, risks=risk_grades(table),
                      obligations=tuple(obligations(decision, norms)), norms=norms,
                      synthetic=registry.provenance().synthetic, scale=scale,
                      scale_note=scale_note, warnings=tuple(warnings))
