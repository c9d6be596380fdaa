"""Structure of the synthetic city's census-day population against each jurisdiction's 七普
figures (Tianjin, Chongqing, Xiqing)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from renkou import ids
from renkou.jurisdictions import get_jurisdiction
from renkou.registry.synth import generate_city, state_at
from renkou.registry.synth.targets import life_expectancy, targets

CENSUS = "2020-11-01"
TOL = 0.005  # ±0.5 percentage points


@pytest.fixture(scope="module")
def city_200k():  # type: ignore[no-untyped-def]
    return generate_city(200_000, 7)


@pytest.fixture(scope="module")
def city_small():  # type: ignore[no-untyped-def]
    return generate_city(20_000, 11)


@pytest.mark.slow
def test_census_structure_within_half_a_point(city_200k) -> None:  # type: ignore[no-untyped-def]
    st = state_at(city_200k, CENSUS)
    res = st[st["resident"] != 0]
    assert len(res) == 200_000
    age, male = res["age"].to_numpy(), res["male"].to_numpy()
    c = targets("tianjin").census
    assert abs((age >= 60).mean() - c["age_60_plus"]) < TOL
    assert abs((age >= 65).mean() - c["age_65_plus"]) < TOL
    assert abs((age < 15).mean() - c["age_0_14"]) < TOL
    assert abs(male.mean() - c["male_share"]) < TOL
    dep = (age >= 65).sum() / ((age >= 15) & (age < 65)).sum()
    assert abs(dep - 0.2056) < TOL
    urban = {s.code: s.urban for s in targets("tianjin").streets}
    is_urban = np.array([urban[int(x)] for x in res["resident"].to_numpy()])
    assert abs(is_urban.mean() - c["urbanisation"]) < TOL
    shares = pd.Series(res["resident"].to_numpy() // 1000).value_counts(normalize=True)
    districts = get_jurisdiction("tianjin").areas
    total = sum(r.census2020 or 0 for r in districts)
    for r in districts:
        assert abs(shares.get(int(r.code), 0.0) - (r.census2020 or 0) / total) < TOL, r.name
    # Districts differ in age as the census says (60+: 滨海 17.15 %, 西青 16.47 %, 河北 30.98 %,
    # 红桥 30.73 %); ±1.5 points allows for sampling and the re-centring of the assumed others.
    old = pd.Series(age >= 60).groupby(res["resident"].to_numpy() // 1000).mean()
    for code, published in ((120116, 0.1715), (120111, 0.1647), (120105, 0.3098),
                            (120106, 0.3073)):
        assert abs(old[code] - published) < 0.015, code


def test_everybody_has_a_valid_distinct_id_matching_sex_and_birth(city_small) -> None:  # type: ignore[no-untyped-def]
    p = city_small.persons
    assert p["id_number"].is_unique
    sample = p.sample(3000, random_state=1)
    for number, male, birth in zip(sample["id_number"], sample["male"], sample["birth"],
                                   strict=True):
        verdict = ids.validate(number)
        assert verdict.valid, ids.mask(number)
        info = ids.parse(number)
        assert info.sex == ("male" if male else "female")
        assert info.birth_date == pd.Timestamp(birth).date()


def test_separation_shares_as_the_plan_states(city_small) -> None:  # type: ignore[no-untyped-def]
    # "人户分离人口接近一半，户籍地与常住地不在同一个区的人口超过三分之一" (Tianjin 14th FYP plan)
    for as_of in (CENSUS, "2024-12-31"):
        st = state_at(city_small, as_of)
        res = st[st["resident"] != 0]
        away = res["away_long"].to_numpy()
        assert 0.44 <= away.mean() <= 0.50
        other = away & ((res["hukou"].to_numpy() // 1000) != (res["residence"].to_numpy() // 1000))
        assert other.mean() > 1 / 3


def test_schedules_are_plausible() -> None:
    t = targets("tianjin")
    assert 0.9 <= t.asfr.sum() <= 1.1  # TFR
    wm = t.srb / (1 + t.srb)
    e0 = wm * life_expectancy(t.mx[:, 0]) + (1 - wm) * life_expectancy(t.mx[:, 1])
    assert 81 <= e0 <= 82
    assert abs(t.age_sex.sum() - 1) < 1e-9


def test_same_seed_same_city_other_seed_differs() -> None:
    a, b, c = generate_city(2_000, 5), generate_city(2_000, 5), generate_city(2_000, 6)
    pd.testing.assert_frame_equal(a.persons, b.persons)
    pd.testing.assert_frame_equal(a.residence, b.residence)
    assert not a.persons["id_number"].equals(c.persons["id_number"])


def test_vital_rates_are_tianjin_like(city_small) -> None:  # type: ignore[no-untyped-def]
    # Birth and death rates between the census and 2024 around Tianjin's 5-7 per thousand.
    p = city_small.persons
    birth = p["birth"].to_numpy().astype("datetime64[D]")
    death = p["death"].to_numpy().astype("datetime64[D]")
    lo, hi = np.datetime64("2021-01-01"), np.datetime64("2024-12-31")
    years = 4 * len(p[p["cohort"] == "p0"])
    assert 3 / 1000 < ((birth >= lo) & (birth <= hi)).sum() / years < 9 / 1000
    assert 4 / 1000 < ((death >= lo) & (death <= hi)).sum() / years < 10 / 1000


def test_population_path_2015_2024_like_the_revised_series(city_small) -> None:  # type: ignore[no-untyped-def]
    # Tianjin's census-consistent series peaks in 2016 (1443万) and is ~1387万 in 2020, i.e.
    # within a few per cent of the census; births 5.8-7.7 and deaths ~5.3-5.6 per thousand
    # (china-stats.md §B). Bands: population within 5 %, rates 4-10 per thousand.
    p = city_small.persons
    born = pd.to_datetime(p["birth"]).dt.year
    died = pd.to_datetime(p["death"]).dt.year
    for year in range(2015, 2025):
        st = state_at(city_small, f"{year}-07-01")
        pop = int((st["resident"] != 0).sum())
        assert abs(pop / 20_000 - 1) < 0.05, year
        assert 4 < (born == year).sum() / pop * 1000 < 10, year
        assert 4 < (died == year).sum() / pop * 1000 < 10, year


@pytest.fixture(scope="module")
def chongqing():  # type: ignore[no-untyped-def]
    return generate_city(30_000, 3, jurisdiction="chongqing")


@pytest.fixture(scope="module")
def xiqing():  # type: ignore[no-untyped-def]
    return generate_city(30_000, 3, jurisdiction="xiqing")


def _residents(city) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    st = state_at(city, CENSUS)
    return st[st["resident"] != 0]


def _structure_within(res: pd.DataFrame, key: str, tol: float) -> None:
    j = get_jurisdiction(key)
    t = targets(key)
    age, male = res["age"].to_numpy(), res["male"].to_numpy()
    c = t.census
    for name, share in (("age_0_14", (age < 15).mean()), ("age_60_plus", (age >= 60).mean()),
                        ("age_65_plus", (age >= 65).mean()), ("male_share", male.mean())):
        assert abs(share - c[name]) < tol, name
    # The jurisdiction file's published figures are the ones calibrated to.
    for name in ("age_0_14", "age_60_plus", "male_share"):
        assert c[name] == j.census_value(name), name
    urban = {s.code: s.urban for s in t.streets}
    assert abs(np.mean([urban[int(x)] for x in res["resident"]]) - c["urbanisation"]) < tol


def test_chongqing_like_city_has_chongqings_census_structure(chongqing) -> None:  # type: ignore[no-untyped-def]
    res = _residents(chongqing)
    assert len(res) == 30_000
    _structure_within(res, "chongqing", 0.01)
    j = get_jurisdiction("chongqing")
    district = res["resident"].to_numpy() // 1000
    assert set(district) <= {int(c) for c in j.area_codes}
    assert len(set(district)) == 38
    shares = pd.Series(district).value_counts(normalize=True)
    # 中心城区 10,343,462 (32.27 %) and 主城都市区 21,122,370 (65.90 %) of 32,054,159.
    main = [int(m) for m in j.group("main").members]
    west = [int(m) for m in j.group("west").members]
    assert abs(shares.reindex(main).sum() - 10_343_462 / 32_054_159) < 0.01
    assert abs(shares.reindex(main + west).sum() - 21_122_370 / 32_054_159) < 0.01
    total = sum(j.area_census().values())
    assert total == j.census_population
    for code, size in j.area_census().items():
        assert abs(shares.get(int(code), 0.0) - size / total) < 0.006, code


def test_chongqing_migrants_hold_hukou_outside_the_city(chongqing) -> None:  # type: ignore[no-untyped-def]
    st = state_at(chongqing, CENSUS)
    res = st[st["resident"] != 0]
    outside = chongqing.persons.set_index("pid")["outside_code"].reindex(res.index)
    floating = res["hukou"].to_numpy() == 0
    codes = outside.to_numpy()[floating]
    assert floating.mean() > 0.03
    assert not any(str(c).startswith("50") for c in codes)
    assert all(len(str(c)) == 6 for c in codes)


def test_xiqing_city_lives_in_its_ten_jie_zhen(xiqing) -> None:  # type: ignore[no-untyped-def]
    res = _residents(xiqing)
    assert len(res) == 30_000
    _structure_within(res, "xiqing", 0.01)
    j = get_jurisdiction("xiqing")
    streets = res["resident"].to_numpy()
    assert {str(s) for s in streets} == set(j.area_codes)
    # 赤龙南街道 15,507 of 1,195,124 (七普).
    assert abs((streets == 120111003).mean() - 15_507 / 1_195_124) < 0.004


def test_xiqing_hukou_in_other_tianjin_districts_is_outside(xiqing) -> None:  # type: ignore[no-untyped-def]
    st = state_at(xiqing, CENSUS)
    res = st[st["resident"] != 0]
    assert set(res.loc[res["hukou"] != 0, "hukou"] // 1000) == {120111}
    outside = xiqing.persons.set_index("pid")["outside_code"].reindex(res.index)
    codes = {str(c) for c in outside[res["hukou"] == 0]}
    other_tianjin = {c for c in codes if c.startswith("12")}
    assert other_tianjin and "120111" not in other_tianjin
    # Most residents of the district hold a hukou elsewhere (户籍 well under half of 常住).
    assert (res["hukou"] == 0).mean() > 0.5


def test_every_jurisdiction_reaches_its_mortality_and_fertility_levels() -> None:
    for key in ("chongqing", "xiqing"):
        t = targets(key)
        wm = t.srb / (1 + t.srb)
        e0 = wm * life_expectancy(t.mx[:, 0]) + (1 - wm) * life_expectancy(t.mx[:, 1])
        assert 76 < e0 < 83, key
        assert 0.8 < t.asfr.sum() < 1.5, key
        assert abs(t.age_sex.sum() - 1) < 1e-9
