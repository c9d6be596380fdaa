"""Subsidy rates from the registry's counts: the weighted persons reproduce the hukou
population of the floor age by district, sex and age."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from renkou.app.stores import registry_at
from renkou.impact.subsidies import REPLICAS, cell_base, scheme_rates

pytestmark = pytest.mark.slow
AS_OF = dt.date(2024, 12, 31)


def test_weighted_persons_reproduce_the_counts(city_store: Path) -> None:
    with registry_at(city_store) as registry:
        people, latent, weights = cell_base(registry, AS_OF, 60, 1, 0.8)
        counts = registry.caliber(AS_OF, "hukou", level="district", by=("region", "sex", "age"))
        rates, warnings = scheme_rates(registry, AS_OF)
    old = counts[counts["age"] >= 60]
    assert weights.sum() == pytest.approx(float(old["value"].sum()))
    assert people.n == latent.u["urban"].size == REPLICAS * int((old["value"] > 0).sum())
    for (region, sex), group in old.groupby(["region", "sex"]):
        mask = (people.district == region) & (people.sex == sex)
        assert weights[mask].sum() == pytest.approx(float(group["value"].sum()))
    # completed years on the base date are the cell's age
    born = people.birth_date.astype("datetime64[D]")
    years = (np.datetime64(AS_OF, "D") - born).astype(int) / 365.25
    ages = np.repeat(old[old["value"] > 0]["age"].to_numpy(), REPLICAS)
    assert np.all(np.floor(years) == ages)
    assert not warnings
    assert {"tianjin-home-care", "tianjin-meal"} <= set(rates)
    for rate in rates.values():
        assert rate.floor in (45, 60) and rate.caseload >= 0 and rate.cost >= 0
        # computed over the hukou persons of the floor age and over
        held = counts[counts["age"] >= rate.floor]
        assert rate.eligible == pytest.approx(float(held["value"].sum()))
