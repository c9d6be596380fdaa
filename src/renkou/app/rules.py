"""Rules as code (政策规则计算): evaluate a people table, caseload and budget from a registry,
and the points-based settlement scheme (score, rank, simulate a change).

Store-based functions take a registry or the path of its store. A scheme that exists for one
jurisdiction only (Tianjin's 专栏3 subsidies) is refused on another jurisdiction's store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from renkou.app.stores import StoreRef, store_registry
from renkou.errors import InputError
from renkou.jurisdictions import Jurisdiction
from renkou.projection.io import load_projection
from renkou.rules.budget import BudgetResult, project_budget
from renkou.rules.caseload import registry_caseload
from renkou.rules.points.applicants import generate_applicants
from renkou.rules.points.columns import ApplicantTable, RowProblem, parse_applicants
from renkou.rules.points.inflow import HukouEffect, hukou_effect
from renkou.rules.points.loader import load_scheme, scheme_jurisdiction
from renkou.rules.points.rank import RankResult, rank
from renkou.rules.points.scheme import SAMPLE_SCHEME, PointsScheme
from renkou.rules.points.score import ScoreResult, score
from renkou.rules.points.simulate import Simulation, simulate
from renkou.rules.schemes import PeopleRun, run_people
from renkou.tables import read_table


def evaluate_people(scheme: str, people: Path, as_of: dt.date,
                    overrides: Mapping[str, Any] | None = None, *, explain: bool = True,
                    jurisdiction: Jurisdiction | None = None,
                    file_name: str | None = None) -> PeopleRun:
    """Eligibility, amounts and explanations of every person in the ``people`` table.
    ``jurisdiction`` is the deployment's: another jurisdiction's scheme is refused.
    ``file_name``: the name errors cite (an uploaded file's own name)."""
    df = read_table(people)
    return run_people(scheme, df, as_of, overrides, file=file_name or people.name,
                      explain=explain, jurisdiction=jurisdiction)


def evaluate_records(scheme: str, records: Sequence[Mapping[str, Any]], as_of: dt.date,
                     overrides: Mapping[str, Any] | None = None, *, explain: bool = True,
                     jurisdiction: Jurisdiction | None = None) -> PeopleRun:
    """As :func:`evaluate_people` for persons given as records (column → value); values are
    read as the text a table cell would hold (None and missing as empty)."""
    if not records:
        raise InputError("没有人员记录")
    columns = list(dict.fromkeys(str(k) for r in records for k in r))
    df = pd.DataFrame([{c: _cell(r.get(c)) for c in columns} for r in records],
                      columns=columns)
    return run_people(scheme, df, as_of, overrides, file="请求", explain=explain,
                      jurisdiction=jurisdiction)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class Caseload:
    """Caseload and cost by district and component, and caseload by district and group."""

    scheme: str
    as_of: dt.date
    costs: pd.DataFrame
    groups: pd.DataFrame

    @property
    def total_caseload(self) -> float:
        return float(self.costs["caseload"].sum())

    @property
    def annual_cost(self) -> float:
        return float(self.costs["annual_cost_total"].sum())


def caseload(store: StoreRef, scheme: str, as_of: dt.date,
             overrides: Mapping[str, Any] | None = None, *, seed: int = 2025) -> Caseload:
    """The scheme run over the store's hukou population on ``as_of``, attributes the
    registry lacks imputed by the caseload assumptions (seeded)."""
    with store_registry(store) as registry:
        costs, groups = registry_caseload(scheme, registry, as_of, overrides, seed=seed)
    return Caseload(scheme, as_of, costs, groups)


def budget(store: StoreRef, scheme: str, from_year: int, to_year: int,
           overrides: Mapping[str, Any] | None = None, *, seed: int = 2025,
           base_date: dt.date | None = None, compare: bool = False) -> BudgetResult:
    """Caseload and annual cost by year, district and payer from the store's base
    population forward (see :func:`renkou.rules.budget.project_budget`)."""
    with store_registry(store) as registry:
        return project_budget(scheme, registry, from_year, to_year, overrides, seed=seed,
                              base_date=base_date, compare=compare)


# ---------------------------------------------------------------------------------------
# Disclosure control of caseloads (统计披露控制): for roles below statistician


@dataclass(frozen=True)
class Disclosed:
    """Caseload tables (records) with their small cells suppressed."""

    tables: dict[str, list[dict[str, Any]]]
    suppressed: int  # cells suppressed, over all tables


def _costs(rows: Sequence[Mapping[str, Any]], suffix: str = "") -> list[str]:
    # A cell's costs are its count times the amounts: they go with it.
    keys = rows[0].keys() if rows else ()
    return [k for k in keys if k.startswith(("annual_cost", "monthly_cost"))
            and k.endswith(suffix)]


def _disclose(costs: Sequence[Mapping[str, Any]], groups: Sequence[Mapping[str, Any]],
              threshold: int, by: Sequence[str]) -> tuple[list[dict[str, Any]],
                                                       list[dict[str, Any]], int]:
    """Districts × components of ``costs`` and districts × groups of ``groups``, each
    table (``by``: a year) with its totals; a district with a hidden component hides all
    its groups, whose sum is its caseload."""
    from renkou.auth.disclosure import suppress_records

    c = suppress_records(costs, threshold, count="caseload", down="district",
                         across="component", by=by, dependent=_costs(costs))
    g = suppress_records(groups, threshold, count="caseload", down="district", across="group",
                         by=by, hide_rows=c.hidden)
    return c.rows, g.rows, c.count + g.count


def disclose_caseload(costs: Sequence[Mapping[str, Any]], groups: Sequence[Mapping[str, Any]],
                      threshold: int | None) -> Disclosed:
    """:func:`caseload`'s tables as records, their cells of fewer than ``threshold``
    persons suppressed with complementary cells (None: shown whole). The total caseload
    and cost stay published: the suppression keeps them from revealing a hidden cell."""
    if threshold is None:
        return Disclosed({"costs": list(map(dict, costs)), "groups": list(map(dict, groups))},
                         0)
    c, g, n = _disclose(costs, groups, threshold, by=())
    return Disclosed({"costs": c, "groups": g}, n)


def disclose_budget(by_district: Sequence[Mapping[str, Any]],
                    groups: Sequence[Mapping[str, Any]],
                    comparison: Sequence[Mapping[str, Any]] | None,
                    threshold: int | None) -> Disclosed:
    """:func:`budget`'s tables by district as records, suppressed as
    :func:`disclose_caseload` year by year (projected caseloads carry the base year's
    persons forward). The comparison's baseline and scenario are suppressed alike, and a
    change is hidden with either side. The totals by year stay published."""
    from renkou.auth.disclosure import suppress_records

    tables: dict[str, list[dict[str, Any]]] = {
        "by_district": list(map(dict, by_district)), "groups": list(map(dict, groups)),
        "comparison": list(map(dict, comparison or []))}
    if threshold is None:
        return Disclosed(tables, 0)
    d, g, n = _disclose(by_district, groups, threshold, by=("year",))
    tables["by_district"], tables["groups"] = d, g
    rows = tables["comparison"]
    for side in ("baseline", "scenario"):
        s = suppress_records(rows, threshold, count=f"caseload_{side}", down="district",
                             across="component", by=("year",),
                             dependent=_costs(rows, f"_{side}"))
        rows, n = s.rows, n + s.count
    for r in rows:
        if r.get("caseload_baseline", 0) is None or r.get("caseload_scenario", 0) is None:
            n += r.get("caseload_change") is not None
            for k in ("caseload_change", *_costs(rows, "_change")):
                r[k] = None
    tables["comparison"] = rows
    return Disclosed(tables, n)


# ---------------------------------------------------------------------------------------
# Points-based hukou settlement (积分落户)


@dataclass(frozen=True)
class Applicants:
    """A validated applicant table and the scheme it is scored under."""

    table: ApplicantTable
    scheme: PointsScheme
    problems: tuple[RowProblem, ...]  # invalid cells; their rows are left out

    @property
    def skipped_rows(self) -> int:
        return len({p.row for p in self.problems})


def load_applicants(path: Path, scheme_name: str = SAMPLE_SCHEME) -> Applicants:
    """Read and validate an applicant table against the scheme's jurisdiction."""
    return applicants_from(read_table(path), scheme_name, file=str(path))


def applicants_from(frame: pd.DataFrame, scheme_name: str = SAMPLE_SCHEME, *,
                    file: str = "") -> Applicants:
    """Validate an applicant table (text columns) against the scheme's jurisdiction."""
    scheme = load_scheme(scheme_name)
    table, problems = parse_applicants(frame, file=file,
                                       jurisdiction=scheme_jurisdiction(scheme))
    if len(table) == 0:
        raise InputError("没有有效的申请人记录", file=file or None)
    return Applicants(table, scheme, tuple(problems))


def with_admission(scheme: PointsScheme, as_of: dt.date, quota: int | None = None,
                   threshold: float | None = None) -> PointsScheme:
    """The scheme with the quota and minimum score replaced from ``as_of``."""
    changes: dict[str, str | float | int | None] = {}
    if quota is not None:
        if quota < 0:
            raise InputError("--quota 不能为负数")
        changes["quota"] = quota
    if threshold is not None:
        changes["threshold"] = threshold
    if not changes:
        return scheme
    return scheme.with_changes(changes, as_of, "命令行参数（--quota/--threshold）")


def points_score(applicants: Applicants, as_of: dt.date, *, explain: bool = True
                 ) -> ScoreResult:
    return score(applicants.table, applicants.scheme, as_of, explain=explain)


def points_rank(applicants: Applicants, as_of: dt.date, *, pseudonym_key: bytes,
                quota: int | None = None, threshold: float | None = None) -> RankResult:
    """Rank under the scheme in force on ``as_of`` (quota and threshold replaced if given)."""
    scheme = with_admission(applicants.scheme, as_of, quota, threshold)
    return rank(score(applicants.table, scheme, as_of), pseudonym_key)


@dataclass(frozen=True)
class PointsSimulation:
    """A scheme change simulated, and its effect on a hukou projection when one was given."""

    simulation: Simulation
    as_of: dt.date
    projection: tuple[HukouEffect, HukouEffect] | None  # baseline, changed
    projection_regions: tuple[str, ...] = ()
    projection_warnings: tuple[str, ...] = ()


def points_simulate(applicants: Applicants, changes: Mapping[str, str | float | int | None],
                    *, pseudonym_key: bytes, source: str = "", as_of: dt.date | None = None,
                    quota: int | None = None, settle_from: int | None = None,
                    settle_to: int | None = None, base_year: int = 2020,
                    end_year: int = 2035, projection_dir: Path | None = None
                    ) -> PointsSimulation:
    """Rank the pool before and after ``changes``; the settled inflow by year, and with a
    projection input directory (``renkou project`` format; its years win) the projected
    hukou population with each inflow. Without ``as_of`` the scoring date is the latest
    application date (the day the application window closed)."""
    if not changes:
        raise InputError("请至少给出一个 --change KEY=VALUE 或 --change-file")
    inputs = None
    warnings: tuple[str, ...] = ()
    if projection_dir is not None:
        loaded = load_projection(projection_dir)
        inputs, warnings = loaded.inputs, tuple(loaded.warnings)
        base_year, end_year = inputs.base_year, inputs.end_year
    table = applicants.table
    when = as_of or table.application_date.max().astype("datetime64[D]").item()
    scheme = with_admission(applicants.scheme, when, quota, None)
    settle_years = None
    if settle_from is not None or settle_to is not None:
        target = scheme.targets.get("hukou_net_growth")
        first = settle_from if settle_from is not None else (
            target.from_year if target else when.year)
        last = settle_to if settle_to is not None else end_year - 1
        if last < first:
            raise InputError("--settle-to 不能早于 --settle-from")
        settle_years = tuple(range(first, last + 1))
    sim = simulate(table, scheme, when, dict(changes), source=source, base_year=base_year,
                   end_year=end_year, settle_years=settle_years, pseudonym_key=pseudonym_key)
    effects = None
    if inputs is not None:
        try:
            effects = (hukou_effect(inputs, sim.baseline_inflow, other_districts="drop"),
                       hukou_effect(inputs, sim.changed_inflow, other_districts="drop"))
        except ValueError as exc:
            raise InputError(f"预测失败：{exc}") from None
    return PointsSimulation(sim, when, effects,
                            tuple(inputs.region_codes) if inputs is not None else (),
                            warnings)


def sample_applicants(n: int, seed: int, as_of: dt.date, scheme_name: str = SAMPLE_SCHEME
                      ) -> pd.DataFrame:
    """A seeded synthetic applicant pool for the scheme's jurisdiction."""
    return generate_applicants(n, seed, as_of, load_scheme(scheme_name))
