"""Whether a store covers a plan's area (数据覆盖范围), and an honest stand-in when it does not.

A store serves one jurisdiction and holds nobody of another. Computing a plan
of another area on it must not produce numbers: every formula would divide by an empty
population (or, for totals, report 0). When the store holds no resident or hukou population
of the plan area, the assessment (:func:`renkou.plans.assessment.plan.evaluate_registry`,
the one place the check is made) runs on :class:`UncoveredArea`, whose every query fails
with one plain reason, so each computed indicator reads 数据不足 with that reason while the
departments' reports are still assessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

from renkou.errors import InputError
from renkou.plans.formulas.registry_data import RegistryData
from renkou.regions import gazetteer

if TYPE_CHECKING:
    from renkou.registry import Registry


def area_label(area: str) -> str:
    """The gazetteer name with the code (「名称（代码）」), or the bare code."""
    region = gazetteer().regions.get(area)
    return f"{region.name}（{area}）" if region is not None else area


def uncovered_reason(registry: Registry, area: str, year: int) -> str | None:
    """None when the store holds residents or hukou registrants of ``area`` on its
    jurisdiction's census day or at the end of ``year``; otherwise the reason (Chinese) why
    nothing can be computed."""
    data = RegistryData(registry)
    for day in (data.jurisdiction.census_date, dt.date(year, 12, 31)):
        for caliber in ("resident", "hukou"):
            if float(data.population(day, caliber, area).sum()) > 0:
                return None
    return f"人口基础信息库中没有{area_label(area)}的常住或户籍人口记录，无法计算"


class UncoveredArea:
    """Stands in for :class:`renkou.plans.formulas.IndicatorData` for an area the store does
    not hold: every query raises :class:`InputError` with the same reason (the error the
    indicator engine treats as "no data for this indicator"). Queries are answered through
    ``__getattr__`` because the data protocol grows (flows, calibers) and a stand-in that
    refuses everything must not fall behind it."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __getattr__(self, name: str) -> Callable[..., NoReturn]:
        if name.startswith("_"):
            raise AttributeError(name)

        def refuse(*args: Any, **kwargs: Any) -> NoReturn:
            raise InputError(self.reason)

        return refuse
