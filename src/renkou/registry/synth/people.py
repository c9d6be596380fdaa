"""Synthetic persons (合成人口): sex, birth date, ID number, name, hukou and residence streets.

Everything is vectorised. A person's place is drawn as a *resident street* (where the census
counts them) plus a category of 人户分离 (living away from the hukou street), from which the
hukou street and the residence street follow."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from renkou import ids
from renkou.registry.synth.dates import Dates, completed_age, shift_months, shift_years
from renkou.registry.synth.targets import Targets
from renkou.types import OPEN_AGE

# 人户分离 categories of a person at their reference date.
SAME = 0  # lives at the hukou street
SEP_SAME_DISTRICT = 1  # another street of the hukou district, away >= 6 months
SEP_OTHER_DISTRICT = 2  # hukou in another district of the jurisdiction, away >= 6 months
FLOATING = 3  # hukou outside the jurisdiction, away >= 6 months (流动人口)
RECENT = 4  # hukou inside, moved to another street less than six months ago

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

_SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋"  # noqa: E501
             "蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段")
_GIVEN_M = "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘"  # noqa: E501
_GIVEN_F = "秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝丽阳妮宝贝初程梵罡恒鸿桦骅剑娇纪宽苛灵玛媚琪晴容睿烁堂唯威韦雯苇萱阅彦宇雨洋忠宗曼紫逸贤蝶菡绿蓝儿翠烟"  # noqa: E501
_SURNAME_W = np.linspace(3.0, 0.3, len(_SURNAMES))


@dataclass(frozen=True)
class Placement:
    """Where people are at their reference date: codes as integers (9-digit 街镇, or a
    6-digit county code outside the jurisdiction for the hukou of migrants)."""

    resident: I64  # street where the census counts them
    hukou: I64  # hukou street, or outside county code
    residence: I64  # street they live in
    category: npt.NDArray[np.int8]
    since: Dates  # start of the current residence spell (NaT when living at the hukou street)


def draw_age_sex(n: int, rng: np.random.Generator, t: Targets) -> tuple[I64, Bools]:
    """Completed age (0…OPEN_AGE) and sex (True = male) from the target single-year shares."""
    p = t.age_sex.ravel()  # (age, sex) row-major: index = age * 2 + sex
    cell = rng.choice(len(p), size=n, p=p / p.sum())
    return (cell // 2).astype(np.int64), (cell % 2 == 0)


def birth_dates_for_age(age: I64, ref: Dates, rng: np.random.Generator) -> Dates:
    """A birth date giving completed age ``age`` at ``ref``. The open group 100+ spreads 100–104."""
    age = age + np.where(age >= OPEN_AGE, rng.integers(0, 5, size=len(age)), 0)
    lo = shift_years(ref, -(age + 1))
    hi = shift_years(ref, -age)
    span = (hi - lo).astype(np.int64)
    off = 1 + np.floor(rng.random(len(age)) * span).astype(np.int64)
    return lo + off.astype("timedelta64[D]")


def _pick_street(areas: I64, urban: Bools, t: Targets, rng: np.random.Generator) -> I64:
    """A street of each area, urban or rural as asked (falls back when an area has none)."""
    out = np.zeros(len(areas), dtype=np.int64)
    u = rng.random(len(areas))
    for d in t.area_codes:
        streets = t.streets_of(d)
        urb = np.array([s.code for s in streets if s.urban], dtype=np.int64)
        rur = np.array([s.code for s in streets if not s.urban], dtype=np.int64)
        allc = np.array([s.code for s in streets], dtype=np.int64)
        sel = areas == d
        for mask, pool in ((sel & urban, urb if len(urb) else allc),
                           (sel & ~urban, rur if len(rur) else allc)):
            k = int(mask.sum())
            if k:
                out[mask] = pool[np.floor(u[mask] * len(pool)).astype(np.int64)]
    return out


def draw_resident_streets(n: int, t: Targets, rng: np.random.Generator,
                          age: I64 | None = None) -> I64:
    """Area by census2020 weights (given the age: older people more often in the central
    districts), then urban or rural by the area's urban share."""
    if age is None:
        di = rng.choice(len(t.area_codes), size=n, p=t.area_weights)
    else:
        di = np.empty(n, dtype=np.int64)
        old = age >= 60
        di[old] = rng.choice(len(t.area_codes), size=int(old.sum()),
                             p=t.area_weights_60_plus)
        di[~old] = rng.choice(len(t.area_codes), size=int((~old).sum()),
                              p=t.area_weights_under_60)
    areas = np.array(t.area_codes, dtype=np.int64)[di]
    urban = rng.random(n) < t.area_urban[di]
    return _pick_street(areas, urban, t, rng)


