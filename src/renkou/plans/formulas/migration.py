"""Migration formulas of the plan indicators (迁移类指标计算公式).

* **流动人口 (floating population)**, 万人: the domain primer's (NBS) definition — 人户分离人口
  minus 市辖区内人户分离人口 — i.e. residents of the area living away (six months or more)
  from a hukou registered outside the city (the registry's ``outside_city`` kind of 人户分离,
  at the end of the year). For a district this is the 七普 "户籍不在本市" figure, not the
  larger count that includes hukou in other districts of the same city.
* **户籍迁入 (hukou in-migration)**, 万人: hukou registrations moved into the area in the year
  (公安 迁入 rows; moves between streets of the same area are internal and not counted).
* **净迁移 (net migration, 人口机械增长)**, 万人: the change of the resident population over the
  year minus its natural increase (births − deaths in the area) — the demographic balancing
  equation, which keeps the census six-month residence rule that residence registrations
  alone do not carry. Positive = net inflow.

Totals are persons / 10 000, like every 万人 indicator.
"""

from __future__ import annotations

from renkou.errors import InputError
from renkou.plans.formulas.protocol import FormulaContext, IndicatorData, year_end


def _wan(count: float) -> float:
    return count / 1e4


def floating_population(data: IndicatorData, area: str, year: int,
                        ctx: FormulaContext) -> float:
    """流动人口 at the end of ``year`` (万人)."""
    when = year_end(year)
    if float(data.population(when, "resident", area).sum()) <= 0:
        raise InputError(f"人口基础信息库中没有地区 {area} 在 {year} 年末的常住人口数据")
    return _wan(float(data.separation(when, area).get("outside_city", 0.0)))


def hukou_in_migration(data: IndicatorData, area: str, year: int,
                       ctx: FormulaContext) -> float:
    """户籍迁入人数 in ``year`` (万人)."""
    if float(data.population(year_end(year), "hukou", area).sum()) <= 0:
        raise InputError(f"人口基础信息库中没有地区 {area} 在 {year} 年末的户籍人口数据")
    return _wan(float(data.flows(year, area).get("hukou_in", 0.0)))


def net_migration(data: IndicatorData, area: str, year: int, ctx: FormulaContext
                  ) -> float:
    """净迁移 (resident) in ``year`` (万人): ΔP − (B − D)."""
    start = float(data.population(year_end(year - 1), "resident", area).sum())
    end = float(data.population(year_end(year), "resident", area).sum())
    if start <= 0 or end <= 0:
        raise InputError(f"人口基础信息库中没有地区 {area} 在 {year - 1}—{year} 年末的常住人口数据")
    births = float(data.births_by_sex(year, area).sum())
    deaths = float(data.deaths(year, area).sum())
    return _wan(end - start - births + deaths)
