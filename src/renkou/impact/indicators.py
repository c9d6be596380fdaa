"""Indicators of a projection by year and region (评估指标): population by age band, births,
deaths, dependency ratios and, for every norm, service demand and gap (against the facilities
in service on 31 December of the year). Region rows: each area and the jurisdiction's own
code for the whole (the sum of the areas; ratios from the sums)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd

from renkou.demography.projection import ProjectionResult
from renkou.services.demand import norm_demand, norm_population
from renkou.services.norms import NormsLibrary
from renkou.types import FloatArray

# id → (age_from, age_to) of the population bands the issue lists.
BANDS: Mapping[str, tuple[int, int]] = {
    "pop_0_2": (0, 2), "pop_3_5": (3, 5), "pop_6_14": (6, 14), "pop_15_59": (15, 59),
    "pop_15_64": (15, 64), "pop_60p": (60, 200), "pop_65p": (65, 200), "pop_80p": (80, 200),
}
NAMES: Mapping[str, str] = {
    "population": "总人口", "pop_0_2": "0—2岁人口", "pop_3_5": "3—5岁人口",
    "pop_6_14": "6—14岁人口", "pop_15_59": "15—59岁人口", "pop_15_64": "15—64岁人口",
    "pop_60p": "60岁及以上人口", "pop_65p": "65岁及以上人口", "pop_80p": "80岁及以上人口",
    "births": "出生人数", "deaths": "死亡人数", "dependency_total": "总抚养比（%）",
    "dependency_old": "老年抚养比（%）", "settled": "累计落户人数",
    "arrivals": "决策带来的净迁入人数",
}


def indicator_name(ind: str, norms: NormsLibrary | None = None) -> str:
    if ind in NAMES:
        return NAMES[ind]
    for prefix, what in (("demand_", "需求"), ("gap_", "缺口"), ("obligation_", "配建义务"),
                         ("caseload_", "受益人数"), ("budget_", "年度资金")):
        if ind.startswith(prefix):
            key = ind[len(prefix):]
            label = norms[key].name if norms is not None and key in norms.norms else key
            return f"{label}{what}"
    return ind


def _series(result: ProjectionResult, whole: str) -> tuple[list[str], dict[str, FloatArray]]:
    """Arrays (Y+1, R+1) per indicator; the last column is the whole jurisdiction."""
    pop = result.population.sum(axis=-2)  # (Y+1, R, A)
    pop = np.concatenate([pop, pop.sum(axis=1, keepdims=True)], axis=1)
    codes = [*result.inputs.region_codes, whole]
    out: dict[str, FloatArray] = {"population": pop.sum(axis=-1)}
    for ind, (lo, hi) in BANDS.items():
        out[ind] = pop[..., lo:hi + 1].sum(axis=-1)
    nan_row = np.full((1, len(codes)), np.nan)
    births = result.births.sum(axis=-1)
    deaths = result.deaths.sum(axis=(-2, -1))
    out["births"] = np.vstack([nan_row, np.hstack([births, births.sum(1, keepdims=True)])])
    out["deaths"] = np.vstack([nan_row, np.hstack([deaths, deaths.sum(1, keepdims=True)])])
    work = out["pop_15_64"]
    young = pop[..., :15].sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["dependency_total"] = np.where(work > 0, (young + out["pop_65p"]) / work * 100,
                                           np.nan)
        out["dependency_old"] = np.where(work > 0, out["pop_65p"] / work * 100, np.nan)
    out["_ages"] = pop  # kept for the service indicators
    return codes, out


def indicator_frame(result: ProjectionResult, whole: str, norms: NormsLibrary,
                    supply: Mapping[int, Mapping[tuple[str, str], float]],
                    coverage: Mapping[str, Mapping[str, float]],
                    extra: Mapping[str, FloatArray] | None = None) -> pd.DataFrame:
    """Long frame year, region, indicator, value. ``supply[year][(region, type)]`` is the
    capacity in service at the end of the year (the whole included); ``coverage[service]
    [region]`` the share of a coverage norm's population inside the circle; ``extra`` more
    (Y+1, R) arrays (areas only; the whole is their sum)."""
    codes, series = _series(result, whole)
    ages = series.pop("_ages")
    years = [int(y) for y in result.years]
    for name, arr in (extra or {}).items():
        series[name] = np.hstack([arr, arr.sum(axis=1, keepdims=True)])
    for i, year in enumerate(years):
        when = dt.date(year, 12, 31)
        cap = supply.get(year, {})
        for norm in norms.area_norms(when):
            value = norm.at(when)
            demand = np.empty(len(codes))
            have = np.empty(len(codes))
            for j, code in enumerate(codes):
                pop = norm_population(norm, ages[i, j])
                parent = cap.get((code, norms[norm.of].facility_type), 0.0) if norm.of else 0.0
                demand[j] = norm_demand(norm, value, pop, household_size=norms.household_size,
                                        parent_supply=parent)
                have[j] = (pop * coverage.get(norm.service, {}).get(code, 0.0)
                           if norm.kind == "coverage" else cap.get((code, norm.facility_type), 0.0))
            for prefix, arr in (("demand_", demand), ("gap_", demand - have)):
                series.setdefault(prefix + norm.service, np.full((len(years), len(codes)),
                                                                 np.nan))[i] = arr
    frames = []
    for name, arr in series.items():
        frames.append(pd.DataFrame({
            "year": np.repeat(years, len(codes)), "region": np.tile(codes, len(years)),
            "indicator": name, "value": np.asarray(arr, dtype=np.float64).ravel()}))
    df = pd.concat(frames, ignore_index=True)
    return df[df["value"].notna()].reset_index(drop=True)
