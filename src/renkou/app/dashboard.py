"""What the dashboard reads from one store, kept per store version.

Assessing a plan runs population projections and takes seconds, and describing a store scans
its record tables, so both are kept per store file and modification time: a rebuilt or newly
ingested store is read afresh. One :class:`Dashboard` lives as long as the web application
that holds it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from renkou.app.assessment import AssessmentResult, assess, default_plan, last_full_year
from renkou.app.stores import StoreSummary, data_version, describe, registry_at
from renkou.errors import InputError
from renkou.plans import EarlyWarning, Plan, get_plan, list_plans, warning_list

_K = TypeVar("_K", bound=tuple[Any, ...])
_V = TypeVar("_V")

# Trajectories of the stochastic projection behind each 达标概率 on the page: fewer than a
# report's, so that the first view of a plan takes seconds, not minutes.
DASHBOARD_TRAJECTORIES = 100


@dataclass(frozen=True)
class PlanChoice:
    """A plan the page offers, with the year it assesses first."""

    plan: Plan
    default_year: int
    own: bool  # issued by the government of the store's jurisdiction


def default_year(plan: Plan, summary: StoreSummary) -> int:
    """The store's last full year of data, kept inside the plan period."""
    year = last_full_year(summary.data_through, summary.jurisdiction.census_date.year)
    return min(max(year, plan.period_start), plan.period_end)


def check_year(plan: Plan, year: int) -> None:
    if not plan.period_start - 1 <= year <= plan.period_end:
        # Outside the base year … end year there is no target path to assess against.
        raise InputError(f"评估年份应在 {plan.period_start - 1}—{plan.period_end} 年之间"
                         f"（{plan.name_zh}），实际为 {year}")


def plan_choices(summary: StoreSummary) -> list[PlanChoice]:
    """Every plan, the jurisdiction's own first (in the order the jurisdiction lists them)."""
    own = summary.jurisdiction.plans
    plans = sorted(list_plans(), key=lambda p: (own.index(p.code) if p.code in own
                                                else len(own)))
    return [PlanChoice(plan=p, default_year=default_year(p, summary), own=p.code in own)
            for p in plans]


# Status of an indicator shown without a target (仅监测指标).
MONITORED = "仅监测"


@dataclass(frozen=True)
class IndicatorRow:
    """One line of the page's assessment table."""

    code: str
    name: str
    unit: str
    category: str
    kind: str
    value: float | None
    target_year: int | None
    target_text: str
    status: str
    note: str
    departments: tuple[str, ...]
    projected: float | None = None
    probability: float | None = None
    projection_method: str | None = None
    projection_kind: str | None = None
    demo: bool = False  # the value is demo reported data (示范填报数据), not a department's


@dataclass(frozen=True)
class PlanView:
    """A plan assessed in one year, as the page shows it."""

    plan: Plan
    year: int
    rows: tuple[IndicatorRow, ...]
    uncovered: str | None
    # How a sampled (synthetic) store's totals were scaled to census totals.
    scale_notes: tuple[str, ...]
    # The early-warning list (预警清单) of the same assessment, highest risk first.
    warnings: tuple[EarlyWarning, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.rows:
            out[r.status] = out.get(r.status, 0) + 1
        return out


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 4)


def plan_view(result: AssessmentResult) -> PlanView:
    """Assessed indicators first, then those only monitored."""
    pa = result.assessment
    rows = [IndicatorRow(
        code=a.indicator_code, name=a.name, unit=a.unit, category=a.category, kind=a.kind,
        value=_round(a.value), target_year=a.target_year, target_text=a.target_text,
        status=a.status, note=a.reason, departments=tuple(a.departments),
        projected=_round(a.forward.projected_value) if a.forward else None,
        probability=_round(a.forward.probability) if a.forward else None,
        projection_method=a.forward.method if a.forward else None,
        projection_kind=a.forward.kind if a.forward else None,
        demo=a.demo) for a in pa.assessments]
    rows += [IndicatorRow(
        code=m.indicator_code, name=m.name, unit=m.unit, category=m.category, kind="computed",
        value=_round(m.value), target_year=None, target_text="", status=MONITORED, note=m.note,
        departments=tuple(m.departments), demo=m.demo)
        for m in pa.monitored]
    return PlanView(plan=pa.plan, year=pa.year, rows=tuple(rows), uncovered=result.uncovered,
                    scale_notes=result.scale_notes, warnings=tuple(warning_list(pa)))


