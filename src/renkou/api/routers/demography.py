"""The demographer's toolbox (人口学工具): a year's rates by area (fertility, mortality,
births and deaths), the age-data quality of a date (Whipple, Myers, age and sex ratios), and
a life table of rates sent in. Roles below statistician see the rates' small counts
suppressed (统计披露控制), as on the other aggregate routes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from starlette.concurrency import run_in_threadpool

from renkou.api.deps import ReadingDep, RegistryDep, SettingsDep, SummaryDep, User, require
from renkou.api.schemas_demography import (
    LifeTableIn,
    LifeTableOut,
    LifeTableRowOut,
    QualityOut,
    QualityRowOut,
    RateRowOut,
    RatesOut,
)
from renkou.api.trail import threshold
from renkou.app import demography_views as views
from renkou.app.population import area_name
from renkou.app.stores import StoreSummary
from renkou.auth.roles import Scope

router = APIRouter(prefix="/api/demography", tags=["demography"])

Demographer = Annotated[User, Depends(require(Scope.demography))]
Level = Annotated[Literal["city", "district", "street"] | None,
                  Query(description="city|district|street（默认为辖区的分区层级）")]
Caliber = Annotated[Literal["resident", "hukou"],
                    Query(description="resident|hukou（常住或户籍）")]


def _name(summary: StoreSummary, code: str) -> str:
    return summary.jurisdiction.name if code == summary.jurisdiction.code else area_name(code)


def _last_full_year(summary: StoreSummary) -> int:
    through = summary.data_through or summary.default_as_of
    return through.year if (through.month, through.day) == (12, 31) else through.year - 1


@router.get("/rates", response_model=RatesOut)
def rates(registry: RegistryDep, summary: SummaryDep, user: Demographer,
          settings: SettingsDep, level: Level = None, caliber: Caliber = "resident",
          year: Annotated[int | None, Query(ge=1950, le=2100,
                                            description="日历年（默认库内最后一个完整年度）")]
          = None,
          schedules: Annotated[bool, Query(description="同时给出分年龄生育率和死亡率")] = False
          ) -> RatesOut:
    """一年的分地区指标：年初年末人口、出生死亡人数、出生率、死亡率、自然增长率、总和生育率、
    出生人口性别比、婴儿死亡率（schedules=true 时含分年龄生育率和死亡率）。统计分析以下角色：
    少于阈值的人数（及补充抑制的）为 null，与之相应或分母少于阈值的比率也为 null。"""
    chosen = level or summary.jurisdiction.area_level
    when = year or _last_full_year(summary)
    k = threshold(user, settings)
    t = views.rates(registry, when, chosen, caliber, threshold=k, schedules=schedules)
    return RatesOut(year=when, level=chosen, caliber=caliber,
                    rows=[RateRowOut(region_name=_name(summary, str(r["region"])),
                                     **r) for r in t.rows],  # type: ignore[arg-type]
                    suppressed=t.suppressed, suppression_threshold=k)


@router.get("/quality", response_model=QualityOut)
def quality(registry: RegistryDep, summary: SummaryDep, _: Demographer,
            level: Level = None, caliber: Caliber = "resident",
            as_of: Annotated[dt.date | None, Query(description="标准时点（默认库内最后数据日）")]
            = None) -> QualityOut:
    """年龄数据质量：惠普尔指数（及联合国评价）、迈尔斯指数、年龄比、分年龄组性别比、联合国
    年龄性别准确度指数，全辖区及各地区（均为指数，不含人数）。"""
    chosen = level or summary.jurisdiction.area_level
    when = as_of or summary.default_as_of
    t = views.quality(registry, when, chosen, caliber)
    return QualityOut(as_of=when, level=chosen, caliber=caliber,
                      rows=[QualityRowOut(region_name=_name(summary, str(r["region"])),
                                          **r) for r in t.rows])  # type: ignore[arg-type]


@router.post("/lifetable", response_model=LifeTableOut)
async def lifetable(body: LifeTableIn, _: Demographer, __: ReadingDep) -> LifeTableOut:
    """生命表：按性别给出的分年龄死亡率（单岁 0、1、2 … 为完全生命表，0、1、5、10 … 为简略
    生命表，最后一个年龄为开口组），返回 qx、ax、lx、dx、Lx、Tx、ex（lx 基数 100000）。"""
    rows = [r.model_dump() for r in body.rows]
    table = await run_in_threadpool(views.life_table, rows, body.a0_rule)
    out = [LifeTableRowOut(**r) for r in table]  # type: ignore[arg-type]
    return LifeTableOut(rows=out, e0={r.sex: round(r.ex, 4) for r in out if r.age == 0})
