"""户籍 targets from the linked projection of hukou and non-hukou residents (户籍人口目标的
联动预测).

The plan area's residents are projected as in the resident forward look
(:func:`~renkou.plans.assessment.projection_bridge.build_inputs`) and split into residents
holding local hukou and the rest (:mod:`renkou.demography.hukou_split`), linked by
settlement (落户) at the rates the registry shows for the last ``window`` years
(:mod:`renkou.projection.hukou_registry`: residents without local hukou at the start of a
year who hold it at its end, by sex and age). The hukou residents' own net migration is
their change over the window less births, deaths and settlers.

The 户籍 population of a plan counts registrants wherever they live; the registrants who
do not live in the area (人户分离 outwards) are carried at their base-year ratio to the
hukou residents: hukou population(t) = hukou residents(t) × (registrants ÷ hukou residents
at the base date). Ratios come from the registry, levels from ``data`` (a sampled store's
scaled counts).

Trajectories: the hukou state is projected stochastically
(:func:`~renkou.plans.assessment.projection_bridge.stochastic_run`) with the medium run's
settlers as part of its migration, so fertility, mortality and the migration-and-settlement
flow of hukou residents vary; each trajectory is scaled by the medium run's control factor
(controlled ÷ linked hukou residents) of its year."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

from renkou.demography.hukou_split import (
    HukouSplit,
    project_split,
    settlement_rates,
    state_inputs,
)
from renkou.demography.projection import project
from renkou.errors import InputError
from renkou.plans.assessment.projection_bridge import PlanProjection, build_inputs, stochastic_run
from renkou.plans.formulas.protocol import NAGES, IndicatorData, year_end
from renkou.plans.formulas.registry_data import _filter, _query_level
from renkou.projection.hukou_registry import (
    hukou_net_migration,
    settlers_frame,
    status_frame,
)
from renkou.projection.registry_inputs import _array
from renkou.registry import Registry
from renkou.types import FloatArray

FORMULA = "hukou_population"


def _area_array(registry: Registry, df: pd.DataFrame, area: str) -> FloatArray:
    """(1, 2, A) counts of the frame's rows that belong to ``area``."""
    rows = _filter(df, area, registry.jurisdiction())
    return _array(rows.assign(region=area), [area])


def project_hukou_split(data: IndicatorData, registry: Registry, area: str, base_year: int,
                        end_year: int, *, trajectories: int = 200, seed: int = 2020,
                        window: int = 3) -> PlanProjection:
    """The 户籍 population (万人) of ``area`` to ``end_year`` from the linked projection of
    hukou and non-hukou residents, medium variant and ``trajectories`` runs."""
    inputs = build_inputs(data, area, base_year, end_year + 1, window, "resident")
    level = _query_level(area, registry.jurisdiction())
    years = list(range(base_year - window + 1, base_year + 1))
    ends: dict[int, tuple[FloatArray, FloatArray]] = {}
    for y in [years[0] - 1, *years]:
        df = status_frame(registry, year_end(y), level)
        ends[y] = (_area_array(registry, df[df["hukou"]], area), _area_array(registry, df, area))
    h_reg, r_reg = ends[base_year]
    if r_reg.sum() <= 0 or h_reg.sum() <= 0:
        raise InputError(f"地区 {area} 在 {base_year} 年末没有户籍常住人口，无法做户籍联动预测")
    settled = np.zeros((1, 2, NAGES))
    exposed = np.zeros((1, 2, NAGES))
    for y in years:
        settled += _area_array(registry, settlers_frame(registry, y, level), area)
        exposed += ends[y - 1][1] - ends[y - 1][0]
    rate, _ = settlement_rates(settled, exposed)
    moves = registry.flows(dt.date(years[0], 1, 1), year_end(years[-1]), level=level)
    own = hukou_net_migration(
        ends, years, inputs.asfr[0], inputs.srb[0], inputs.mx[0], settled,
        _area_array(registry, moves[moves["flow"] == "hukou_in"], area),
        _area_array(registry, moves[moves["flow"] == "hukou_out"], area))
    # Ratios from the registry, levels from the data (a sampled store is scaled).
    pop = np.asarray(inputs.population, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(r_reg > 0, h_reg / np.where(r_reg > 0, r_reg, 1.0),
                         h_reg.sum() / r_reg.sum())
    scale = float(pop.sum() / r_reg.sum())
    steps = inputs.steps
    split = HukouSplit(hukou_population=pop * share,
                       settlement_rate=np.broadcast_to(rate, (steps, *rate.shape)).copy(),
                       hukou_migration=np.broadcast_to(own * scale, (steps, *own.shape)).copy())
    resident = project(inputs)
    sp = project_split(inputs, split, resident.population)
    registrants = float(data.population(year_end(base_year), "hukou", area).sum())
    ratio = registrants / float(split.hukou_population.sum())
    hukou_res = sp.hukou.sum(axis=(-1, -2, -3))  # (Y+1,)
    medium = {FORMULA: hukou_res * ratio / 1e4}
    method = (f"户籍人口：户籍/非户籍常住人口联动预测（近{window}年登记的落户率 "
              f"{float(settled.sum() / max(exposed.sum(), 1.0)) * 100:.2f}%/年，"
              f"户籍常住净迁移 {float(own.sum() * scale):,.0f} 人/年），"
              f"加不在本地常住的户籍人口（按基期比例 {ratio:.3f}）")
    traj = None
    if trajectories > 0:
        hukou_in, _ = state_inputs(inputs, split, sp.settled)
        result, how = stochastic_run(dataclasses.replace(hukou_in), trajectories, seed)
        linked = sp.hukou_run.population.sum(axis=(-1, -2, -3))
        with np.errstate(divide="ignore", invalid="ignore"):
            control = np.where(linked > 0, hukou_res / linked, 1.0)
        totals = result.population.sum(axis=(-1, -2, -3))  # (N, Y+1)
        traj = {FORMULA: totals * control[None] * ratio / 1e4}
        method += f"；{trajectories}条{how}（户籍常住状态）"
    return PlanProjection(area=area, base_year=base_year, years=resident.years, medium=medium,
                          trajectories=traj, population=resident.population[:, 0],
                          method=method)
