"""Targets of the synthetic city (合成城市目标结构): a jurisdiction's 2020 census structure.

Single-year age–sex shares close to the 七普 broad shares, area weights from the jurisdiction's
census figures (``renkou.jurisdictions``), urban shares, 人户分离 shares, and mortality and
fertility schedules. The generator's own assumptions for each jurisdiction live in
``data/synth/<key>.yaml`` with their sources; China's age shapes in
``data/synth/wpp2024_china.yaml``.
Nothing here names a particular jurisdiction."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml

from renkou.demography.lifetable import table_columns
from renkou.errors import ConfigError
from renkou.jurisdictions import Jurisdiction, get_jurisdiction
from renkou.regions import gazetteer
from renkou.types import OPEN_AGE, FloatArray

# 9-digit 街镇 codes lie inside the jurisdiction; 6-digit county codes are places outside it.
INSIDE_MIN = 100_000_000
CENSUS_NAMES = ("male_share", "age_0_14", "age_15_59", "age_60_plus", "age_65_plus",
                "urbanisation")


def _yaml(name: str) -> dict[str, Any]:
    path = resources.files("renkou").joinpath(f"data/synth/{name}.yaml")
    if not path.is_file():
        raise ConfigError(f"合成城市缺少辖区 {name} 的参数文件 data/synth/{name}.yaml")
    data: dict[str, Any] = yaml.safe_load(path.read_text("utf-8"))
    return data


@dataclass(frozen=True)
class Street:
    """One 街镇 of the synthetic city: 9-digit code, its county, whether it is urban and the
    jurisdiction area it counts in (its county, or itself for a district deployment)."""

    code: int
    district: int
    urban: bool
    area: int


@dataclass(frozen=True)
class Targets:
    """Everything the generator calibrates to.

    ``age_sex`` has shape (101, 2): share of the resident population at single age 0…100+
    (column 0 male, 1 female), summing to 1. ``mx`` has the same shape: central death rates.
    ``asfr`` has shape (101,): births per woman-year by age (zero outside 15–49). Area arrays
    follow ``area_codes`` (the jurisdiction's areas: districts, or 街镇 when ``street_level``)."""

    key: str
    street_level: bool
    age_sex: FloatArray
    area_codes: tuple[int, ...]
    area_weights: FloatArray
    area_urban: FloatArray
    area_weights_60_plus: FloatArray  # P(area | aged 60+)
    area_weights_under_60: FloatArray  # P(area | under 60)
    area_floating: FloatArray  # relative chance that a resident is a migrant
    area_hukou_pull: FloatArray  # relative chance of being the hukou place of someone away
    area_work_pull: FloatArray  # relative chance of being a workplace
    university_areas: tuple[int, ...]
    streets: tuple[Street, ...]
    separation: dict[str, float]
    mx: FloatArray
    asfr: FloatArray
    srb: float
    outside_codes: tuple[int, ...]
    outside_weights: FloatArray
    census: dict[str, float]
    unknown_division: str

    @property
    def district_codes(self) -> tuple[int, ...]:
        """The 6-digit counties the areas lie in (the areas themselves for a city)."""
        return tuple(dict.fromkeys(s.district for s in self.streets))

    def streets_of(self, area: int) -> list[Street]:
        return [s for s in self.streets if s.area == area]

    def area_of(self, codes: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Area of inside street codes (a county code for a city, the street itself else)."""
        codes = np.asarray(codes, dtype=np.int64)
        return codes if self.street_level else codes // 1000

    def area_index(self, areas: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Position of each area code in ``area_codes``."""
        codes = np.array(self.area_codes, dtype=np.int64)
        order = np.argsort(codes)
        return np.asarray(order[np.searchsorted(codes[order], areas)], dtype=np.int64)


def _spread_groups(groups: dict[int, float]) -> FloatArray:
    """Split 5-year group totals (ages 0,5,…,95 and 100+) into single years 0…100.

    Piecewise-linear density through group midpoints, rescaled so each group keeps its total."""
    starts = sorted(groups)
    mids = np.array([s + 2.5 for s in starts[:-1]] + [100.5])
    dens = np.array([groups[s] / 5 for s in starts[:-1]] + [groups[starts[-1]]])
    ages = np.arange(OPEN_AGE + 1, dtype=float) + 0.5
    raw = np.interp(ages, mids, dens)
    out = np.zeros(OPEN_AGE + 1)
    for s in starts[:-1]:
        sl = slice(s, s + 5)
        out[sl] = raw[sl] / raw[sl].sum() * groups[s]
    out[OPEN_AGE] = groups[starts[-1]]
    return out


def _age_sex_shares(wpp: dict[str, Any], c: dict[str, float]) -> FloatArray:
    pop = wpp["wpp2024_china_pop2020_thousands"]
    male = _spread_groups({int(a): float(v[0]) for a, v in pop.items()})
    female = _spread_groups({int(a): float(v[1]) for a, v in pop.items()})
    both = male + female
    blocks = [(0, 15, c["age_0_14"]), (15, 60, c["age_15_59"]),
              (60, 65, c["age_60_plus"] - c["age_65_plus"]), (65, OPEN_AGE + 1, c["age_65_plus"])]
    # Rescale China's shape by a factor that is piecewise linear in age (knots at the block
    # centres) and solved so that each block hits its target share exactly: the blocks add up
    # right without steps at ages 15, 60 and 65.
    knots = np.array([7.0, 37.0, 62.0, 82.0])
    mid = np.arange(OPEN_AGE + 1) + 0.5
    hats = np.array([np.interp(mid, knots, row) for row in np.eye(len(knots))])
    weight = np.array([[float((both[lo:hi] * hats[k, lo:hi]).sum()) for k in range(len(knots))]
                       for lo, hi, _ in blocks])
    factor = np.linalg.solve(weight, np.array([target for *_, target in blocks]))
    shares = both * (factor @ hats)
    # Male share by age follows China's pattern, with male odds scaled so the total matches.
    pm = male / both
    lo_k, hi_k = 0.5, 2.0
    for _ in range(60):
        k = (lo_k + hi_k) / 2
        odds = pm / (1 - pm) * k
        total_male = float((shares * odds / (1 + odds)).sum())
        if total_male < c["male_share"]:
            lo_k = k
        else:
            hi_k = k
    odds = pm / (1 - pm) * (lo_k + hi_k) / 2
    m = shares * odds / (1 + odds)
    return np.column_stack([m, shares - m])


def _single_year_mx(wpp: dict[str, Any]) -> FloatArray:
    """Log-linear interpolation of WPP abridged mx to single years (ages 0…100)."""
    raw = wpp["wpp2024_china_mx_2020_2025"]
    starts = np.array(sorted(int(a) for a in raw))
    out = np.zeros((OPEN_AGE + 1, 2))
    ages = np.arange(OPEN_AGE + 1)
    for j in range(2):
        vals = np.log(np.array([raw[a][j] for a in sorted(raw, key=int)]))
        # Age 0 stands alone; from age 1 on interpolate between group midpoints.
        mids = np.where(starts == 0, 0.0, np.where(starts == 1, 2.5, starts + 2.5))
        mids[starts == 100] = 100.0
        out[:, j] = np.exp(np.interp(ages.astype(float), mids, vals))
        out[0, j] = raw[0][j]
    return out


def life_expectancy(mx: FloatArray) -> float:
    """e0 of a single-year period life table of the demography package, with ax = ½ at every
    closed age (also age 0: the generator's deaths are spread evenly over the year)."""
    mx = np.asarray(mx, dtype=np.float64)
    cols = table_columns(mx, np.ones(mx.shape[-1]), np.full(mx.shape[-1], 0.5))
    return float(cols.ex[0])


def _scaled_mx(wpp: dict[str, Any], e0: float, srb: float) -> FloatArray:
    """Scale the mortality level so that e0 (both sexes, weighted by SRB) hits the target."""
    base = _single_year_mx(wpp)
    wm = srb / (1 + srb)
    lo, hi = 0.2, 2.0
    for _ in range(60):
        f = (lo + hi) / 2
        got = wm * life_expectancy(base[:, 0] * f) + (1 - wm) * life_expectancy(base[:, 1] * f)
        if got > e0:
            lo = f
        else:
            hi = f
    return np.asarray(base * (lo + hi) / 2)


def _asfr(wpp: dict[str, Any], tfr: float) -> FloatArray:
    pasfr = wpp["wpp2024_china_pasfr_2020_2025"]
    groups = {int(a): float(v) / 100 * tfr for a, v in pasfr.items()}
    out = np.zeros(OPEN_AGE + 1)
    mids = np.array([a + 2.5 for a in sorted(groups)])
    dens = np.array([groups[a] / 5 for a in sorted(groups)])
    raw = np.interp(np.arange(15, 50) + 0.5, mids, dens)
    for a in sorted(groups):
        sl = slice(a - 15, a - 10)
        out[a:a + 5] = raw[sl] / raw[sl].sum() * groups[a]
    return out


def _census(j: Jurisdiction, ref: dict[str, Any]) -> dict[str, float]:
    """The census targets: the jurisdiction's figures, else the generator's stated ones."""
    extra = ref.get("census_extra") or {}
    out: dict[str, float] = {}
    for name in CENSUS_NAMES:
        value = j.census_value(name)
        if value is None:
            if name not in extra:
                raise ConfigError(f"辖区 {j.key} 缺少普查指标 {name}：请在 data/synth/{j.key}.yaml "
                                  "的 census_extra 中给出（并注明来源或假设）")
            value = float(extra[name]["value"])
        out[name] = float(value)
    return out


def _area_sizes(j: Jurisdiction) -> list[float]:
    """Census residents of each area (regions.yaml census2020, for districts and 街镇)."""
    sizes = j.area_census()
    if len(sizes) < len(j.areas):
        # 街镇 figures are read from the gazetteer file directly: Region keeps them for
        # districts only.
        text = resources.files("renkou").joinpath("data/regions.yaml").read_text("utf-8")
        for s in yaml.safe_load(text)["streets"]:
            if s.get("census2020") is not None:
                sizes.setdefault(str(s["code"]), int(s["census2020"]))
    missing = [a.name for a in j.areas if a.code not in sizes]
    if missing:
        raise ConfigError(f"辖区 {j.key} 的区域缺少七普常住人口（regions.yaml census2020）："
                          + "、".join(missing))
    return [float(sizes[a.code]) for a in j.areas]


def _group_of(j: Jurisdiction) -> dict[str, str]:
    out: dict[str, str] = {}
    for g in j.groups.values():
        for m in g.members:
            out.setdefault(m, g.key)
    return out


def _streets(j: Jurisdiction, ref: dict[str, Any], group: dict[str, str]) -> tuple[Street, ...]:
    out: list[Street] = []
    if j.area_level == "street":
        for a in j.areas:
            out.append(Street(int(a.code), int(a.code) // 1000, bool(a.urban), int(a.code)))
        return tuple(out)
    urban_share = ref.get("urban_share") or {}
    per = ref.get("streets_per_district") or {}
    for a in j.areas:
        d = int(a.code)
        real = gazetteer().children(a.code)
        if real:  # districts whose 街镇 the gazetteer names keep them
            out.extend(Street(int(r.code), d, bool(r.urban), d) for r in real)
            continue
        k = int(per.get(a.code, ref.get("streets_default", 8)))
        share = float(urban_share.get(group.get(a.code, ""), 1.0))
        n_urban = k if share >= 1 else max(1, min(k - 1, round(k * share)))
        out.extend(Street(d * 1000 + i + 1, d, i < n_urban, d) for i in range(k))
    return tuple(out)


def _by_group(j: Jurisdiction, values: dict[str, Any] | None, group: dict[str, str]
              ) -> FloatArray:
    values = values or {}
    return np.array([float(values.get(group.get(a.code, ""), 1.0)) for a in j.areas])


@lru_cache(maxsize=8)
def targets(jurisdiction: str = "tianjin") -> Targets:
    """The generator's calibration targets for a jurisdiction key (cached; pure data)."""
    j = get_jurisdiction(jurisdiction)
    ref, wpp = _yaml(j.key), _yaml("wpp2024_china")
    group = _group_of(j)
    census = _census(j, ref)
    codes = [int(a.code) for a in j.areas]
    weights = np.array(_area_sizes(j))
    weights /= weights.sum()
    streets = _streets(j, ref, group)
    if j.area_level == "street":
        urban = np.array([1.0 if s.urban else 0.0 for s in streets])
    else:
        urban = _by_group(j, ref.get("urban_share"), group)
    # Older central areas, younger suburbs: P(a | 60+) and P(a | <60) mix back to the census
    # weights exactly (tilts are centred), so area totals and overall shares hold.
    p60 = census["age_60_plus"]
    old60 = ref.get("area_60_plus") or {}
    tilt = np.array([(float(old60.get(a.code, p60)) - p60) / (p60 * (1 - p60)) for a in j.areas])
    tilt -= float((weights * tilt).sum())
    old = weights * (1 + tilt * (1 - p60))
    young = weights * (1 - tilt * p60)
    srb = float(ref["sex_ratio_at_birth"])
    outside = ref["outside_codes"]
    ow = np.array([float(v) for v in outside.values()])
    return Targets(
        key=j.key,
        street_level=j.area_level == "street",
        age_sex=_age_sex_shares(wpp, census),
        area_codes=tuple(codes),
        area_weights=weights,
        area_urban=urban,
        area_weights_60_plus=old / old.sum(),
        area_weights_under_60=young / young.sum(),
        area_floating=_by_group(j, ref.get("floating_weight"), group),
        area_hukou_pull=_by_group(j, ref.get("hukou_pull"), group),
        area_work_pull=_by_group(j, ref.get("work_pull"), group),
        university_areas=tuple(int(c) for c in ref["university_areas"]),
        streets=streets,
        separation={k: float(v) for k, v in ref["separation"].items()},
        mx=_scaled_mx(wpp, float(ref["e0"]), srb),
        asfr=_asfr(wpp, float(ref["tfr"])),
        srb=srb,
        outside_codes=tuple(int(c) for c in outside),
        outside_weights=ow / ow.sum(),
        census=census,
        unknown_division=str(ref["unknown_division"]),
    )
