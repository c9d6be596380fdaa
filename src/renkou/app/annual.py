"""The annual population report from a store (年度人口发展形势分析与预警): gather the year's
counts by caliber and area, births, deaths, flows and 人户分离 from the registry, the plan
assessment with its warning list, and stochastic projections to the plan's end (the
assessment's own) and beyond (from the registry's rates), then write the Word document."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from renkou.app.assessment import assess, last_full_year
from renkou.app.projection import registry_inputs, stochastic_indicators
from renkou.app.stores import StoreRef, store_registry
from renkou.errors import InputError, NotFoundError
from renkou.plans import warning_list
from renkou.registry import Registry
from renkou.reports.annual import AnnualReport, AreaRow, write_annual_docx
from renkou.reports.figures import FanChart, fan_chart
from renkou.types import OPEN_AGE

BEYOND_YEARS = 10  # the long projection runs this many years past the plan's end
LEVEL_ZH = {"district": "区县", "street": "街镇"}


def _totals(registry: Registry, day: dt.date, caliber: str, level: str) -> dict[str, int]:
    df = registry.caliber(day, caliber, level=level, by=("region",))
    return {str(r): int(v) for r, v in zip(df["region"], df["value"], strict=True)}


def _sums(df: pd.DataFrame) -> dict[str, int]:
    """A count frame's values summed by region."""
    return {str(k): int(v) for k, v in df.groupby(df["region"].astype(str))["value"].sum().items()}


def _by_age(registry: Registry, day: dt.date, area: str
            ) -> tuple[tuple[float, ...], tuple[float, ...]]:
    df = registry.caliber(day, "resident", level="city", by=("region", "sex", "age"))
    df = df[df["region"].astype(str) == area]
    out = {s: np.zeros(OPEN_AGE + 1) for s in ("male", "female")}
    for sex, age, value in zip(df["sex"], df["age"], df["value"], strict=True):
        out[str(sex)][min(int(age), OPEN_AGE)] += float(value)
    return tuple(out["male"].tolist()), tuple(out["female"].tolist())


def _long_fans(registry: Registry, area: str, year: int, end: int, trajectories: int,
               seed: int, factor: float = 1.0) -> tuple[FanChart, ...]:
    """Fans of the resident population (万人, counts × ``factor``: the sample's census
    factor, as the assessment scales totals) and the 65+ share from the registry's own
    rates."""
    try:
        inputs = registry_inputs(registry, area, year, end)
        ind = stochastic_indicators(inputs, trajectories, seed)
    except (InputError, NotFoundError, ValueError):
        return ()
    years = tuple(range(year, year + ind["total"].shape[1]))
    method = (f"以{year}年末库内常住人口为基期、近三年生育死亡迁移水平不变，"
              f"{trajectories}条随机预测（renkou.demography.stochastic）")
    scaled = f"；总量按折算系数{factor:.2f}换算" if factor != 1.0 else ""
    fans = []
    for key, title, unit, k in (("total", "常住人口长期预测", "万人", factor / 1e4),
                                ("share_65_plus", "65岁及以上人口占比预测", "%", 1.0)):
        t = ind[key][:, :, 0] * k
        q = {p: np.nanquantile(t, p, axis=0) for p in (0.05, 0.25, 0.5, 0.75, 0.95)}
        fans.append(FanChart(
            title=title, unit=unit, observed_years=(), observed=(), years=years,
            median=tuple(float(x) for x in q[0.5]),
            bands=tuple((lv, tuple(float(x) for x in q[lo]), tuple(float(x) for x in q[hi]))
                        for lv, lo, hi in ((0.9, 0.05, 0.95), (0.5, 0.25, 0.75))),
            target_year=None, target_value=None,
            method=method + (scaled if key == "total" else "")))
    return tuple(fans)


