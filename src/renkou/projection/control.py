"""Small areas controlled to their parents (街镇预测与区级预测一致): street projections made to
sum exactly to the district projection.

Each street is projected with its own components (its base population, fertility, mortality
and migration); the district is projected with the district's. The street results are then
fitted to the district's by one-margin proportional fitting — iterative proportional fitting
with a single margin, which converges in one step: in every year, sex and age, each street
keeps its share of the sum of its district's streets, and the shares are applied to the
district's value. Births (year, sex) and deaths (year, sex, age) are fitted the same way.
Where the streets of a district hold nobody in a cell the district has people in, the cell
is shared in proportion to the streets' total population of that year (equally if that is
zero too). The streets' differences in growth therefore come from their own components; the
level from the district's."""

from __future__ import annotations

import dataclasses

import numpy as np

from renkou.demography.projection import ProjectionResult
from renkou.types import FloatArray, IntArray


def parent_index(children: tuple[str, ...], parents: tuple[str, ...]) -> IntArray:
    """For each child code the index of the parent whose code begins it (the longest such
    parent); ValueError when a child has none."""
    out = np.empty(len(children), dtype=np.int64)
    for i, child in enumerate(children):
        hits = [j for j, p in enumerate(parents) if child.startswith(p)]
        if not hits:
            raise ValueError(f"{child} 不属于任何上级地区")
        out[i] = max(hits, key=lambda j: len(parents[j]))
    return out


def _fit(child: FloatArray, parent: FloatArray, parent_of: IntArray, fallback: FloatArray,
         axis: int) -> FloatArray:
    """Child values (region on ``axis``) scaled so that each parent's children sum to it."""
    c = np.moveaxis(np.asarray(child, dtype=np.float64), axis, 0)
    p = np.moveaxis(np.asarray(parent, dtype=np.float64), axis, 0)
    w = np.moveaxis(np.asarray(fallback, dtype=np.float64), axis, 0)
    n_parents = p.shape[0]
    sums = np.zeros((n_parents, *c.shape[1:]))
    np.add.at(sums, parent_of, c)
    wsums = np.zeros((n_parents, *w.shape[1:]))
    np.add.at(wsums, parent_of, w)
    counts = np.bincount(parent_of, minlength=n_parents).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(sums[parent_of] > 0, c / sums[parent_of], np.nan)
        backup = np.where(wsums[parent_of] > 0, w / wsums[parent_of],
                          1.0 / counts[parent_of].reshape(-1, *[1] * (w.ndim - 1)))
    share = np.where(np.isnan(share), np.broadcast_to(backup, share.shape), share)
    return np.moveaxis(share * p[parent_of], 0, axis)


def control_to_parents(child: ProjectionResult, parent: ProjectionResult,
                       parent_of: IntArray) -> ProjectionResult:
    """``child`` (regions = streets) with population, births and deaths fitted to
    ``parent`` (regions = districts); ``parent_of`` maps each child region to its parent."""
    if not np.array_equal(child.years, parent.years):
        raise ValueError("街镇与区的预测年份不同")
    # Region axes: population (Y+1, R, 2, A), births (Y, R, 2), deaths (Y, R, 2, A).
    totals = child.population.sum(axis=(-1, -2))  # (Y+1, R)
    pop = _fit(child.population, parent.population, parent_of,
               totals[:, :, None, None] * np.ones(child.population.shape), axis=1)
    step_totals = totals[:-1]
    births = _fit(child.births, parent.births, parent_of,
                  step_totals[:, :, None] * np.ones(child.births.shape), axis=1)
    deaths = _fit(child.deaths, parent.deaths, parent_of,
                  step_totals[:, :, None, None] * np.ones(child.deaths.shape), axis=1)
    return dataclasses.replace(child, population=pop, births=births, deaths=deaths)
