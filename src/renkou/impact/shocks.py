"""Shocks applied to the baseline inputs (情景冲击). A calendar year Y is the projection step
that ends on 31 December of Y (step index Y − base year − 1).

* ``arrivals`` — persons added to the area's net migration of the step, spread over sex and
  age by the profile (``movers``: the Rogers–Castro fundamental schedule; bands: uniform
  within each band; sexes equal unless ``sex_ratio``). The engine's mid-year convention
  applies: arrivals are exposed to half a year of the area's mortality in their first step,
  then age and die by the area's rates like everyone else, and women of 15–49 bear children
  at the area's rates. A region that is the jurisdiction itself is shared by the areas'
  base populations; a 街镇 of a district area counts in that district.
* ``fertility`` — every ASFR of the area(s) scaled so that the TFR of each step from
  ``from_year`` (to ``to_year``) is the baseline TFR + ``tfr_change`` (or ``tfr``).
* ``relocation`` — the persons leave the origin's net migration and join the destination's
  in the year, by the origin's base age–sex structure unless a profile is given.
* ``settlement`` — 落户: residents granted hukou. The resident population does not change; a
  hukou-caliber projection gains the persons each year as arrivals (by the profile), and the
  count settled is reported (indicator ``settled``). The persons granted each year are kept
  by sex and age (``granted``) so that a resident-caliber run can follow them as hukou
  holders: hukou-conditioned entitlements (subsidy caseloads) grow by those of them who
  reach the entitlement's age (:mod:`renkou.impact.subsidies`).

Persons added to an area (arrivals, the destination of a relocation) are projected as cohorts
of their own with the scenario's rates and superposed on the scenario run, which carries the
fertility changes and the persons removed. The engine is linear in the population but for
one thing: it stops a cohort at zero where the baseline's net emigration exceeds it; kept
apart, the added persons are never absorbed by that emigration, so an arrival of N changes
the population by N less their deaths plus their births."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from renkou.demography.migration_profile import age_profile
from renkou.demography.projection import ProjectionInputs
from renkou.errors import InputError
from renkou.impact.decision import Arrivals, Decision, Fertility, Profile, Relocation, Settlement
from renkou.jurisdictions import Jurisdiction
from renkou.types import FloatArray


@dataclass
class Applied:
    """The scenario inputs and what the shocks did besides."""

    inputs: ProjectionInputs  # the baseline's with fertility changes and removals
    additions: FloatArray  # (Y, R, 2, A) persons added, projected as their own cohorts
    settled: FloatArray  # (Y+1, R) persons granted hukou by the end of each year, cumulative
    arrivals: FloatArray  # (Y+1, R) persons arriving during each year (0 in the base year)
    granted: FloatArray  # (Y, R, 2, A) residents granted hukou in each step, by sex and age
    warnings: list[str] = field(default_factory=list)


def area_weights(code: str, inputs: ProjectionInputs, jurisdiction: Jurisdiction,
                 where: str) -> FloatArray:
    """Shares (R,) of a shock's region over the areas."""
    codes = list(inputs.region_codes)
    weights = np.zeros(len(codes))
    if code in codes:
        weights[codes.index(code)] = 1.0
        return weights
    area = jurisdiction.area_of(code)
    if area is not None and area in codes:
        weights[codes.index(area)] = 1.0
        return weights
    inside = [i for i, c in enumerate(codes) if c.startswith(code)]
    if code == jurisdiction.code or inside:
        chosen = inside or list(range(len(codes)))
        pop = np.asarray(inputs.population).sum(axis=(-2, -1))
        total = pop[chosen].sum()
        for i in chosen:
            weights[i] = pop[i] / total if total > 0 else 1.0 / len(chosen)
        return weights
    raise InputError(f"{where}：地区 {code} 不在{jurisdiction.name}内")


