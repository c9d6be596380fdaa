"""The settlers counted in the database equal the persons matched one by one: residents
without local hukou at the end of a year who hold it, still residents, a year later."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from renkou.registry import Registry

KEYS = ["region", "sex", "age"]


def _by_persons(registry: Registry, year: int, level: str) -> pd.DataFrame:
    start = registry.persons(dt.date(year - 1, 12, 31), "resident")
    end = registry.persons(dt.date(year, 12, 31), "resident")
    start = start[start["hukou_street"].isna() & start["resident_district"].notna()]
    moved = start.merge(end[end["hukou_street"].notna()][["pseudonym"]], on="pseudonym")
    district = moved["resident_district"].astype("string")
    street = moved["residence_street"].astype("string")
    region = district if level == "district" else street.where(
        street.str.slice(0, 6) == district)
    frame = pd.DataFrame({"region": region, "sex": moved["sex"], "age": moved["age"],
                          "value": 1.0}).dropna(subset=["region"])
    return frame.groupby(KEYS, as_index=False).agg(value=("value", "sum"))


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return (df.astype({"region": str, "sex": str, "age": int, "value": float})
            .sort_values(KEYS).reset_index(drop=True)[[*KEYS, "value"]])


@pytest.mark.parametrize("level", ["district", "street"])
def test_settlers_equal_the_persons_matched(city_store: Path, level: str) -> None:
    with Registry(city_store, read_only=True) as registry:
        total = 0.0
        for year in (2022, 2023, 2024):
            got = registry.settlers(year, level)
            pd.testing.assert_frame_equal(_sorted(got), _sorted(_by_persons(registry, year,
                                                                             level)))
            total += float(got["value"].sum())
        assert total > 0  # the store has settlers to compare
