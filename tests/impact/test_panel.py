"""The counts an assessment reads once give every area the same projection inputs as the
registry read area by area; what was not read comes from the registry itself."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from renkou.app.stores import registry_at
from renkou.impact.baseline import baseline_panel
from renkou.plans import RegistryData, build_inputs


@pytest.mark.parametrize(("store", "caliber"), [("city_store", "resident"),
                                                ("city_store", "hukou"),
                                                ("district_store", "resident")])
def test_inputs_from_the_panel_equal_those_read_area_by_area(
        store: str, caliber: str, request: pytest.FixtureRequest) -> None:
    db: Path = request.getfixturevalue(store)
    with registry_at(db) as registry:
        jurisdiction = registry.jurisdiction()
        panel = baseline_panel(registry, jurisdiction, 2024, caliber)
        direct = RegistryData(registry)
        for area in (*jurisdiction.area_codes, jurisdiction.code):
            a = build_inputs(panel, area, 2024, 2030, 3, caliber)
            b = build_inputs(direct, area, 2024, 2030, 3, caliber)
            for name in ("population", "asfr", "mx", "srb", "net_migration"):
                np.testing.assert_array_equal(getattr(a, name), getattr(b, name),
                                              err_msg=f"{area} {name}")


def test_what_was_not_read_comes_from_the_registry(city_store: Path) -> None:
    with registry_at(city_store) as registry:
        jurisdiction = registry.jurisdiction()
        panel = baseline_panel(registry, jurisdiction, 2024)
        direct = RegistryData(registry)
        other = dt.date(2022, 6, 30)  # a date not read beforehand
        np.testing.assert_array_equal(panel.population(other, "resident", "120101"),
                                      direct.population(other, "resident", "120101"))
        np.testing.assert_array_equal(panel.population(dt.date(2024, 12, 31), "resident",
                                                       "group:central"),
                                      direct.population(dt.date(2024, 12, 31), "resident",
                                                        "group:central"))
        assert panel.births_by_sex(2020, "120101").sum() == direct.births_by_sex(
            2020, "120101").sum()