def sex_age_profile(profile: Profile, n_ages: int, sex_ratio: float | None = None,
                    structure: FloatArray | None = None) -> FloatArray:
    """Shares (2, A) summing to 1."""
    male = 0.5 if sex_ratio is None else sex_ratio / (100.0 + sex_ratio)
    if profile == "resident":
        if structure is None or structure.sum() <= 0:
            profile = "movers"
        else:
            return np.asarray(structure / structure.sum(), dtype=np.float64)
    if profile == "movers":
        ages = age_profile("fundamental", n_ages - 1)
    else:
        ages = np.zeros(n_ages)
        assert not isinstance(profile, str)
        for lo, hi, share in profile:
            hi = min(hi, n_ages - 1)
            ages[lo:hi + 1] += share / (hi - lo + 1)
        ages /= ages.sum()
    return np.stack([male * ages, (1.0 - male) * ages])


def _step(year: int, inputs: ProjectionInputs, where: str) -> int:
    t = year - inputs.base_year - 1
    if t < 0:
        raise InputError(f"{where}：{year} 年不晚于基准年 {inputs.base_year}，无法施加")
    return t


def apply_shocks(decision: Decision, inputs: ProjectionInputs, jurisdiction: Jurisdiction
                 ) -> Applied:
    """The scenario inputs for the decision's shocks (see the module docstring)."""
    steps, r, a = inputs.steps, inputs.n_regions, inputs.n_ages
    mig = (np.zeros((steps, r, 2, a)) if inputs.net_migration is None
           else np.array(inputs.net_migration, dtype=np.float64))
    asfr = np.array(inputs.asfr, dtype=np.float64)
    base_pop = np.asarray(inputs.population, dtype=np.float64)
    added = np.zeros((steps, r, 2, a))
    out = Applied(inputs, added, np.zeros((steps + 1, r)), np.zeros((steps + 1, r)),
                  np.zeros((steps, r, 2, a)))
    hukou = decision.caliber == "hukou"

    def add(year: int, weights: FloatArray, persons: float, shares: FloatArray,
            where: str) -> None:
        t = _step(year, inputs, where)
        if t >= steps:
            out.warnings.append(f"{where}：{year} 年超出预测期，未计入")
            return
        flow = persons * weights[:, None, None] * shares[None]
        added[t] += np.maximum(flow, 0.0)
        mig[t] += np.minimum(flow, 0.0)
        out.arrivals[t + 1] += persons * weights

    for i, shock in enumerate(decision.shocks, start=1):
        where = f"第 {i} 个冲击（{shock.kind}）"
        if isinstance(shock, Arrivals):
            w = area_weights(shock.region, inputs, jurisdiction, where)
            shares = sex_age_profile(shock.age_profile, a, shock.sex_ratio)
            for year, persons in shock.schedule:
                add(year, w, persons, shares, where)
        elif isinstance(shock, Fertility):
            chosen = (np.arange(r) if shock.region is None else np.nonzero(
                area_weights(shock.region, inputs, jurisdiction, where) > 0)[0])
            for t in range(steps):
                year = inputs.base_year + t + 1
                if year < shock.from_year or (shock.to_year and year > shock.to_year):
                    continue
                for k in chosen:
                    tfr = float(asfr[t, k].sum())
                    target = shock.tfr if shock.tfr is not None else tfr + (shock.tfr_change or 0)
                    if tfr > 0:
                        asfr[t, k] *= max(target, 0.0) / tfr
                    elif t == 0 or year == shock.from_year:
                        out.warnings.append(f"{where}：{inputs.region_codes[k]} 基线无生育，未调整")
        elif isinstance(shock, Relocation):
            src = area_weights(shock.origin, inputs, jurisdiction, where)
            dst = area_weights(shock.destination, inputs, jurisdiction, where)
            shares = sex_age_profile(shock.age_profile, a,
                                     structure=base_pop[int(np.argmax(src))])
            add(shock.year, dst - src, shock.persons, shares, where)
        elif isinstance(shock, Settlement):
            w = area_weights(shock.region, inputs, jurisdiction, where)
            shares = sex_age_profile(shock.age_profile, a)
            for t in range(steps):
                year = inputs.base_year + t + 1
                if year < shock.from_year or (shock.to_year and year > shock.to_year):
                    continue
                out.settled[t + 1:] += shock.persons_per_year * w
                out.granted[t] += shock.persons_per_year * w[:, None, None] * shares[None]
                if hukou:
                    add(year, w, shock.persons_per_year, shares, where)
    out.inputs = dataclasses.replace(inputs, net_migration=mig, asfr=asfr)
    return out