def build_annual(store: StoreRef, year: int | None = None, *, plan_code: str | None = None,
                 trajectories: int = 200, seed: int = 1) -> AnnualReport:
    """The annual report model of ``year`` (default: the store's last full year)."""
    with store_registry(store) as reg:
        jur = reg.jurisdiction()
        through = reg.data_through()
        when = last_full_year(through, jur.census_date.year) if year is None else year
        day = dt.date(when, 12, 31)
        if through is not None and through < dt.date(when, 1, 1):
            raise InputError(f"人口库数据截至{through}，没有{when}年的数据")
        if through is not None and through < day:
            day = through
        start = dt.date(when, 1, 1)
        level = jur.area_level
        res, huk = _totals(reg, day, "resident", level), _totals(reg, day, "hukou", level)
        sep = reg.separation(day, level=level)
        sep_by_area = sep.groupby(sep["region"].astype(str))["value"].sum()
        area_births = _sums(reg.births(start, day, level))
        area_deaths = _sums(reg.deaths(start, day, level))
        areas = tuple(AreaRow(a.code, a.name, res.get(a.code, 0), huk.get(a.code, 0),
                              int(sep_by_area.get(a.code, 0)), area_births.get(a.code, 0),
                              area_deaths.get(a.code, 0)) for a in jur.areas)
        city_res = _totals(reg, day, "resident", "city").get(jur.code, 0)
        city_huk = _totals(reg, day, "hukou", "city").get(jur.code, 0)
        prev_day = dt.date(day.year - 1, day.month, min(day.day, 28 if day.month == 2 else 31))
        known = reg.data_through() is not None and jur.census_date <= prev_day
        prev_res = _totals(reg, prev_day, "resident", "city").get(jur.code) if known else None
        prev_huk = _totals(reg, prev_day, "hukou", "city").get(jur.code) if known else None
        try:
            employed: int | None = _totals(reg, day, "employed", "city").get(jur.code, 0)
        except InputError:
            employed = None
        births = reg.births(start, day, "city")
        deaths = reg.deaths(start, day, "city")
        flows = reg.flows(start, day, "city")
        city_sep = reg.separation(day, level="city")
        male, female = _by_age(reg, day, jur.code)
        result = assess(reg, plan_code, when, trajectories=trajectories)
        pa = result.assessment
        end = max(pa.plan.period_end + BEYOND_YEARS, when + 1)
        factor = result.sample.factor("resident") if result.sample is not None else 1.0
        long_fans = _long_fans(reg, jur.code, when, end, trajectories, seed, factor)
    notes = [
        "常住、户籍、就业人口为人口基础信息库在截至日的登记人数（口径同 renkou registry "
        "stats）；出生按出生地、死亡按死亡地统计，迁移为当年登记的居住迁移和户籍迁移。",
        "规划期末预测和预警清单来自规划实施评估（renkou assess）的同一计算；长期预测以库内"
        "近三年的生育、死亡、迁移水平为基础（生育 gamma 模式、死亡 Brass 关联模型、迁移 "
        "Rogers–Castro 模式），扇形图示50%和90%预测区间。",
        *result.notes,
    ]
    if pa.plan.period_end < when:
        notes.append(f"{pa.plan.name_zh}规划期已于{pa.plan.period_end}年结束，指标按期末评估。")
    return AnnualReport(
        jurisdiction=jur.name, year=when, as_of=day, synthetic=result.synthetic,
        plan_name=pa.plan.name_zh, plan_end=pa.plan.period_end,
        area_level=LEVEL_ZH.get(level, level), areas=areas, resident=city_res,
        hukou=city_huk, employed=employed, births=int(births["value"].sum()),
        births_male=int(births.loc[births["sex"] == "male", "value"].sum()),
        deaths=int(deaths["value"].sum()),
        flows={str(k): int(v) for k, v in flows.groupby("flow")["value"].sum().items()},
        separation={str(k): int(v)
                    for k, v in city_sep.groupby("kind")["value"].sum().items()},
        male=male, female=female, plan_fan=fan_chart(pa), long_fans=long_fans,
        warnings=tuple(warning_list(pa)), notes=tuple(notes), prev_resident=prev_res,
        prev_hukou=prev_huk)


def annual_report(store: StoreRef, year: int | None, out: Path, *,
                  plan_code: str | None = None, trajectories: int = 200,
                  seed: int = 1) -> Path:
    """Build the annual report of ``year`` and write it to ``out`` (.docx)."""
    out = Path(out)
    if out.suffix.lower() != ".docx":
        raise InputError("年度报告输出文件须为 .docx", file=str(out))
    report = build_annual(store, year, plan_code=plan_code, trajectories=trajectories,
                          seed=seed)
    return write_annual_docx(report, out)
