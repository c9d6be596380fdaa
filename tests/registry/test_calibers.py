"""Calibers, 人户分离 and flows on the hand-made feeds of ``data/small`` (nine people whose
histories are described in data/make_fixtures.py); every expected count below was worked
out by hand from those histories and the contract, not produced by the code."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from renkou.errors import InputError
from renkou.registry import Registry
from renkou.registry.ingest import ingest_directory
from renkou.registry.store import Store

SMALL = Path(__file__).parent / "data" / "small"
D1, D2 = date(2020, 11, 1), date(2024, 12, 31)


@pytest.fixture(scope="module")
def reg(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    db = tmp_path_factory.mktemp("cal") / "r.duckdb"
    with Store(db) as store:
        ingest_directory(store, SMALL)
    return Registry(db, read_only=True)


def cells(df: pd.DataFrame) -> set[tuple[object, ...]]:
    return {tuple(r) for r in df.itertuples(index=False)}


def test_hukou_at_census_day(reg: Registry) -> None:
    got = cells(reg.caliber(D1, "hukou"))
    assert got == {("120101", "male", 40, 1), ("120101", "male", 31, 1),  # P1, P9
                   ("120102", "male", 50, 1),  # P8 moved in from 120101 on 2020-06-01
                   ("120102", "female", 70, 1),  # P4
                   ("120103", "male", 25, 1), ("120105", "female", 20, 1),
                   ("120111", "female", 30, 1)}  # P2; P3's hukou is outside Tianjin


def test_hukou_end_2024_drops_dead_and_emigrated(reg: Registry) -> None:
    got = cells(reg.caliber(D2, "hukou", by=("region",)))
    # P4 died 2022, P6 moved his hukou out of Tianjin 2023; P5 born 2021 in 120111.
    assert got == {("120101", 2), ("120102", 1), ("120105", 1), ("120111", 2)}


def test_resident_census_definition(reg: Registry) -> None:
    d1 = cells(reg.caliber(D1, "resident", by=("region",)))
    # P2 lives in 120116 since 2019 (≥ 6 months) → counted there, not at her hukou;
    # P9 moved 2020-09-01 (< 6 months) → still at his hukou street; P3 arrived 2020-08-01
    # with an outside hukou → nowhere yet.
    assert d1 == {("120101", 2), ("120102", 2), ("120103", 1), ("120105", 1), ("120116", 1)}
    d2 = cells(reg.caliber(D2, "resident", by=("region",)))
    # P3's permit renewed without a gap: spell since 2020-08-01 → resident of 120111.
    assert d2 == {("120101", 2), ("120102", 1), ("120104", 1), ("120105", 1),
                  ("120111", 2), ("120116", 1)}


def test_resident_street_level_sums_to_district(reg: Registry) -> None:
    street = reg.caliber(D2, "resident", level="street", by=("region",))
    district = reg.caliber(D2, "resident", by=("region",))
    street["district"] = street["region"].str[:6]
    summed = street.groupby("district")["value"].sum().to_dict()
    assert summed == dict(zip(district["region"], district["value"], strict=True))
    assert reg.caliber(D2, "resident", level="city", by=())["value"].iloc[0] == 8


def test_employed(reg: Registry) -> None:
    # P6 by employment registration; P1 by 职工医疗 insurance covering 2020-11.
    assert cells(reg.caliber(D1, "employed", by=("region", "sex"))) == {
        ("120101", "male", 1), ("120104", "male", 1)}
    assert cells(reg.caliber(D2, "employed", by=("region",))) == {("120104", 1)}


def test_active(reg: Registry) -> None:
    got = cells(reg.caliber(D1, "active", by=("region",)))
    # Residence (or hukou place when no residence record), work, insurance and school:
    # P6 counts in 120103 (lives at hukou) and 120104 (works); P7 in 120105 and 120112 (school).
    assert got == {("120101", 2), ("120102", 2), ("120103", 1), ("120104", 1),
                   ("120105", 1), ("120111", 1), ("120112", 1), ("120116", 1)}


def test_separation_kinds(reg: Registry) -> None:
    got = cells(reg.separation(D2))
    assert got == {("120101", "same_district", 1), ("120104", "outside_city", 1),
                   ("120111", "outside_city", 1), ("120116", "other_district", 1)}
    assert cells(reg.separation(D1)) == {("120116", "other_district", 1)}


def test_births_deaths_flows(reg: Registry) -> None:
    b = reg.births(date(2021, 1, 1), date(2021, 12, 31))
    assert cells(b) == {("120111", 31, "male", 1)}  # P2 (born 1990-03-03) had P5 2021-06-01
    d = reg.deaths(date(2022, 1, 1), date(2022, 12, 31))
    assert cells(d) == {("120102", "female", 72, 1)}  # 卫健 date 2022-03-01 wins
    # P4's hukou street when dying was 120102001: a death of a 120102 registrant too.
    dh = reg.deaths(date(2022, 1, 1), date(2022, 12, 31), caliber="hukou")
    assert cells(dh) == {("120102", "female", 72, 1)}
    assert reg.deaths(date(2021, 1, 1), date(2021, 12, 31), caliber="hukou").empty
    f = reg.flows(date(2020, 1, 1), date(2020, 12, 31))
    got = cells(f)
    assert ("120102", "hukou_in", "male", 50, 1) in got  # P8 into 120102
    assert ("120111", "residence_arrival", "male", 35, 1) in got  # P3
    # P8's move is internal at city level, so the city sees no hukou moves in 2020.
    city = reg.flows(date(2020, 1, 1), date(2020, 12, 31), level="city")
    assert not (city["flow"].str.startswith("hukou")).any()


def test_persons_never_show_ids(reg: Registry) -> None:
    p = reg.persons(D2, "resident")
    assert len(p) == 8
    assert p["pseudonym"].str.fullmatch(r"[0-9a-f]{32}").all()
    text = p.to_csv()
    assert "1201011980" not in text and "1301021985" not in text
    p9 = p[(p["hukou_street"] == "120101001") & (p["residence_street"] == "120101002")]
    assert len(p9) == 1 and p9["resident_district"].iloc[0] == "120101"


def test_attainment_and_urban(reg: Registry) -> None:
    a = reg.attainment(D2)
    edu = dict(zip(zip(a["region"], a["age"], strict=True), a["education"], strict=True))
    assert edu[("120101", 44)] == "bachelor"  # P1: census 大学本科
    assert edu[("120105", 24)] == "bachelor"  # P7: graduated 本科 2022
    assert edu[("120116", 34)] == "senior_secondary"  # P2: census 高中
    u = reg.urban_split(D1)
    assert u["value"].sum() == 7


def test_hukou_urban_split_covers_every_registrant(reg: Registry) -> None:
    hu = reg.urban_split(D1, level="district", caliber="hukou")
    hukou = reg.caliber(D1, "hukou", by=("region",))
    assert dict(zip(hu.groupby("region")["value"].sum().index,
                    hu.groupby("region")["value"].sum(), strict=True)) == dict(
        zip(hukou["region"], hukou["value"], strict=True))
    with pytest.raises(InputError):
        reg.urban_split(D1, caliber="employed")


def test_regions_present(reg: Registry) -> None:
    present = reg.regions_present()
    assert "120111" in present and "120116" in present and "130102" not in present


def test_caliber_by_hukou_kind_and_education(reg: Registry) -> None:
    df = reg.caliber(D1, "hukou", by=("region", "hukou_kind"))
    kinds = {(r.region, r.hukou_kind): r.value for r in df.itertuples()}
    assert kinds[("120101", "collective")] == 1  # P9's 集体户
    assert kinds[("120101", "family")] == 1
    ed = reg.caliber(D2, "resident", by=("education",))
    got = dict(zip(ed["education"], ed["value"], strict=True))
    assert got == {"bachelor": 2, "senior_secondary": 1, "unknown": 5}
