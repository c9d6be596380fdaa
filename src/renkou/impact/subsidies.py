"""Subsidy caseloads and budgets (补贴受益人数与资金) of a decision.

The rules engine (:func:`renkou.rules.caseload.scheme_costs`) runs once per scheme of the
jurisdiction on the base date over the registry's hukou population of the scheme's floor age
and over, taken from the registry's counts by district, sex and single age (and the urban
share of each district): every count becomes ``REPLICAS`` weighted persons with birth dates
spread over the year of age, and the attributes the registry lacks are imputed for them as
the caseload command imputes them for persons. Reading counts, not persons, keeps the cost
independent of the store's size. The caseload per person of the projection's caliber of the
floor age and over, and the annual cost per case, are then applied to every projected area
and year (one jurisdiction-wide rate, baseline and scenario alike).

Settlement (落户) changes who holds hukou, not who lives where. In a hukou-caliber run the
persons settled join the projected population and the rate above applies to them. In a
resident-caliber run the resident population is unchanged, but the entitlements are
conditioned on hukou: the persons granted hukou, followed as cohorts of their own (aged and
dying by the scenario's rates), add to the scenario's caseload at the rate per hukou holder of
the floor age and over (caseload ÷ hukou persons of that age on the base date), each case at
the same annual cost. The baseline's own residents keep the resident rate, which already
carries the share of them holding hukou."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from renkou.demography.projection import ProjectionResult
from renkou.errors import RenkouError
from renkou.registry import Registry
from renkou.rules.caseload import budget_districts, floor_age, load_assumptions, scheme_costs
from renkou.rules.imputation import Latent, PersonBase, resolve_urban
from renkou.rules.schemes import get_scheme, scheme_keys
from renkou.types import FloatArray

REPLICAS = 20
SEED = 2025
DAYS_PER_YEAR = 365.25


Cells = tuple[pd.DataFrame, dict[tuple[str, object], float]]


def hukou_cells(registry: Registry, as_of: dt.date) -> Cells:
    """The hukou population of the budget districts by district, sex and age on ``as_of``,
    and each district's urban and rural shares: one query of the registry for every scheme
    and floor age (:meth:`renkou.registry.Registry.hukou_cells`)."""
    codes = set(budget_districts(registry.jurisdiction()))
    cells = registry.hukou_cells(as_of)
    cells = cells.assign(region=cells["code"].astype(str).str[:6])
    counts = cells.groupby(["region", "sex", "age"], as_index=False, sort=True)["value"].sum()
    counts = counts[counts["region"].isin(codes) & (counts["value"] > 0)]
    share: dict[tuple[str, object], float] = {}
    for district, group in cells.groupby("region"):
        total = float(group["value"].sum())
        for flag in (True, False):
            hit = group[group["urban"].astype("boolean").eq(flag).fillna(False)]
            share[(str(district), flag)] = float(hit["value"].sum()) / total if total else 0.0
    return counts.reset_index(drop=True), share


def cell_base(registry: Registry, as_of: dt.date, floor: int, seed: int, default_urban: float,
              cells: Cells | None = None) -> tuple[PersonBase, Latent, FloatArray]:
    """Weighted persons standing for the hukou population aged ``floor`` and over."""
    every, share = cells if cells is not None else hukou_cells(registry, as_of)
    counts = every[every["age"] >= floor]
    n = len(counts) * REPLICAS
    k = np.tile(np.arange(REPLICAS), len(counts))
    region = np.repeat(counts["region"].astype(str).to_numpy(dtype=object), REPLICAS)
    age = np.repeat(counts["age"].to_numpy(dtype=np.float64), REPLICAS)
    days = np.round((age + (k + 0.5) / REPLICAS) * DAYS_PER_YEAR).astype("timedelta64[D]")
    birth = np.datetime64(as_of, "D") - days
    # Replica k is urban, rural or unknown by the district's shares (unknown ones are drawn).
    flags = np.full(n, None, dtype=object)
    for i, code in enumerate(counts["region"].astype(str)):
        yes = round(share.get((code, True), 0.0) * REPLICAS)
        no = round(share.get((code, False), 0.0) * REPLICAS)
        flags[i * REPLICAS:i * REPLICAS + yes] = True
        flags[i * REPLICAS + yes:i * REPLICAS + min(yes + no, REPLICAS)] = False
    latent = Latent.draw(n, seed)
    base = PersonBase(district=region,
                      sex=np.repeat(counts["sex"].to_numpy(dtype=object), REPLICAS),
                      birth_date=birth, urban=resolve_urban(flags, latent.u["urban"],
                                                            default_urban))
    weights = np.repeat(counts["value"].to_numpy(dtype=np.float64) / REPLICAS, REPLICAS)
    return base, latent, weights


@dataclass(frozen=True)
class SchemeRate:
    """One scheme on the base date: its floor age, caseload, annual cost (yuan) and the
    hukou persons of the floor age and over it was computed over (store persons)."""

    floor: int
    caseload: float
    cost: float
    eligible: float

    @property
    def per_hukou(self) -> float:
        """Cases per hukou holder of the floor age and over."""
        return self.caseload / self.eligible if self.eligible > 0 else 0.0

    @property
    def per_case(self) -> float:
        return self.cost / self.caseload if self.caseload > 0 else 0.0


def scheme_rates(registry: Registry, as_of: dt.date
                 ) -> tuple[dict[str, SchemeRate], list[str]]:
    """Per scheme of the store's jurisdiction its rate on ``as_of``, and warnings for the
    schemes that could not be run."""
    jurisdiction = registry.jurisdiction()
    keys = [k for k in scheme_keys() if get_scheme(k).applies_to(jurisdiction)]
    out: dict[str, SchemeRate] = {}
    warnings: list[str] = []
    if not keys:
        return out, warnings
    assumptions = load_assumptions()
    default_urban = float(assumptions["urban_share_default"].at(as_of))
    bases: dict[int, tuple[PersonBase, Latent, FloatArray]] = {}
    cells = hukou_cells(registry, as_of)
    for key in keys:
        floor = floor_age(key)
        if floor not in bases:
            bases[floor] = cell_base(registry, as_of, floor, SEED, default_urban, cells)
        people, latent, weights = bases[floor]
        try:
            costs, _ = scheme_costs(key, people, latent, as_of, weights, {}, assumptions)
        except RenkouError as exc:
            warnings.append(f"补贴 {get_scheme(key).title} 未能计算：{exc}")
            continue
        out[key] = SchemeRate(floor, float(costs["caseload"].sum()),
                              float(costs["annual_cost_total"].sum()), float(weights.sum()))
    return out, warnings


def subsidy_series(rates: tuple[dict[str, SchemeRate], list[str]], base: ProjectionResult,
                   scenario: ProjectionResult, scale: float = 1.0,
                   granted: ProjectionResult | None = None
                   ) -> tuple[dict[str, tuple[FloatArray, FloatArray]], list[str]]:
    """caseload_<scheme> and budget_<scheme> as (baseline, scenario) arrays (Y+1, R) from
    the rates of :func:`scheme_rates`. ``granted``: the projection of the residents granted
    hukou by a resident-caliber run's settlement shocks (see the module docstring)."""
    by_scheme, notes = rates
    warnings = list(notes)
    out: dict[str, tuple[FloatArray, FloatArray]] = {}
    pop0 = base.population[0].sum(axis=(0, 1))  # (A,) whole jurisdiction at the base
    for key, rate in by_scheme.items():
        eligible0 = float(pop0[rate.floor:].sum())
        cases = rate.caseload * scale
        if eligible0 <= 0 or cases <= 0:
            continue
        per_person = cases / eligible0
        runs = [run.population.sum(axis=-2)[..., rate.floor:].sum(axis=-1) * per_person
                for run in (base, scenario)]  # (Y+1, R) each
        if granted is not None:
            runs[1] = runs[1] + (granted.population.sum(axis=-2)[..., rate.floor:]
                                 .sum(axis=-1) * rate.per_hukou)
        out[f"caseload_{key}"] = (runs[0], runs[1])
        out[f"budget_{key}"] = (runs[0] * rate.per_case, runs[1] * rate.per_case)
    return out, warnings