def _file_version(db: Path) -> tuple[str, float]:
    return str(Path(db).resolve()), Path(db).stat().st_mtime


def _forget_older(kept: dict[_K, _V], key: _K) -> None:
    """Drop what ``kept`` holds of an earlier version of the store of ``key`` (keys start
    with the store's path and version): a server lives through many ingests."""
    path, version = key[0], key[1]
    for old in [k for k in kept if k[0] == path and k[1] < version]:
        del kept[old]


class Dashboard:
    """Store summaries and plan assessments, computed once per store version."""

    def __init__(self, *, trajectories: int = DASHBOARD_TRAJECTORIES,
                 version: Callable[[Path], tuple[str, float]] | None = None) -> None:
        self.trajectories = trajectories
        # What identifies a version of the store's data; by default its file and modification
        # time (a server passes one that ignores its own account and audit writes).
        self._version = version or _file_version
        self._summaries: dict[tuple[str, float], StoreSummary] = {}
        self._assessments: dict[tuple[str, float, str, int], PlanView] = {}
        self._lock = threading.Lock()
        self._making: dict[tuple[str, float, str, int], threading.Lock] = {}

    def __reduce__(self) -> tuple[Callable[[int], Dashboard], tuple[int]]:
        # Sent to a child process (renkou.app.workers) as that process's own dashboard,
        # kept there between its computations and versioned by the served store's data.
        return process_dashboard, (self.trajectories,)

    def summary(self, db: Path) -> StoreSummary:
        key = self._version(db)
        hit = self._summaries.get(key)
        if hit is None:
            with registry_at(db) as registry:
                hit = describe(registry)
            with self._lock:
                _forget_older(self._summaries, key)
                self._summaries[key] = hit
        return hit

    def assessment(self, db: Path, plan_code: str | None = None,
                   year: int | None = None) -> PlanView:
        """The plan (default: the jurisdiction's) assessed in ``year`` (default: the store's
        last data year within the plan period)."""
        summary = self.summary(db)
        plan = get_plan(plan_code or default_plan(summary.jurisdiction))
        year = default_year(plan, summary) if year is None else year
        check_year(plan, year)
        key = (*self._version(db), plan.code, year)
        hit = self._assessments.get(key)
        if hit is not None:
            return hit
        with self._lock:
            making = self._making.setdefault(key, threading.Lock())
        # One lock per plan and year: two requests for the same plan must not both run its
        # projections, while another plan's assessment need not wait for this one.
        with making:
            hit = self._assessments.get(key)
            if hit is None:
                hit = plan_view(assess(db, plan.code, year, trajectories=self.trajectories))
                with self._lock:
                    _forget_older(self._assessments, key)
                    self._assessments[key] = hit
        with self._lock:
            self._making.pop(key, None)
        return hit

    def warm(self, db: Path) -> threading.Thread | None:
        """Assess the jurisdiction's plan in the background so the first page view is quick."""
        if not Path(db).exists():
            return None

        def run() -> None:
            try:
                self.assessment(db)
            except Exception:  # the request path reports errors properly; warming may fail
                return

        thread = threading.Thread(target=run, name="warm-assessment", daemon=True)
        thread.start()
        return thread


_PROCESS_DASHBOARDS: dict[int, Dashboard] = {}


def process_dashboard(trajectories: int = DASHBOARD_TRAJECTORIES) -> Dashboard:
    """This process's dashboard (of a child that computes for the server)."""
    with _PROCESS_LOCK:
        found = _PROCESS_DASHBOARDS.get(trajectories)
        if found is None:
            found = _PROCESS_DASHBOARDS[trajectories] = Dashboard(trajectories=trajectories,
                                                                  version=data_version)
        return found


_PROCESS_LOCK = threading.Lock()
