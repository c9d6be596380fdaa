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
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from renkou.demography.projection import ProjectionInputs, project
from renkou.errors import InputError
from renkou.impact.baseline import base_year_of, baseline_inputs, baseline_panel
from renkou.impact.decision import Arrivals, Decision
from renkou.impact.indicators import indicator_frame
from renkou.impact.panel import PanelData
from renkou.impact.risk import risk_grades
from renkou.impact.shocks import apply_shocks
from renkou.impact.subsidies import SchemeRate, scheme_rates, subsidy_series
from renkou.jurisdictions import Jurisdiction, get_jurisdiction
from renkou.registry import Registry
from renkou.services import facilities as fac
from renkou.services.gaps import coverage_shares
from renkou.services.norms import NormsLibrary
from renkou.services.population import area_codes
from renkou.types import OPEN_AGE, FloatArray

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


def _supply(inventory: pd.DataFrame, jurisdiction: Jurisdiction, years: list[int],
            scale: float = 1.0) -> dict[int, dict[tuple[str, str], float]]:
    """Capacity in service on 31 December of each year by (area, type), the whole included
    (as :func:`renkou.services.facilities.supply`, the inventory mapped to areas once)."""
    out: dict[int, dict[tuple[str, str], float]] = {y: {} for y in years}
    if inventory.empty:
        return out
    opened = pd.to_datetime(inventory["opened"]).to_numpy()
    closed = pd.to_datetime(inventory["closed"]).to_numpy()
    capacity = inventory["capacity"].to_numpy(dtype=np.float64)
    streets = [str(s) for s in inventory["street"]]
    types = [str(t) for t in inventory["type"]]
    keys: list[tuple[list[tuple[str, str]], np.ndarray]] = []
    for level in dict.fromkeys((jurisdiction.area_level, "city")):
        pairs = [(fac.area_code(s, level, jurisdiction), t)
                 for s, t in zip(streets, types, strict=True)]
        index = {p: i for i, p in enumerate(dict.fromkeys(pairs))}
        keys.append((list(index), np.array([index[p] for p in pairs])))
    for year in years:
        day = np.datetime64(dt.date(year, 12, 31), "ns")
        live = (opened <= day) & (np.isnat(closed) | (closed > day))
        for names, idx in keys:
            sums = np.bincount(idx[live], weights=capacity[live], minlength=len(names))
            out[year].update({k: float(v) * scale for k, v, n in zip(
                names, sums, np.bincount(idx[live], minlength=len(names)), strict=True) if n})
    return out


def coverage_of(jurisdiction: Jurisdiction, norms: NormsLibrary, as_of: dt.date,
                street_ages: Mapping[str, FloatArray], inventory: pd.DataFrame
                ) -> dict[str, dict[str, float]]:
    """Per coverage norm, the share of each area's population (and the whole's) inside the
    circle on ``as_of``; ``street_ages``: persons by age of the 街镇 with anyone (the
    gazetteer's other 街镇 of the jurisdiction count with nobody)."""
    codes = area_codes(jurisdiction, "street", street_ages)
    streets = {c: np.asarray(street_ages.get(c, np.zeros(OPEN_AGE + 1))) for c in codes}
    supply = fac.supply(inventory, as_of, "street", jurisdiction)
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
class Reads:
    """Everything an assessment takes from the registry, read before any projection runs:
    the baseline's inputs (from :func:`renkou.impact.baseline.baseline_panel`), the
    facility inventory, the coverage shares on the base date and the subsidy rates."""

    jurisdiction: Jurisdiction
    synthetic: bool
    data: PanelData  # the counts behind the baseline, the base date included
    inputs: ProjectionInputs  # the baseline's inputs, unscaled
    inventory: pd.DataFrame
    coverage: dict[str, dict[str, float]]
    rates: tuple[dict[str, SchemeRate], list[str]] | None  # None: subsidies not asked for


