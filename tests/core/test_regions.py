from renkou.jurisdictions import get_jurisdiction
from renkou.regions import Region, gazetteer

TIANJIN = get_jurisdiction("tianjin").code
XIQING = get_jurisdiction("xiqing").code


def tianjin_districts() -> list[Region]:
    return list(get_jurisdiction("tianjin").areas)


def xiqing_streets() -> list[Region]:
    return list(get_jurisdiction("xiqing").areas)


def test_tianjin_has_16_districts_in_order() -> None:
    ds = tianjin_districts()
    assert len(ds) == 16
    assert ds[0].code == "120101" and ds[0].name == "和平区"
    assert ds[-1].code == "120119" and ds[-1].name == "蓟州区"
    assert gazetteer().get("120116").name == "滨海新区"


def test_tianjin_groups() -> None:
    tj = get_jurisdiction("tianjin")

    def names(key: str) -> set[str]:
        return {gazetteer().get(c).name for c in tj.group(key).members}

    assert names("central") == {"和平区", "河东区", "河西区", "南开区", "河北区", "红桥区"}
    assert names("ring") == {"东丽区", "西青区", "津南区", "北辰区"}
    assert names("outer") == {"武清区", "宝坻区", "宁河区", "静海区", "蓟州区"}
    assert tj.group("outer").name == "外围五区"


def test_census_totals_sum_to_published_city_total() -> None:
    # 七普: 13,866,009 (NBS 公报第三号)
    assert sum(r.census2020 or 0 for r in tianjin_districts()) == 13_866_009


def test_xiqing_streets() -> None:
    streets = xiqing_streets()
    assert len(streets) == 10
    names = {s.aliases[0] for s in streets}
    assert names == {"西营门街", "李七庄街", "赤龙南街", "杨柳青镇", "中北镇", "精武镇", "大寺镇",
                     "王稳庄镇", "辛口镇", "张家窝镇"}
    assert all(s.code.startswith(XIQING) and len(s.code) == 9 for s in streets)
    assert len({s.code for s in streets}) == 10


def test_chongqing_has_38_districts_and_counties() -> None:
    ds = gazetteer().districts("500000")
    assert len(ds) == 38
    assert gazetteer().by_name("梁平县").code == "500155"  # old name still resolves
    assert sum(1 for d in ds if d.group == "main") == 9


def test_city_of() -> None:
    assert gazetteer().city_of("120111001") == TIANJIN
    assert gazetteer().city_of("500103") == "500000"
