"""Births by caliber (出生统计口径) against the synthetic city's truth: the generator knows
each baby's mother and her true hukou spells, so births to hukou mothers by district can be
counted from its own people and compared with what the registry computes from the feeds."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from renkou.errors import InputError
from renkou.jurisdictions import get_jurisdiction
from renkou.registry import Registry
from renkou.registry.flows import births_sql

YEARS = tuple(range(2015, 2025))


@pytest.fixture(scope="module")
def city(ingested_city: tuple[object, Path]) -> tuple[object, Path]:
    return ingested_city


def _truth(c: object, year: int, caliber: str) -> pd.Series:
    """Births in ``year`` by district from the generator's own frames."""
    births: pd.DataFrame = c.births  # type: ignore[attr-defined]
    persons: pd.DataFrame = c.persons  # type: ignore[attr-defined]
    hukou: pd.DataFrame = c.hukou  # type: ignore[attr-defined]
    born = persons.set_index("pid")["birth"]
    b = births.assign(day=born.reindex(births["child"]).to_numpy())
    b = b[pd.DatetimeIndex(b["day"]).year == year]
    if caliber == "all":
        district = b["place"].to_numpy() // 1000
    else:
        m = b.merge(hukou[["pid", "code", "start", "end"]], left_on="mother", right_on="pid")
        # The spell covering the birth date: start ≤ day < end (end exclusive, NaT = open).
        cover = (m["start"] <= m["day"]) & (m["end"].isna() | (m["end"] > m["day"]))
        m = m[cover]
        assert not m.duplicated("child").any()
        district = m["code"].to_numpy() // 1000
    d = district.astype(np.int64)
    inside = pd.Series(d[(d >= 120000) & (d < 130000)].astype(str))
    return inside.value_counts().sort_index()


@pytest.mark.slow
@pytest.mark.parametrize("caliber", ["all", "hukou"])
def test_births_by_caliber_equal_truth(city: tuple[object, Path], caliber: str) -> None:
    c, db = city
    with Registry(db, read_only=True) as reg:
        total = 0
        for year in YEARS:
            got = reg.births(date(year, 1, 1), date(year, 12, 31), caliber=caliber)
            got_by = got.groupby("region")["value"].sum().sort_index()
            want = _truth(c, year, caliber)
            both = pd.concat([want.rename("truth"), got_by.rename("registry")], axis=1)
            both = both.fillna(0)
            assert (both["truth"] == both["registry"]).all(), f"{year} {caliber}\n{both}"
            total += int(want.sum())
    assert total > 200  # enough births for the equality to mean something


@pytest.mark.slow
def test_hukou_births_are_a_strict_part_of_all(city: tuple[object, Path]) -> None:
    _, db = city
    with Registry(db, read_only=True) as reg:
        start, end = date(2021, 1, 1), date(2024, 12, 31)
        every = int(reg.births(start, end, level="city")["value"].sum())
        hukou = int(reg.births(start, end, level="city", caliber="hukou")["value"].sum())
    # Migrant mothers give birth in the city: some births are not hukou births.
    assert 0 < hukou < every


def test_births_caliber_is_checked() -> None:
    with pytest.raises(ValueError):
        births_sql(date(2021, 1, 1), date(2021, 12, 31), caliber="resident",
                   jurisdiction=get_jurisdiction("tianjin"))
    assert "hm.street" in births_sql(date(2021, 1, 1), date(2021, 12, 31), caliber="hukou",
                                     jurisdiction=get_jurisdiction("tianjin"))


def test_registry_refuses_unknown_birth_caliber(tmp_path: Path) -> None:
    with Registry(tmp_path / "r.duckdb") as reg, pytest.raises(InputError):
        reg.births(date(2021, 1, 1), date(2021, 12, 31), caliber="resident")
