"""Assess a plan from a store (规划实施评估): the one use case behind ``renkou assess``, the
API's plan pages and the evaluation report.

Defaults come from the store and the plan: the plan is the first plan of the store's
jurisdiction, the year the store's last full year of data clipped to the plan period.
Totals are scaled to census totals only when the store says it is a sample (a synthetic
store); a real registry is read as real counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from renkou.app.sample import SampledData, plan_sample
from renkou.app.stores import StoreRef, store_registry
from renkou.errors import InputError, NotFoundError
from renkou.jurisdictions import Jurisdiction
from renkou.plans import (
    AssessmentConfig,
    Plan,
    PlanAssessment,
    evaluate_registry,
    get_plan,
)
from renkou.registry import Registry

Scale = float | Literal["auto"] | None


@dataclass(frozen=True)
class AssessmentResult:
    """A plan assessed from a store, with what the reader must be told beside it."""

    assessment: PlanAssessment
    # How totals of a sampled store were scaled to census totals (Chinese, one per caliber).
    scale_notes: tuple[str, ...]
    # Why the store cannot compute the plan's indicators (it holds nobody of the plan area).
    uncovered: str | None
    synthetic: bool  # the store was built by the synthesiser (示范数据)
    jurisdiction: Jurisdiction
    # The scaled reading of a sampled store (None: the store read as real counts).
    sample: SampledData | None = None

    @property
    def plan(self) -> Plan:
        return self.assessment.plan

    @property
    def year(self) -> int:
        return self.assessment.year

    @property
    def notes(self) -> tuple[str, ...]:
        """Everything the reader is told about the values: the assessment's own notes (e.g.
        the store's data end early) and how totals were scaled."""
        return (*self.assessment.notes, *self.scale_notes)


def default_plan(jurisdiction: Jurisdiction) -> str:
    """The plan a store is assessed against when none is named."""
    if not jurisdiction.plans:
        raise NotFoundError(f"{jurisdiction.name}没有配置规划，请用 --plan 指定")
    return jurisdiction.plans[0]


def last_full_year(data_through: dt.date | None, fallback: int) -> int:
    """The last calendar year the store's data cover to its end (31 December)."""
    if data_through is None:
        return fallback
    return data_through.year - (data_through < dt.date(data_through.year, 12, 31))


def default_year(registry: Registry, plan: Plan) -> int:
    """The store's last full year of data, clipped to the plan period."""
    year = last_full_year(registry.data_through(), registry.jurisdiction().census_date.year)
    return min(max(year, plan.period_start), plan.period_end)


def scale_arg(scale: Scale, synthetic: bool) -> float | Literal["auto"] | None:
    """How totals are read: ``"auto"`` scaled to census totals (the sample reading), a
    number multiplies every total by it, None reads the store as real counts. Without an
    override (``scale`` None) a synthetic store is a sample and a real one is not."""
    if scale is None:
        return "auto" if synthetic else None
    if scale == "auto":
        return scale
    if scale <= 0:
        raise InputError(f"折算系数应为正数，实际为 {scale:g}")
    return None if scale == 1.0 else float(scale)


def scale_notes(how: float | Literal["auto"] | None, sample: SampledData | None
                ) -> tuple[str, ...]:
    """What the reader is told about the scaling: one factor given for every total, or the
    census factors of a sample with their bases."""
    if sample is None:
        return ()
    if how != "auto" and how is not None:
        return (f"总量指标按指定的折算系数{how:g}换算（常住、户籍口径相同）",)
    return sample.notes


def assess(registry: StoreRef, plan_code: str | None = None, year: int | None = None, *,
           config: AssessmentConfig | None = None, trajectories: int = 200,
           forward: bool = True, progress: Callable[[str], None] | None = None,
           scale: Scale = None) -> AssessmentResult:
    """Assess ``plan_code`` (default: the store jurisdiction's first plan) in ``year``
    (default: the store's last full year of data within the plan period).

    ``scale`` overrides how totals are read: None follows the store (a synthetic store is
    scaled to census totals, a real one is not), ``"auto"`` scales to census totals, a
    number multiplies every total by it (1: real counts)."""
    with store_registry(registry) as reg:
        jurisdiction = reg.jurisdiction()
        synthetic = reg.provenance().synthetic
        plan = get_plan(plan_code or default_plan(jurisdiction))
        when = default_year(reg, plan) if year is None else year
        how = scale_arg(scale, synthetic)
        sample = None if how is None else plan_sample(reg, plan,
                                                      None if how == "auto" else how)
        # The one coverage check: a store without the plan area's population is assessed
        # without computed values, so nothing is scaled.
        pa = evaluate_registry(reg, plan, when, data=sample, config=config,
                               trajectories=trajectories, forward=forward,
                               progress=progress)
    if pa.uncovered is not None:
        sample = None
    return AssessmentResult(assessment=pa, scale_notes=scale_notes(how, sample),
                            uncovered=pa.uncovered, synthetic=synthetic,
                            jurisdiction=jurisdiction, sample=sample)
