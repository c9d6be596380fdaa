"""SQL builders: the ID check in SQL equals renkou.ids, ages and areas, caliber SQL shape."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from renkou import ids
from renkou.errors import InputError
from renkou.jurisdictions import get_jurisdiction
from renkou.registry import sql
from renkou.registry.store import Store
from renkou.registry.validate import id_valid_sql


def test_id_check_in_sql_matches_python(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    n = 300
    good = ids.generate(np.array(["120111"] * n), np.full(n, np.datetime64("1985-06-15")),
                        np.array(["male"] * n), rng)
    numbers = list(good)
    # Corrupt a third of them in the check character or a digit; add malformed strings.
    for i in range(0, n, 3):
        s = numbers[i]
        numbers[i] = s[:5] + str((int(s[5]) + 1) % 10) + s[6:]
    numbers += ["", "12345", "12011119850615123", "120111198502301234", "12011119850615123x"]
    with Store(tmp_path / "s.duckdb") as store:
        store.register("numbers", pd.DataFrame({"i": range(len(numbers)), "x": numbers}))
        got = store.frame(f'SELECT {id_valid_sql("x")} AS ok FROM numbers ORDER BY i'
                          )["ok"].tolist()
    want = [ids.validate(x).valid for x in numbers]
    assert got == want
    assert sum(want) < len(want)  # the sample really contains invalid numbers


@pytest.mark.parametrize(("birth", "at", "age"), [
    ("2000-03-01", "2020-02-29", 19), ("2000-03-01", "2020-03-01", 20),
    ("2000-02-29", "2021-02-28", 20), ("2000-02-29", "2021-03-01", 21),
    ("1900-01-01", "2024-12-31", 100)])
def test_age_sql(tmp_path: Path, birth: str, at: str, age: int) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        got = store.scalar(f"SELECT {sql.age_sql(f'DATE {birth!r}', f'DATE {at!r}')}")
    assert got == age


def test_region_levels(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        def r(code: str, level: str) -> object:
            j = get_jurisdiction("tianjin")
            return store.scalar(f"SELECT {sql.region_sql('x', level, j)} FROM (SELECT ? AS x)",
                                [code])
        assert r("120111001", "district") == "120111"
        assert r("120111001002", "street") == "120111001"
        assert r("120111", "street") is None
        assert r("130102", "district") is None
        assert r("120116001", "city") == "120000"


def test_six_months_before_clamps_like_duckdb(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        assert str(store.scalar(f"SELECT {sql.months_before(date(2020, 8, 31), 6)}")) == \
            "2020-02-29"


def test_builders_validate_inputs() -> None:
    j = get_jurisdiction("tianjin")
    with pytest.raises(InputError):
        sql.caliber_sql("tourists", date(2020, 1, 1), jurisdiction=j)
    with pytest.raises(InputError):
        sql.caliber_sql("hukou", date(2020, 1, 1), level="province", jurisdiction=j)
    with pytest.raises(InputError):
        sql.caliber_sql("hukou", date(2020, 1, 1), by=("income",), jurisdiction=j)
    s = sql.caliber_sql("resident", date(2020, 11, 1), by=("sex", "region"), jurisdiction=j)
    assert "GROUP BY region, sex" in s and "DATE '2020-11-01'" in s
