"""Joint projection of a jurisdiction's area groups (分区组联合预测): the forward look of the
group shares (e.g. 中心城区、环城四区、外围五区、滨海新区; 主城区 — 常住人口占全市比重).

Each area group of the jurisdiction (an area in no group is a part of its own) is one
region of a single multi-region projection. Its inputs are built for the group exactly as
:func:`renkou.plans.assessment.projection_bridge.build_inputs` builds them for an area (base
population, pooled fertility and mortality, cohort-residual net migration of the last
years — moves between groups are inside those residuals). The medium variant holds the
rates constant; the share of a group in a year is its projected total ÷ the sum over all
parts × 100.

Trajectories project all parts **jointly**: trajectory n of every group uses the same
random draws (``renkou.demography.stochastic``: one fertility and one mortality shock for the
whole city, ρ = 1; migration shocks with cross-region correlation ρ = 0.5), so the share in
trajectory n is a ratio of totals from the same simulated future, and the probability of a
share target is the proportion of trajectories meeting it. Shares move mostly through the
migration shocks; with ρ = 1 for fertility and mortality the groups' natural change is
perturbed together.
"""

from __future__ import annotations

import numpy as np

from renkou.demography.projection import ProjectionInputs, project
from renkou.jurisdictions import Jurisdiction
from renkou.plans.assessment.projection_bridge import (
    PlanProjection,
    build_inputs,
    indicator_series,
    stochastic_run,
)
from renkou.plans.formulas.protocol import IndicatorData
from renkou.plans.model.areas import group_area
from renkou.types import FloatArray

# Share formulas of the indicator engine → the group they measure.
GROUP_SHARES: dict[str, str] = {
    "central_city_share": "central",
    "ring_districts_share": "ring",
    "outer_districts_share": "outer",
    "binhai_share": "binhai",
    "main_urban_share": "main",
}


def group_key(formula: str, group: str) -> str:
    """Series name of a resident formula computed over one group (``area_group``)."""
    return f"{formula}@{group}"


def jurisdiction_parts(jurisdiction: Jurisdiction) -> list[tuple[str, str]]:
    """(label, area) of the parts the jurisdiction is projected in: its area groups, then
    the areas that belong to no group."""
    grouped = {m for g in jurisdiction.groups.values() for m in g.members}
    parts = [(key, group_area(key)) for key in sorted(jurisdiction.groups)]
    parts += [(code, code) for code in jurisdiction.area_codes if code not in grouped]
    return parts


def joint_inputs(data: IndicatorData, areas: list[str], base_year: int, end_year: int,
                 window: int = 3) -> ProjectionInputs:
    """One multi-region ProjectionInputs whose regions are ``areas`` (resident caliber)."""
    parts = [build_inputs(data, a, base_year, end_year, window) for a in areas]
    first = parts[0]

    def stack(name: str, axis: int) -> FloatArray:
        return np.concatenate([getattr(p, name) for p in parts], axis=axis)

    mig = (stack("net_migration", 1) if all(p.net_migration is not None for p in parts)
           else None)
    return ProjectionInputs(
        base_year=first.base_year, end_year=first.end_year,
        population=stack("population", 0), asfr=stack("asfr", 1), mx=stack("mx", 1),
        srb=stack("srb", 1), net_migration=mig, region_codes=tuple(areas))


def _shares(population: FloatArray, labels: list[str]) -> dict[str, FloatArray]:
    """Share series (..., Y+1) of each group formula from populations (..., Y+1, R, 2, A)."""
    totals = population.sum(axis=(-1, -2))  # (..., Y+1, R)
    city = totals.sum(axis=-1)
    out: dict[str, FloatArray] = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for formula, group in GROUP_SHARES.items():
            if group in labels:
                out[formula] = totals[..., labels.index(group)] / city * 100.0
    return out


def _series(result_population: FloatArray, result_indicators: list[dict[str, FloatArray]],
            labels: list[str]) -> dict[str, FloatArray]:
    out = _shares(result_population, labels)
    for label, values in zip(labels, result_indicators, strict=True):
        for name, v in values.items():
            out[group_key(name, label)] = v
    return out


def project_groups(data: IndicatorData, jurisdiction: Jurisdiction, base_year: int,
                   end_year: int, *, trajectories: int = 200, seed: int = 2020,
                   window: int = 3) -> PlanProjection:
    """Joint projection of the jurisdiction's area groups to ``end_year`` (+1 for the
    flows): the group shares and every resident series of each group (``group_key``)."""
    parts = jurisdiction_parts(jurisdiction)
    labels = [label for label, _ in parts]
    inputs = joint_inputs(data, [area for _, area in parts], base_year, end_year + 1, window)
    medium = project(inputs)
    per_region = [indicator_series(medium, "resident", region=i) for i in range(len(labels))]
    method = ("各分区组联合预测（各组近年生育、死亡、迁移水平保持不变，"
              "占比=组预测总量÷全市各组之和）")
    traj: dict[str, FloatArray] | None = None
    if trajectories > 0:
        result, how = stochastic_run(inputs, trajectories, seed)
        traj = _series(result.population,
                       [indicator_series(result, "resident", region=i) for i in range(len(labels))],
                       labels)
        method += (f"；{trajectories}条{how}，各组共用同一随机抽样"
                   "（生育、死亡全市共同冲击，迁移冲击区间相关0.5）")
    return PlanProjection(area=jurisdiction.code, base_year=base_year, years=medium.years,
                          medium=_series(medium.population, per_region, labels),
                          trajectories=traj, population=medium.population.sum(axis=1),
                          method=method)
