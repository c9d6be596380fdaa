"""Counts at several dates from one query equal the one-date counts: the caliber at dates
with different days of the year (ages by birthday), births and deaths by year, hukou cells
against the hukou caliber and its urban split."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from renkou.registry import Registry

DATES = [dt.date(2020, 11, 1), dt.date(2021, 12, 31), dt.date(2023, 2, 28),
         dt.date(2023, 6, 30), dt.date(2024, 12, 31)]
KEYS = ["region", "sex", "age"]


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(KEYS).reset_index(drop=True)[[*KEYS, "value"]]


@pytest.mark.parametrize("caliber", ["resident", "hukou", "employed"])
def test_caliber_at_dates_equals_one_date_counts(city_store: Path, caliber: str) -> None:
    with Registry(city_store, read_only=True) as registry:
        panel = registry.caliber_dates(DATES, caliber)
        assert set(panel["as_of"]) == set(DATES)
        for day in DATES:
            rows = panel[panel["as_of"] == day]
            for level, width in (("street", 9), ("district", 6)):
                one = registry.caliber(day, caliber, level=level)
                mine = rows[rows["code"].str.len() >= width].assign(
                    region=lambda f, w=width: f["code"].str[:w])
                mine = mine.groupby(KEYS, as_index=False)["value"].sum()
                assert len(one) > 0
                pd.testing.assert_frame_equal(_sorted(mine), _sorted(one), check_dtype=False)


def test_births_and_deaths_by_year_equal_each_year(city_store: Path) -> None:
    with Registry(city_store, read_only=True) as registry:
        for caliber in ("all", "hukou"):
            births = registry.births_by_year(2022, 2024, caliber=caliber)
            deaths = registry.deaths_by_year(2022, 2024, caliber=caliber)
            assert births["value"].sum() > 0 and deaths["value"].sum() > 0
            for year in (2022, 2023, 2024):
                start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
                for mine, one in ((births, registry.births(start, end, caliber=caliber)),
                                  (deaths, registry.deaths(start, end, caliber=caliber))):
                    got = mine[mine["year"] == year].drop(columns="year")
                    pd.testing.assert_frame_equal(got.reset_index(drop=True),
                                                  one.reset_index(drop=True))


def test_hukou_cells_give_the_caliber_and_the_urban_split(city_store: Path) -> None:
    day = dt.date(2024, 12, 31)
    with Registry(city_store, read_only=True) as registry:
        cells = registry.hukou_cells(day).assign(region=lambda f: f["code"].str[:6])
        counts = cells.groupby(KEYS, as_index=False)["value"].sum()
        pd.testing.assert_frame_equal(_sorted(counts), _sorted(registry.caliber(day, "hukou")),
                                      check_dtype=False)
        split = registry.urban_split(day, level="district", caliber="hukou")
    mine = cells.groupby(["region", "urban"], dropna=False, as_index=False)["value"].sum()
    both = split.merge(mine, on=["region", "urban"], how="outer")
    assert len(both) == len(split) and (both["value_x"] == both["value_y"]).all()