def other_street(current: I64, same_district: bool, t: Targets,
                 rng: np.random.Generator) -> I64:
    """A street different from ``current``: in the same district, or in another district
    (weighted by population and the area's pull as a hukou place)."""
    n = len(current)
    if t.street_level:
        return _other_area_street(current, t, rng)
    cur_d = current // 1000
    if same_district:
        d = cur_d
    else:
        w = t.area_weights * t.area_hukou_pull
        w = w / w.sum()
        codes = np.array(t.area_codes, dtype=np.int64)
        d = codes[rng.choice(len(codes), size=n, p=w)]
        clash = d == cur_d
        while clash.any():
            d[clash] = codes[rng.choice(len(codes), size=int(clash.sum()), p=w)]
            clash = d == cur_d
    out = _pick_street(d, rng.random(n) < 0.8, t, rng)
    clash = out == current
    while clash.any():
        out[clash] = _pick_street(d[clash], rng.random(int(clash.sum())) < 0.5, t, rng)
        clash = out == current
    return out


def _other_area_street(current: I64, t: Targets, rng: np.random.Generator) -> I64:
    """Another area of a jurisdiction whose areas are single streets (all in one district),
    by population and pull."""
    codes = np.array(t.area_codes, dtype=np.int64)
    w = t.area_weights * t.area_hukou_pull
    w = w / w.sum()
    out = codes[rng.choice(len(codes), size=len(current), p=w)]
    clash = out == current
    while clash.any():
        out[clash] = codes[rng.choice(len(codes), size=int(clash.sum()), p=w)]
        clash = out == current
    return out


def other_street_mixed(current: I64, p_same: float, t: Targets,
                       rng: np.random.Generator) -> I64:
    """``other_street`` with each person in the same district with probability ``p_same``."""
    same = rng.random(len(current)) < p_same
    out = np.empty(len(current), dtype=np.int64)
    out[same] = other_street(current[same], True, t, rng)
    out[~same] = other_street(current[~same], False, t, rng)
    return out


def outside_codes(n: int, t: Targets, rng: np.random.Generator) -> I64:
    codes = np.array(t.outside_codes, dtype=np.int64)
    return codes[rng.choice(len(codes), size=n, p=t.outside_weights)]


def _floating_weight(age: I64, street: I64, t: Targets) -> npt.NDArray[np.float64]:
    by_age = np.select([age < 15, age < 18, age < 30, age < 45, age < 60],
                       [0.7, 0.6, 1.6, 1.4, 0.8], 0.35)
    by_area = t.area_floating[t.area_index(t.area_of(street))]
    return np.asarray(by_age * by_area, dtype=np.float64)


def draw_placement(age: I64, ref: Dates, t: Targets, rng: np.random.Generator,
                   floating_only: bool = False) -> Placement:
    """Resident street, 人户分离 category, hukou and residence streets and spell start."""
    n = len(age)
    resident = draw_resident_streets(n, t, rng, age)
    sep = t.separation
    if floating_only:
        cat = np.full(n, FLOATING, dtype=np.int8)
    else:
        w = _floating_weight(age, resident, t)
        p_float = np.clip(w / w.mean() * sep["outside_city"], 0, 0.9)
        u = rng.random(n)
        rest = 1 - sep["outside_city"]
        p_other = sep["other_district"] / rest
        p_same = sep["same_district"] / rest
        p_recent = sep["recent_movers"] / rest
        v = rng.random(n)
        cat = np.select(
            [u < p_float, v < p_other, v < p_other + p_same, v < p_other + p_same + p_recent],
            [FLOATING, SEP_OTHER_DISTRICT, SEP_SAME_DISTRICT, RECENT], SAME).astype(np.int8)
    hukou = resident.copy()
    residence = resident.copy()
    m = cat == SEP_SAME_DISTRICT
    hukou[m] = other_street(resident[m], True, t, rng)
    m = cat == SEP_OTHER_DISTRICT
    hukou[m] = other_street(resident[m], False, t, rng)
    m = cat == FLOATING
    hukou[m] = outside_codes(int(m.sum()), t, rng)
    m = cat == RECENT
    residence[m] = other_street_mixed(resident[m], 0.5, t, rng)
    # Spell start: away >= 6 months (exponential duration, mean 15 years, so that the 2015
    # population is close to the 2020 one, as in the revised series) or < 6 months.
    cutoff = shift_months(ref, -6)
    away = (cat == SEP_SAME_DISTRICT) | (cat == SEP_OTHER_DISTRICT) | (cat == FLOATING)
    days_long = np.floor(rng.exponential(15 * 365.25, size=n)).astype(np.int64)
    since = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    since[away] = (cutoff - days_long.astype("timedelta64[D]"))[away]
    recent_days = np.floor(rng.random(n) * (ref - cutoff).astype(np.int64)).astype(np.int64)
    since[cat == RECENT] = (ref - recent_days.astype("timedelta64[D]"))[cat == RECENT]
    return Placement(resident, hukou, residence, cat, since)


