"""Hukou split of residents from a registry (户籍/非户籍常住人口与落户率): the counts and
rates ``renkou project --from-db … --split hukou`` writes next to the resident inputs.

* **hukou residents** — residents (常住) at the reference date who hold a hukou spell in
  the jurisdiction that day (the caliber query's ``hukou_kind`` is not ``none``), by area,
  sex and age; the rest of the residents are non-hukou;
* **settlement (落户)** — for each year of the window, the residents without local hukou on
  31 December of the year before who hold it, still residents, on 31 December of the year
  (matched by pseudonym), by their area, sex and age at the start of the year, over the
  non-hukou residents at that start; smoothed by
  :func:`renkou.demography.hukou_split.settlement_rates` (jurisdiction schedule, area
  factor with credibility);
* **hukou residents' net migration** — per area and sex, the change of the hukou residents
  over the window less their births and deaths (at the area's rates: the share of births
  to hukou mothers, deaths in proportion to exposure) and less the settlers; spread over
  age with the Rogers–Castro profiles of the registry's hukou moves in and out (settlers
  removed from the moves in). The residents' net migration less this is the non-hukou
  residents'.

Alternatively the settlers may come from a file (``--settlement``): the admitted applicants
of a points-settlement simulation by year, district, sex and age (the ``inflow`` sheet of
``renkou rules points simulate``, or any table ``year, region, sex, age, value``), written
as counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from renkou.demography.hukou_split import HukouSplit, births_share, settlement_rates
from renkou.demography.projection import FERTILE_AGE_MAX, FERTILE_AGE_MIN
from renkou.demography.smoothing import migration_profile, reconciled_net_migration
from renkou.errors import InputError
from renkou.projection.registry_inputs import NAGES, RegistryBuild, _array, _year_end
from renkou.registry import Registry
from renkou.types import OPEN_AGE, FloatArray

FERTILE = slice(FERTILE_AGE_MIN, FERTILE_AGE_MAX + 1)


@dataclass
class SplitBuild:
    """The split's inputs and what was measured."""

    split: HukouSplit
    assumptions: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def status_frame(registry: Registry, as_of: dt.date, level: str) -> pd.DataFrame:
    """Residents at ``as_of``: region, sex, age, value and ``hukou`` (True when they hold a
    hukou spell in the jurisdiction that day)."""
    df = registry.caliber(as_of, "resident", level=level,
                          by=("region", "sex", "age", "hukou_kind"))
    return df.assign(hukou=df["hukou_kind"].astype(str) != "none").drop(columns="hukou_kind")


def resident_by_status(registry: Registry, as_of: dt.date, level: str, regions: list[str]
                       ) -> tuple[FloatArray, FloatArray]:
    """(hukou residents, all residents) (R, 2, A) at ``as_of``."""
    df = status_frame(registry, as_of, level)
    return _array(df[df["hukou"]], regions), _array(df, regions)


def settlers_frame(registry: Registry, year: int, level: str) -> pd.DataFrame:
    """Residents without local hukou at the end of ``year − 1`` who hold it, still
    residents, at the end of ``year``: region, sex, age (at the start), value."""
    return registry.settlers(year, level)


def settlers(registry: Registry, year: int, level: str, regions: list[str]) -> FloatArray:
    """:func:`settlers_frame` as (R, 2, A)."""
    return _array(settlers_frame(registry, year, level), regions)


def hukou_net_migration(ends: dict[int, tuple[FloatArray, FloatArray]], years: list[int],
                        asfr: FloatArray, srb: FloatArray, mx: FloatArray,
                        settled: FloatArray, moves_in: FloatArray, moves_out: FloatArray
                        ) -> FloatArray:
    """Hukou residents' own net migrants per year (R, 2, A): their change over the window
    (``ends[y]`` = (hukou residents, residents) (R, 2, A) at the end of each year and of the
    year before the first) less their births (the area's ASFR (R, 35) on the hukou women,
    split by the SRB (R,)) and deaths (``mx`` (R, 2, A) on their exposure) and less the
    ``settled``; spread over age by the profiles of the hukou moves in (settlers removed)
    and out (R, 2, A, window totals)."""
    n = np.shape(settled)[0]
    change = np.zeros((n, 2))
    births = np.zeros((n, 2))
    deaths = np.zeros((n, 2))
    for y in years:
        h0, r0 = ends[y - 1]
        h1, r1 = ends[y]
        women = (r0[:, 1] + r1[:, 1]) / 2.0
        women_h = (h0[:, 1] + h1[:, 1]) / 2.0
        b = (asfr * women[:, FERTILE]).sum(axis=-1) * births_share(
            asfr, women[:, FERTILE], women_h[:, FERTILE])
        births += b[:, None] * np.stack([srb / (1 + srb), 1 / (1 + srb)], axis=1)
        deaths += (mx * (h0 + h1) / 2.0).sum(axis=-1)
        change += (h1 - h0).sum(axis=-1)
    k = len(years)
    residual = (change - births + deaths - np.asarray(settled).sum(axis=-1)) / k
    arrivals = np.maximum(moves_in - settled, 0.0)
    return reconciled_net_migration(
        arrivals.sum(axis=-1) / k, moves_out.sum(axis=-1) / k,
        migration_profile(arrivals.sum(axis=(0, 1))),
        migration_profile(moves_out.sum(axis=(0, 1))), residual)