def check_decision(decision: Decision, jurisdiction: Jurisdiction) -> None:
    if decision.jurisdiction:
        # A district's decision may be assessed on its city's store (the city contains it).
        own = get_jurisdiction(decision.jurisdiction)
        if not jurisdiction.contains(own.code):
            raise InputError(f"决策文件属于{own.name}，不在数据库的辖区{jurisdiction.name}内",
                             file=decision.source or None)


def read(registry: Registry, decision: Decision, norms: NormsLibrary, *,
         subsidies: bool = True, extra_dates: tuple[dt.date, ...] = ()) -> Reads:
    """The registry's part of an assessment: the caliber at the window's year ends, the base
    date and ``extra_dates`` from one scan, births and deaths of the window (one query
    each), the hukou cells of the subsidy rates (one query) and the inventory."""
    jurisdiction = registry.jurisdiction()
    check_decision(decision, jurisdiction)
    base_year = base_year_of(decision.as_of)
    if decision.horizon <= base_year:
        raise InputError(f"预测终止年 {decision.horizon} 须晚于基年 {base_year}")
    data = baseline_panel(registry, jurisdiction, base_year, decision.caliber,
                          (decision.as_of, *extra_dates))
    inputs = baseline_inputs(registry, list(jurisdiction.area_codes), base_year,
                             decision.horizon, decision.caliber, data)
    inventory = fac.inventory(registry)
    coverage = coverage_of(jurisdiction, norms, decision.as_of,
                           data.street_ages(decision.as_of, decision.caliber), inventory)
    rates = scheme_rates(registry, decision.as_of) if subsidies else None
    return Reads(jurisdiction, registry.provenance().synthetic, data, inputs, inventory,
                 coverage, rates)


def assess(registry: Registry, decision: Decision, norms: NormsLibrary, *,
           subsidies: bool = True, scale: float = 1.0, scale_note: str = "") -> Assessment:
    """The decision against the baseline (:func:`read`, then :func:`compute`)."""
    reads = read(registry, decision, norms, subsidies=subsidies)
    return compute(decision, norms, reads, scale=scale, scale_note=scale_note)


def compute(decision: Decision, norms: NormsLibrary, reads: Reads, *, scale: float = 1.0,
            scale_note: str = "") -> Assessment:
    """The decision against the baseline read in ``reads``. ``scale`` (persons per store
    person) raises a down-scaled synthetic store's population, migrants and facilities to
    the jurisdiction's size so that the decision's persons are compared with a population
    of the right size."""
    jurisdiction = reads.jurisdiction
    base_year = base_year_of(decision.as_of)
    inputs = scaled(reads.inputs, scale)
    applied = apply_shocks(decision, inputs, jurisdiction)
    base, scen = project(inputs), project(applied.inputs)
    if applied.additions.any():
        added = project(dataclasses.replace(applied.inputs, net_migration=applied.additions,
                                            population=np.zeros_like(inputs.population)))
        scen = dataclasses.replace(scen, population=scen.population + added.population,
                                   births=scen.births + added.births,
                                   deaths=scen.deaths + added.deaths)
    years = [int(y) for y in base.years]
    supply = _supply(reads.inventory, jurisdiction, years, scale)
    coverage = reads.coverage
    zeros = np.zeros_like(applied.settled)
    extra_b: dict[str, FloatArray] = {"settled": zeros, "arrivals": zeros}
    extra_s: dict[str, FloatArray] = {"settled": applied.settled, "arrivals": applied.arrivals}
    warnings = list(applied.warnings)
    if reads.rates is not None:
        granted = None
        if decision.caliber == "resident" and applied.granted.any():
            # The residents granted hukou, followed as cohorts of their own (a hukou-caliber
            # run has them among its arrivals already).
            granted = project(dataclasses.replace(
                applied.inputs, net_migration=applied.granted,
                population=np.zeros_like(inputs.population)))
        series, notes = subsidy_series(reads.rates, base, scen, scale, granted)
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
                      synthetic=reads.synthetic, scale=scale,
                      scale_note=scale_note, warnings=tuple(warnings))
