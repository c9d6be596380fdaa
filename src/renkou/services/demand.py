"""Demand of a norm (需求量) from the population of an area: pure arithmetic on counts, so
that gaps, projections and impact assessments compute it the same way."""

from __future__ import annotations

from renkou.services.norms import Norm
from renkou.types import FloatArray


def norm_population(norm: Norm, by_age: FloatArray) -> float:
    """The population the norm applies to: ``by_age`` (ages 0 … OPEN_AGE, last axis) summed
    over the norm's ages."""
    return float(by_age[..., norm.age_from:norm.age_to + 1].sum())


def norm_demand(norm: Norm, value: float, population: float, *, household_size: float,
                parent_supply: float = 0.0) -> float:
    """Capacity the norm asks for: see the kinds in ``data/norms/national.yaml``."""
    if norm.kind == "per_1000":
        return value * population / 1000.0
    if norm.kind == "per_person" or norm.kind == "coverage":
        return value * population
    if norm.kind == "per_100_households":
        return value * population / household_size / 100.0
    if norm.kind == "share_of":
        return value * parent_supply
    raise ValueError(norm.kind)
