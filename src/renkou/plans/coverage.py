"""Whether a store covers a plan's area (数据覆盖范围), and an honest stand-in when it does not.

The embedded demo city is Tianjin-like: it holds Tianjin's districts (西青区 among them) but
nobody in Chongqing. Computing the Chongqing plan's indicators on it must not produce
numbers: every formula would divide by an empty population (or, for totals, report 0). When
the store holds no resident or hukou population of the plan area, the assessment
(:func:`renkou.plans.plan_assessment.evaluate_registry`, used by the CLI, the API and the
reports) is run with :class:`UncoveredArea`, whose every query fails with one plain
reason, so each computed indicator reads 数据不足 with that reason while the departments'
reports are still assessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

from renkou.errors import InputError
from renkou.regions import gazetteer

if TYPE_CHECKING:
    from renkou.plans.assessment import AssessmentConfig
    from renkou.plans.model import Plan
    from renkou.plans.plan_assessment import PlanAssessment
    from renkou.registry import Registry

CENSUS_DAY = dt.date(2020, 11, 1)


def area_label(area: str) -> str:
    """「重庆市（500000）」 — the gazetteer name with the code, or the bare code."""
    region = gazetteer().regions.get(area)
    return f"{region.name}（{area}）" if region is not None else area


def uncovered_reason(registry: Registry, area: str, year: int) -> str | None:
    """None when the store holds residents or hukou registrants of ``area`` on the census day
    or at the end of ``year``; otherwise the reason (Chinese) why nothing can be computed."""
    from renkou.plans.indicator_data import RegistryData

    data = RegistryData(registry)
    for day in (CENSUS_DAY, dt.date(year, 12, 31)):
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


def evaluate_store(registry: Registry, plan: Plan, year: int, *,
                   config: AssessmentConfig | None = None, trajectories: int = 200,
                   forward: bool = True, scale: float | None = 1.0
                   ) -> tuple[PlanAssessment, str | None]:
    """:func:`renkou.plans.plan_assessment.evaluate_registry` (which applies the coverage
    check itself) and the reason the store does not cover the plan area, if it does not."""
    from renkou.plans.plan_assessment import evaluate_registry

    pa = evaluate_registry(registry, plan, year, config=config, trajectories=trajectories,
                           forward=forward, scale=scale)
    return pa, pa.uncovered
