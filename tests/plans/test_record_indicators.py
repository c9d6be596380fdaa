"""居住证持有率 and 职住平衡率: the record queries on hand-made tables and the formulas."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import cast

import duckdb
import numpy as np
import pytest

from renkou.errors import InputError
from renkou.plans import IndicatorData, compute, get_plan
from renkou.registry.indicator_queries import jobs_housing_sql, permit_holding_sql
from renkou.types import FloatArray

D = dt.date(2024, 12, 31)
BORN = "DATE '1990-01-01'"


def _spells(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple[object, ...]],
            cols: str) -> None:
    con.execute(f"CREATE TABLE {table} ({cols}, sex VARCHAR, birth_date DATE, "
                "death_date DATE)")
    for row in rows:
        values = ", ".join("NULL" if v is None else f"'{v}'" for v in row)
        con.execute(f"INSERT INTO {table} VALUES ({values}, 'male', {BORN}, NULL)")


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    # Residents at D (one spell each, open) and hukou registrants.
    _spells(c, "resident_spells", [
        (1, "120111001", "2020-01-01", None, False),
        (2, "120111002", "2020-01-01", None, False),
        (3, "120111001", "2020-01-01", None, False),
        (4, "120111003", "2020-01-01", None, False),
        (5, "120102001", "2020-01-01", None, False),
        (6, "120111001", "2020-01-01", None, False),
        (7, "120111002", "2020-01-01", None, False),
        (8, "120111001", "2020-01-01", None, False),
    ], "pid UBIGINT, code VARCHAR, start_date DATE, end_date DATE, hukou_only BOOLEAN")
    _spells(c, "hukou_spells", [(4, "120111003", "2000-01-01", None, "家庭户", False)],
            "pid UBIGINT, street VARCHAR, start_date DATE, end_date DATE, "
            "hukou_kind VARCHAR, continued BOOLEAN")
    c.execute("CREATE TABLE rec_police_residence (record_id VARCHAR, pid UBIGINT, "
              "business VARCHAR, residence_code VARCHAR, start_date DATE, valid_until DATE, "
              "active BOOLEAN)")
    rows = [
        ("a1", 1, "residence_register", "120111001", "2023-09-01", None),
        ("a2", 1, "residence_permit_issue", "120111001", "2024-03-01", "2025-02-28"),
        ("b1", 2, "residence_register", "120111002", "2022-01-01", None),
        ("c1", 3, "residence_permit_issue", "120111001", "2023-05-01", "2024-04-30"),
        ("c2", 3, "residence_permit_renew", "120111001", "2024-04-15", "2025-04-30"),
        # a local hukou holder with a permit is not 外来人口
        ("d1", 4, "residence_permit_issue", "120111003", "2024-01-01", "2025-01-01"),
        ("e1", 5, "residence_permit_issue", "120102001", "2024-01-01", "2025-01-01"),
        # lapsed the day before D
        ("f1", 6, "residence_permit_issue", "120111001", "2024-01-01", "2024-12-30"),
        # cancelled and re-registered at another place the same day
        ("g1", 7, "residence_permit_issue", "120111001", "2023-01-01", "2025-12-31"),
        ("g2", 7, "residence_cancel", "120111001", "2024-06-01", None),
        ("g3", 7, "residence_register", "120111002", "2024-06-01", None),
        # issued after D
        ("h1", 8, "residence_register", "120111001", "2022-01-01", None),
        ("h2", 8, "residence_permit_issue", "120111001", "2025-01-05", "2026-01-04"),
    ]
    for rid, pid, business, code, start, until in rows:
        c.execute("INSERT INTO rec_police_residence VALUES (?, ?, ?, ?, ?, ?, TRUE)",
                  [rid, pid, business, code, start, until])
    # A superseded record does not count.
    c.execute("INSERT INTO rec_police_residence VALUES ('b0', 2, 'residence_permit_issue', "
              "'120111002', '2024-02-01', '2025-02-01', FALSE)")
    _spells(c, "employed_spells", [
        (1, "120111002", "2020-01-01", None),   # lives 120111001, works in the district
        (2, "120102003", "2020-01-01", None),   # lives in the district, works elsewhere
        (5, "120111001", "2020-01-01", None),   # works in the district, lives elsewhere
        (9, "120111", "2020-01-01", None),      # works in the district, no residence
        (3, "320100", "2020-01-01", None),      # lives in the district, works outside
        (6, "120111", "2020-01-01", None),      # district-only workplace (insurance)
        (7, "120111002", "2020-01-01", "2024-07-01"),  # ended before D
    ], "pid UBIGINT, code VARCHAR, start_date DATE, end_date DATE")
    return c


def _row(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[int, ...]:
    row = con.execute(sql).fetchone()
    assert row is not None
    return tuple(int(v) for v in row)


def test_permit_holding_counts_valid_permits_of_non_hukou_residents(
        con: duckdb.DuckDBPyConnection) -> None:
    # 外来人口 in 120111: persons 1, 2, 3, 6, 7, 8; holders: 1 and 3 (renewed).
    assert _row(con, permit_holding_sql(D, ("120111",))) == (6, 2)
    # The whole city adds person 5 (a holder in 120102).
    assert _row(con, permit_holding_sql(D, ("12",))) == (7, 3)
    assert _row(con, permit_holding_sql(D, ("120111001",))) == (4, 2)
    # Before person 1's permit was issued only person 3 held one (and 6, 7 still valid).
    assert _row(con, permit_holding_sql(dt.date(2024, 2, 1), ("120111",))) == (6, 3)


def test_jobs_housing_counts_by_workplace_and_residence(
        con: duckdb.DuckDBPyConnection) -> None:
    # District 120111: workers 1, 5, 9, 6; of them residents 1 and 6; employed residents
    # 1, 2, 3, 6.
    assert _row(con, jobs_housing_sql(D, ("120111",))) == (4, 2, 4)
    # Street 120111001: worker 5 (lives elsewhere); employed residents 1 and 3 — person 6's
    # workplace is known only as the district, so it cannot be placed in a street.
    assert _row(con, jobs_housing_sql(D, ("120111001",))) == (1, 0, 2)
    # Both streets 001 and 002 as one area: person 1 lives in 001 and works in 002.
    assert _row(con, jobs_housing_sql(D, ("120111001", "120111002"))) == (2, 1, 3)


def test_bad_area_codes_are_refused() -> None:
    with pytest.raises(InputError):
        permit_holding_sql(D, ("12x",))
    with pytest.raises(InputError):
        jobs_housing_sql(D, ())


class RecordsFake:
    """Record counts per area; population etc. are not read by these formulas."""

    def __init__(self, permits: Mapping[str, float], jobs: Mapping[str, float]) -> None:
        self.permits, self.jobs = permits, jobs
        self.asked: list[dt.date] = []

    def permit_holding(self, as_of: dt.date, area: str) -> Mapping[str, float]:
        self.asked.append(as_of)
        return self.permits

    def jobs_housing(self, as_of: dt.date, area: str) -> Mapping[str, float]:
        self.asked.append(as_of)
        return self.jobs

    def population(self, as_of: dt.date, caliber: str, area: str) -> FloatArray:
        return np.zeros((2, 101))


def test_formulas_divide_the_counts_at_the_year_end() -> None:
    fake = RecordsFake({"outsiders": 400.0, "holders": 250.0},
                       {"workers": 800.0, "local": 600.0, "employed_residents": 1000.0})
    data = cast("IndicatorData", fake)
    assert compute(data, "permit_holding_rate", "120111", 2024).value == pytest.approx(62.5)
    assert compute(data, "jobs_housing_balance", "120111", 2024).value == pytest.approx(75.0)
    assert compute(data, "jobs_housing_balance_residents", "120111", 2024
                   ).value == pytest.approx(60.0)
    assert set(fake.asked) == {dt.date(2024, 12, 31)}


def test_formulas_without_people_or_records_have_no_value() -> None:
    empty = RecordsFake({"outsiders": 0.0, "holders": 0.0}, {})
    data = cast("IndicatorData", empty)
    with pytest.raises(InputError, match="分母为零"):
        compute(data, "permit_holding_rate", "120111", 2024)
    with pytest.raises(InputError, match="分母为零"):
        compute(data, "jobs_housing_balance", "120111", 2024)

    class Plain:
        pass

    with pytest.raises(InputError, match="不提供居住证"):
        compute(cast("IndicatorData", Plain()), "permit_holding_rate", "120111", 2024)


@pytest.mark.slow
def test_record_counts_agree_with_the_calibers_of_a_synthetic_store(seeded_store: Path) -> None:
    """On an ingested synthetic city: 外来人口 are exactly the residents living away from a
    hukou outside the city (人户分离 outside_city), the workers of a district its 就业人口
    caliber, and the plan indicators get values from the registry."""
    from renkou.plans import RegistryData, evaluate_registry
    from renkou.registry import Registry

    with Registry(seeded_store, read_only=True) as reg:
        sep = reg.separation(D, "district")
        outside = sep[sep["kind"] == "outside_city"].set_index("region")["value"]
        employed = reg.caliber(D, "employed", "district", by=("region",)).set_index(
            "region")["value"]
        assert outside.sum() > 0 and employed.sum() > 0
        for district in reg.jurisdiction().area_codes:
            permits = reg.permit_holding(D, (district,))
            assert permits["outsiders"] == int(outside.get(district, 0)), district
            assert 0 <= permits["holders"] <= permits["outsiders"]
            jobs = reg.jobs_housing(D, (district,))
            assert jobs["workers"] == int(employed.get(district, 0)), district
            assert jobs["local"] <= min(jobs["workers"], jobs["employed_residents"])
        whole = reg.permit_holding(D, (reg.jurisdiction().prefix,))
        assert whole["outsiders"] == int(outside.sum())
        assert 0 < whole["holders"] < whole["outsiders"]
        data = RegistryData(reg)
        rate = compute(data, "permit_holding_rate", reg.jurisdiction().code, 2024).value
        assert rate == pytest.approx(100 * whole["holders"] / whole["outsiders"])
        pa = evaluate_registry(reg, get_plan("tianjin-14th"), 2024, forward=False)
        by_code = pa.by_code()
        for code in ("TJ14-SRV-10", "TJ14-DST-11"):
            assert by_code[code].value is not None and 0 < by_code[code].value < 100, code
            assert by_code[code].kind == "computed"
        # The store holds the city, so a district plan's "低于全市平均水平" is judged against
        # the city's value computed from the same store.
        xq = evaluate_registry(reg, get_plan("xiqing-14th"), 2024, forward=False).by_code()
        assert xq["XQ14-HLT-03"].target_text.endswith("库内计算）")
