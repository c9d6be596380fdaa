"""Disclosure control of an indicator's values by area (指标分地区值的统计披露控制): the
persons each area's value rests on — the count itself for an indicator that counts persons,
the denominator for a rate, share, ratio or mean — read from the registry unscaled (a sampled
store's values are scaled up; its disclosure risk is in the records it holds), so that the
drill-down can hide values that rest on fewer persons than the threshold."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from renkou.app.stores import StoreRef, store_registry
from renkou.errors import RenkouError
from renkou.plans import IndicatorData, RegistryData, compute_many, resolve
from renkou.plans.formulas.protocol import year_end

# Indicators whose value is a number of persons (万人): additive over areas.
COUNTS = frozenset({"resident_population", "hukou_population", "working_age_population",
                    "floating_population", "hukou_in_migration"})
PERSONS_PER_UNIT = 10_000.0  # counts are published in 万人

Base = Callable[[IndicatorData, str, int], float]


def _population(caliber: str = "resident", lo: int = 0, hi: int | None = None,
                sex: int | None = None) -> Base:
    """Persons of the caliber at the end of the year, ages lo…hi (one sex if given)."""
    def base(data: IndicatorData, area: str, year: int) -> float:
        p = data.population(year_end(year), caliber, area)
        by_age = p[sex] if sex is not None else p.sum(axis=0)
        return float(by_age[lo:None if hi is None else hi + 1].sum())
    return base


def _births(data: IndicatorData, area: str, year: int) -> float:
    return float(data.births_by_sex(year, area).sum())


def _record(method: str, key: str) -> Base:
    def base(data: IndicatorData, area: str, year: int) -> float:
        return float(getattr(data, method)(year_end(year), area).get(key, 0.0))
    return base


# The denominator of each rate, share, ratio and mean; any other formula rests on the area's
# residents (crude rates, life expectancy, growth and balances, group shares, per 1000).
DENOMINATORS: dict[str, Base] = {
    "tertiary_share_15plus": _population(lo=15),
    "mean_schooling_15plus": _population(lo=15),
    "tertiary_share_16_59": _population(lo=16, hi=59),
    "mean_schooling_16_59": _population(lo=16, hi=59),
    "mean_schooling_20_59": _population(lo=20, hi=59),
    "child_dependency": _population(lo=15, hi=64),
    "old_dependency": _population(lo=15, hi=64),
    "total_dependency": _population(lo=15, hi=64),
    "tfr": _population(lo=15, hi=49, sex=1),
    "srb": _births,
    "imr": _births,
    "hukou_growth_pct": _population("hukou"),
    "hukou_net_growth": _population("hukou"),
    "urbanisation_rate_hukou": _population("hukou"),
    "life_expectancy_hukou": _population("hukou"),
    "natural_increase_rate_hukou": _population("hukou"),
    "permit_holding_rate": _record("permit_holding", "outsiders"),
    "jobs_housing_balance": _record("jobs_housing", "workers"),
    "jobs_housing_balance_residents": _record("jobs_housing", "employed_residents"),
}


@dataclass(frozen=True)
class Basis:
    """What each area's value of one indicator rests on."""

    counts: bool  # the values count persons (they add up to the parent's value)
    persons: dict[str, float | None]  # area → persons (None when the registry has none)


def drill_basis(store: StoreRef, formula: str, year: int, areas: Sequence[str]) -> Basis:
    """The persons behind ``formula``'s value in each of ``areas`` in ``year``."""
    name = resolve(formula)
    out: dict[str, float | None] = {}
    with store_registry(store) as registry:
        data = RegistryData(registry)
        for area in areas:
            try:
                if name in COUNTS:
                    values, _ = compute_many(data, [name], area, year)
                    v = values.get(name)
                    out[area] = None if v is None else v.value * PERSONS_PER_UNIT
                else:
                    out[area] = DENOMINATORS.get(name, _population())(data, area, year)
            except RenkouError:
                out[area] = None
    return Basis(counts=name in COUNTS, persons=out)


def hidden_areas(basis: Basis, shown: Sequence[str], threshold: int) -> frozenset[str]:
    """The areas among ``shown`` (those with a value) whose value is suppressed: counts of
    fewer than ``threshold`` persons with complementary areas (the values add up to the
    parent's, which is published), or rates whose denominator is under the threshold (not
    additive: no complement needed)."""
    from renkou.auth.disclosure import suppress

    persons = [basis.persons.get(a) for a in shown]
    if not basis.counts:
        return frozenset(a for a, n in zip(shown, persons, strict=True)
                         if n is not None and n < threshold)
    s = suppress([[round(n or 0.0) for n in persons]], threshold, column_totals=False)
    return frozenset(a for a, cell in zip(shown, s.row(), strict=True) if cell is None)
