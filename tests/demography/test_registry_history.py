"""Past death rates from a registry that covers many years: abridged rates of the whole
jurisdiction per year, from which the stochastic run fits its Lee–Carter b(x)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

from renkou.projection.history import mortality_pattern
from renkou.projection.registry_inputs import ABRIDGED, migration_bounds, mortality_history

AGES = np.arange(101)
CODE = "990000"


def _mx(year: int) -> np.ndarray:
    return 0.0005 + 0.00003 * np.exp(0.095 * AGES) * np.exp(-0.02 * (year - 2000)) + np.where(
        AGES == 0, 0.004, 0.0)


class _Registry:
    """The three registry calls the history needs, for a population covered from 2008."""

    def __init__(self, first: int) -> None:
        self.first = first

    def jurisdiction(self) -> SimpleNamespace:
        return SimpleNamespace(code=CODE)

    def _pop(self, year: int) -> np.ndarray:
        return np.full((2, 101), 10_000.0) if year >= self.first else np.zeros((2, 101))

    def caliber(self, as_of: dt.date, caliber: str, level: str) -> pd.DataFrame:
        p = self._pop(as_of.year)
        return pd.DataFrame({"region": CODE, "sex": np.repeat(["male", "female"], 101),
                             "age": np.tile(AGES, 2), "value": p.ravel()})

    def deaths(self, start: dt.date, end: dt.date, level: str, caliber: str) -> pd.DataFrame:
        d = np.round(10_000.0 * np.stack([_mx(start.year) * 1.3, _mx(start.year)]))
        return pd.DataFrame({"region": CODE, "sex": np.repeat(["male", "female"], 101),
                             "age": np.tile(AGES, 2), "value": d.ravel()})


def test_history_covers_the_registry_years_and_feeds_the_pattern(tmp_path: Path) -> None:
    reg = _Registry(first=2008)
    hist = mortality_history(reg, 2024, "resident", 2 * 101 * 10_000.0)  # type: ignore[arg-type]
    assert hist is not None
    assert hist.year.min() == 2009 and hist.year.max() == 2024
    assert sorted(hist.age.unique()) == list(ABRIDGED)
    female_65 = hist[(hist.sex == "female") & (hist.age == 65) & (hist.year == 2020)].value
    want = np.round(10_000 * _mx(2020))[65:70].sum() / (5 * 10_000)
    assert float(female_65.iloc[0]) == want
    hist.to_csv(tmp_path / "mortality_history.csv", index=False)
    pattern = mortality_pattern(tmp_path, 101)
    assert pattern.bx is not None and "2009–2024" in pattern.description


def test_too_few_years_give_no_history() -> None:
    reg = _Registry(first=2019)
    assert mortality_history(reg, 2024, "resident", 2 * 101 * 10_000.0) is None  # type: ignore[arg-type]


def test_migration_bounds_from_the_yearly_spread() -> None:
    yearly = np.array([[10.0, -5.0], [30.0, -5.0], [20.0, -5.0]])
    b = migration_bounds(yearly, ["a", "b"], 2024)
    assert b is not None and list(b.region) == ["a", "b"] and (b.year == 2024).all()
    z80 = 1.2815515655446004
    assert (b.upper80[0] - b.lower80[0]) / (2 * z80) == 10.0  # SD of 10, 30, 20
    assert b.lower80[1] == b.upper80[1] == -5.0
    assert migration_bounds(yearly[:2], ["a", "b"], 2024) is None


def test_lee_carter_path_moves_mortality_by_the_drift() -> None:
    from renkou.projection.registry_inputs import lee_carter_path

    reg = _Registry(first=2008)
    hist = mortality_history(reg, 2024, "resident", 2 * 101 * 10_000.0)  # type: ignore[arg-type]
    mx = np.stack([_mx(2023) * 1.3, _mx(2023)])[None]  # (1 area, 2, A)
    held, none = lee_carter_path(mx, None, 5, 1.0)
    assert none is None and np.array_equal(held[4], mx)
    path, drift = lee_carter_path(mx, hist, 5, 1.0)
    assert drift is not None and np.all(drift < 0)  # the history's mortality fell
    assert path.shape == (5, 1, 2, 101)
    old = slice(60, 90)  # the Gompertz term falls 2 % a year in the history
    ratio = path[1:, 0, 1, old] / path[:-1, 0, 1, old]
    assert np.all(ratio < 1) and np.all(ratio > 0.97)
    # 1.5 years after the window's middle the old have lower rates; the young (whose rates
    # barely changed in the history) nearly keep theirs.
    assert np.all(path[0, ..., old] < mx[..., old])
    np.testing.assert_allclose(path[0, ..., 5:30], mx[..., 5:30], rtol=0.02)