def settlement_file(path: Path, regions: list[str], base_year: int, steps: int
                    ) -> tuple[FloatArray, list[str]]:
    """Settlers per step (Y, R, 2, A) from a table of admitted applicants: columns year,
    region (or district_code), sex, age and value (or settled); years outside the
    projection and regions outside it are left out with a warning."""
    from renkou.projection.tables import SEX_CODES
    from renkou.tables import read_table, sheet_row

    df = read_table(path)
    label = path.name
    region_col = next((c for c in ("region", "district_code") if c in df.columns), None)
    value_col = next((c for c in ("value", "settled", "settled_changed", "settled_baseline")
                      if c in df.columns), None)
    missing = [c for c, have in (("year", "year" in df.columns), ("region", region_col),
                                 ("sex", "sex" in df.columns), ("age", "age" in df.columns),
                                 ("value", value_col)) if not have]
    if missing or region_col is None or value_col is None:
        raise InputError(f"落户人员表缺少列：{'、'.join(missing)}（需要 year, region, sex, age, "
                         "value，或积分落户模拟的 inflow 表）", file=label)
    out = np.zeros((steps, len(regions), 2, NAGES))
    index = {c: i for i, c in enumerate(regions)}
    outside: set[str] = set()
    late = 0
    columns = zip(df["year"], df[region_col], df["sex"], df["age"], df[value_col],
                  strict=True)
    for i, (year_text, region_text, sex_text, age_text, value_text) in enumerate(columns):
        try:
            year = int(str(year_text).strip())
            age = min(int(float(str(age_text).strip().rstrip("+岁"))), OPEN_AGE)
            value = float(str(value_text).strip())
        except ValueError:
            raise InputError("年份、年龄或人数不是数字", file=label, row=sheet_row(i)) from None
        sex = SEX_CODES.get(str(sex_text).strip().lower())
        if sex is None:
            raise InputError(f"性别无法识别：{sex_text!r}", file=label, row=sheet_row(i),
                             column="sex")
        if not np.isfinite(value) or value < 0 or age < 0:
            raise InputError(f"人数或年龄无效：{value_text!r}", file=label, row=sheet_row(i),
                             column=value_col)
        region = str(region_text).strip()
        if region not in index:
            outside.add(region)
            continue
        if not base_year <= year < base_year + steps:
            late += 1
            continue
        out[year - base_year, index[region], sex, age] += value
    notes = []
    if outside:
        notes.append(f"{label}：{len(outside)} 个地区不在预测范围内，已略去："
                     + "、".join(sorted(outside)[:5]))
    if late:
        notes.append(f"{label}：{late} 行的年份不在预测期内，已略去")
    return out, notes


def build_split(registry: Registry, build: RegistryBuild, as_of: dt.date, level: str,
                settlement: Path | None = None) -> SplitBuild:
    """The hukou split of ``build``'s resident inputs from the registry (and optionally the
    settlers of a file)."""
    inputs = build.inputs
    regions = list(inputs.region_codes)
    years = list(build.window)
    warnings: list[str] = []
    hukou0, residents0 = resident_by_status(registry, as_of, level, regions)
    if not np.allclose(residents0, inputs.population):
        raise InputError("按户籍状态分的常住人口与基期常住人口不一致")
    ends = {y: resident_by_status(registry, _year_end(y), level, regions)
            for y in [years[0] - 1, *years]}
    settled = np.zeros((len(regions), 2, NAGES))
    exposed = np.zeros((len(regions), 2, NAGES))
    for y in years:
        settled += settlers(registry, y, level, regions)
        h, r = ends[y - 1]
        exposed += r - h
    steps = inputs.steps
    rate, factor = settlement_rates(settled, exposed)
    moves = registry.flows(dt.date(years[0], 1, 1), _year_end(years[-1]), level=level)
    own = hukou_net_migration(
        ends, years, inputs.asfr[0], inputs.srb[0], inputs.mx[0], settled,
        _array(moves[moves["flow"] == "hukou_in"], regions),
        _array(moves[moves["flow"] == "hukou_out"], regions))
    count = None
    source = (f"登记数据：{years[0]}–{years[-1]} 年非户籍常住人口取得本地户籍的人数 ÷ 年初非户籍"
              "常住人口，按性别年龄平滑（核平滑，带宽 2 岁），各地区按实际/期望落户人数调整"
              "（10 人先验）")
    rates: FloatArray | None = np.broadcast_to(rate, (steps, *rate.shape)).copy()
    if settlement is not None:
        count, notes = settlement_file(settlement, regions, inputs.base_year, steps)
        warnings += notes
        rates = None
        source = f"落户人员表 {settlement.name}（按年份、地区、性别、年龄的落户人数）"
    split = HukouSplit(hukou_population=hukou0, settlement_rate=rates, settlement_count=count,
                       hukou_migration=np.broadcast_to(own, (steps, *own.shape)).copy())
    total_h = float(hukou0.sum())
    assumptions: dict[str, Any] = {
        "settlement": source,
        "settled_in_window": float(settled.sum()),
        "settlement_rate_mean": round(float(settled.sum() / exposed.sum()), 6)
        if exposed.sum() > 0 else 0.0,
        "hukou_residents": total_h,
        "nonhukou_residents": float(inputs.population.sum() - total_h),
        "hukou_net_migration_per_year": round(float(own.sum()), 2),
        "areas": {code: {"hukou_share": round(float(hukou0[i].sum() / max(
            inputs.population[i].sum(), 1.0)), 4),
            "settled_in_window": float(settled[i].sum()),
            "settlement_factor": round(float(factor[i]), 4),
            "hukou_net_migration_per_year": round(float(own[i].sum()), 2)}
            for i, code in enumerate(regions)},
    }
    if settled.sum() == 0 and settlement is None:
        warnings.append("窗口期内登记数据中没有非户籍常住人口落户，落户率为 0")
    return SplitBuild(split=split, assumptions=assumptions, warnings=warnings)
