"""Jurisdictions as data: areas, groups, census figures, containment."""

import datetime as dt

import pytest

from renkou.errors import NotFoundError
from renkou.jurisdictions import get_jurisdiction, jurisdiction_of_plan, jurisdictions


def test_three_jurisdictions_ship() -> None:
    assert set(jurisdictions()) >= {"tianjin", "chongqing", "xiqing"}


def test_tianjin_areas_groups_and_census() -> None:
    tj = get_jurisdiction("tianjin")
    assert (tj.code, tj.level, tj.area_level) == ("120000", "city", "district")
    assert len(tj.areas) == 16
    assert {a.name for a in tj.areas if a.code in tj.group("central").members} == {
        "和平区", "河东区", "河西区", "南开区", "河北区", "红桥区"}
    assert tj.group("outer").name == "外围五区"
    # 七普 districts sum to the published city total (NBS 公报第三号).
    assert sum(tj.area_census().values()) == tj.census_population == 13_866_009
    assert tj.census_date == dt.date(2020, 11, 1)
    assert tj.census["urbanisation"].assumed and not tj.census["population"].assumed


def test_chongqing_38_areas_in_four_groups() -> None:
    cq = get_jurisdiction("500000")
    assert cq.key == "chongqing" and len(cq.areas) == 38
    members = [m for g in cq.groups.values() for m in g.members]
    assert sorted(members) == sorted(cq.area_codes)  # every area in exactly one group
    assert len(cq.group("main").members) == 9
    assert cq.census_population == 32_054_159
    assert cq.map_file == "chongqing-districts.geojson"
    # Each of the 38 has a census figure (published or labelled as assumed in regions.yaml),
    # and together they make the published city total.
    assert len(cq.area_census()) == 38
    assert sum(cq.area_census().values()) == 32_054_159


def test_xiqing_is_a_district_deployment_of_streets() -> None:
    xq = get_jurisdiction("xiqing")
    assert (xq.level, xq.area_level, xq.prefix) == ("district", "street", "120111")
    assert len(xq.areas) == 10 and all(len(a.code) == 9 for a in xq.areas)
    assert xq.map_file is None
    assert sum(xq.area_census().values()) == xq.census_population == 1_195_124
    assert xq.contains("120111100") and not xq.contains("120104")


@pytest.mark.parametrize(("key", "code", "area"), [
    ("tianjin", "120111100", "120111"),
    ("tianjin", "120199", None),         # inside the province digits, not one of its areas
    ("tianjin", "500103", None),         # outside
    ("chongqing", "500243001", "500243"),
    ("xiqing", "120111106123", "120111106"),
    ("xiqing", "120111999", None),
])
def test_area_of(key: str, code: str, area: str | None) -> None:
    assert get_jurisdiction(key).area_of(code) == area


def test_plans_belong_to_their_jurisdiction() -> None:
    assert jurisdiction_of_plan("chongqing-2016-2030").key == "chongqing"
    assert jurisdiction_of_plan("xiqing-14th").key == "xiqing"
    assert jurisdiction_of_plan("tianjin-14th").key == "tianjin"


def test_unknown_jurisdiction_names_the_choices() -> None:
    with pytest.raises(NotFoundError, match="tianjin"):
        get_jurisdiction("atlantis")
