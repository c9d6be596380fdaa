"""Truth calibers of the synthetic city: computed from the people, internally consistent."""

from __future__ import annotations

import numpy as np
import pytest

from renkou.registry.synth import calibers_at, generate_city, state_at
from renkou.registry.synth.truth import separation_at


@pytest.fixture(scope="module")
def city():  # type: ignore[no-untyped-def]
    return generate_city(10_000, 21)


def test_resident_population_on_census_day_is_the_requested_size(city) -> None:  # type: ignore[no-untyped-def]
    t = calibers_at(city, "2020-11-01")
    assert t[t["caliber"] == "resident"]["value"].sum() == 10_000


def test_caliber_cells_are_positive_and_well_formed(city) -> None:  # type: ignore[no-untyped-def]
    t = calibers_at(city, "2024-12-31")
    assert (t["value"] > 0).all()
    assert set(t["caliber"]) == {"hukou", "resident", "employed", "active"}
    assert t["age"].between(0, 100).all()
    assert set(t["sex"]) <= {"male", "female"}
    assert t["region"].str.fullmatch(r"1201\d\d").all()
    assert not t.duplicated(["caliber", "region", "sex", "age"]).any()


def test_hukou_is_alive_people_with_a_tianjin_hukou(city) -> None:  # type: ignore[no-untyped-def]
    st = state_at(city, "2024-12-31")
    t = calibers_at(city, "2024-12-31")
    assert t[t["caliber"] == "hukou"]["value"].sum() == int((st["hukou"] != 0).sum())
    # Hukou population is smaller than the resident one (floating population), as in Tianjin.
    assert t[t["caliber"] == "hukou"]["value"].sum() < t[t["caliber"] == "resident"]["value"].sum()


def test_active_counts_every_resident_at_least_once(city) -> None:  # type: ignore[no-untyped-def]
    for d in ("2020-11-01", "2024-12-31"):
        t = calibers_at(city, d)
        by = t.groupby("caliber")["value"].sum()
        assert by["active"] >= by["resident"]
        assert 0 < by["employed"] < by["resident"]


def test_recent_arrivals_are_not_residents_until_six_months(city) -> None:  # type: ignore[no-untyped-def]
    st = state_at(city, "2020-11-01")
    fresh = st[(st["hukou"] == 0) & (st["residence"] != 0) & ~st["away_long"]]
    assert len(fresh) > 0
    assert (fresh["resident"] == 0).all()


def test_separation_kinds(city) -> None:  # type: ignore[no-untyped-def]
    s = separation_at(city, "2020-11-01")
    assert set(s["kind"]) == {"same_district", "other_district", "outside_city"}
    share = s.groupby("kind")["value"].sum() / 10_000
    assert np.isclose(share.sum(), share["same_district"] + share["other_district"]
                      + share["outside_city"])
    assert 0.2 < share["outside_city"] < 0.3


def test_truth_regions_are_the_jurisdictions_areas() -> None:
    from renkou.jurisdictions import get_jurisdiction

    for key in ("chongqing", "xiqing"):
        city = generate_city(3_000, 4, jurisdiction=key)
        areas = set(get_jurisdiction(key).area_codes)
        for d in ("2020-11-01", "2024-12-31"):
            t = calibers_at(city, d)
            assert set(t["region"]) <= areas, key
            assert set(t["region"]) == areas or key == "chongqing", key
            assert t[t["caliber"] == "resident"]["value"].sum() > 0
            s = separation_at(city, d)
            assert set(s["region"]) <= areas
        census_day = calibers_at(city, "2020-11-01")
        assert census_day[census_day["caliber"] == "resident"]["value"].sum() == 3_000


def test_street_level_employment_counts_registrations_only() -> None:
    # Insurance names a county, not a 街镇: in a district deployment only employment
    # registrations locate a worker, so employed <= people with a current registration.
    city = generate_city(3_000, 4, jurisdiction="xiqing")
    d = "2024-12-31"
    st = state_at(city, d)
    t = calibers_at(city, d)
    e = city.employment[city.employment["registered"]]
    start = e["start"].to_numpy().astype("datetime64[D]")
    end = e["end"].to_numpy().astype("datetime64[D]")
    when = np.datetime64(d)
    current = e[(start <= when) & (np.isnat(end) | (end >= when))]
    registered = current["pid"][current["pid"].isin(st.index)].nunique()
    assert t[t["caliber"] == "employed"]["value"].sum() == registered
    assert not city.insurance.empty