def draw_names(male: Bools, rng: np.random.Generator) -> npt.NDArray[np.str_]:
    """Synthetic Chinese names: a common surname plus one or two given-name characters."""
    n = len(male)
    sw = _SURNAME_W / _SURNAME_W.sum()
    sur = np.array(list(_SURNAMES))[rng.choice(len(_SURNAMES), size=n, p=sw)]
    gm, gf = np.array(list(_GIVEN_M)), np.array(list(_GIVEN_F))
    c1 = np.where(male, gm[rng.integers(0, len(gm), n)], gf[rng.integers(0, len(gf), n)])
    c2 = np.where(male, gm[rng.integers(0, len(gm), n)], gf[rng.integers(0, len(gf), n)])
    two = rng.random(n) < 0.7
    given = np.where(two, np.char.add(c1, c2), c1)
    return np.asarray(np.char.add(sur, given))


def id_keys(numbers: npt.NDArray[np.str_]) -> I64:
    """The first 17 digits of ID numbers as integers (compact keys for uniqueness checks)."""
    return np.asarray(pd.Series(numbers).str[:17].astype(np.int64).to_numpy())


def unique_ids(division: I64, birth: Dates, male: Bools, rng: np.random.Generator,
               taken: I64 | None = None) -> npt.NDArray[np.str_]:
    """Valid, distinct ID numbers (``renkou.ids.generate``; collisions are redrawn), also
    distinct from the sorted keys ``taken`` (numbers already given in other parts)."""
    div_s = division.astype("U6")
    sexes = np.where(male, "male", "female")
    out = ids.generate(div_s, birth, sexes, rng)
    for _ in range(50):
        dup = pd.Series(out).duplicated().to_numpy().copy()
        if taken is not None and len(taken):
            dup |= np.isin(id_keys(out), taken)
        if not dup.any():
            return np.asarray(out)
        out[dup] = ids.generate(div_s[dup], birth[dup], sexes[dup], rng)
    raise RuntimeError("could not draw distinct ID numbers")  # pragma: no cover


# Attainment (受教育程度) of adults by age band, in census order:
# 未上过学, 小学, 初中, 高中, 大学专科, 大学本科, 研究生.
EDUCATION_ZH = ("未上过学", "小学", "初中", "高中", "大学专科", "大学本科", "研究生")
_EDU_ADULT = (
    (25, 40, (0.005, 0.03, 0.22, 0.20, 0.20, 0.28, 0.065)),
    (40, 60, (0.01, 0.10, 0.38, 0.24, 0.12, 0.13, 0.02)),
    (60, 75, (0.04, 0.22, 0.40, 0.20, 0.07, 0.06, 0.01)),
    (75, 200, (0.15, 0.40, 0.25, 0.12, 0.04, 0.04, 0.0)),
)


def draw_education(age: I64, rng: np.random.Generator) -> npt.NDArray[np.int8]:
    """Highest level attained (index into EDUCATION_ZH); -1 under age 6 (not asked)."""
    n = len(age)
    out = np.full(n, -1, dtype=np.int8)
    u = rng.random(n)
    out[(age >= 6) & (age < 12)] = 1
    out[(age >= 12) & (age < 15)] = 2
    m = (age >= 15) & (age < 18)
    out[m] = np.where(u[m] < 0.7, 3, 2)
    m = (age >= 18) & (age < 25)
    out[m] = np.select([u[m] < 0.08, u[m] < 0.45, u[m] < 0.70], [2, 3, 4], 5)
    for lo, hi, probs in _EDU_ADULT:
        m = (age >= lo) & (age < hi)
        cum = np.cumsum(probs)
        out[m] = np.searchsorted(cum / cum[-1], u[m], side="right").clip(0, 6)
    return out


def age_at(birth: Dates, at: np.datetime64) -> I64:
    return completed_age(birth, at)
