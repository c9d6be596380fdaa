"""Public services (公共服务配置): the norms, the gaps by area, the 常住/户籍 contrast and the
allocation of new sites (recorded in the audit log)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request

from renkou.api.deps import (
    DashboardDep,
    DatabaseDep,
    GateDep,
    ReadingDep,
    RegistryDep,
    SummaryDep,
    User,
    client_of,
    require,
)
from renkou.api.schemas import (
    AllocateIn,
    AllocateOut,
    AllocationRowOut,
    ContrastOut,
    ContrastRowOut,
    GapRowOut,
    GapsOut,
    NormOut,
    NormsOut,
)
from renkou.api.scoping import check_area, check_whole
from renkou.app import services
from renkou.app.audit import record_at
from renkou.app.population import area_name
from renkou.app.stores import StoreSummary, registry_at
from renkou.auth.roles import Scope
from renkou.errors import NotInForceError

router = APIRouter(prefix="/api/services", tags=["services"])

Reader = Annotated[User, Depends(require(Scope.services))]
Level = Annotated[Literal["district", "street"] | None,
                  Query(description="默认为辖区的分区层级（市：区县；区：街镇）")]
Within = Annotated[str | None, Query(pattern=r"^\d{6}(\d{3})?$",
                                     description="只返回此区县或街镇内的地区（默认全辖区）")]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts, NaN (a share of no demand) as None."""
    return [{str(k): (None if isinstance(v, float) and math.isnan(v) else v)
             for k, v in r.items()}
            for r in frame.to_dict(orient="records")]


def _check(user: User, summary: StoreSummary, within: str | None) -> None:
    """The whole jurisdiction's table, or (``within`` given) the rows of one area and the
    街镇 in it: 403 outside a district user's own district."""
    if within is None:
        check_whole(user, summary.jurisdiction)
    else:
        check_area(user, within)


def _within(frame: pd.DataFrame, within: str | None) -> pd.DataFrame:
    if within is None:
        return frame
    return frame[frame["region"].astype(str).str.startswith(within)]


@router.get("/norms", response_model=NormsOut)
def norms(summary: SummaryDep, _: Reader) -> NormsOut:
    """The jurisdiction's service standards, with the value in force on the store's date."""
    lib = services.jurisdiction_norms(summary.jurisdiction)
    when = summary.default_as_of
    out = []
    for n in lib.norms.values():
        try:
            entry = n.entry_at(when)
        except NotInForceError:  # not yet in force: listed with its first value's source
            entry = None
        cited = entry or n.values[0]
        out.append(NormOut(service=n.service, name=n.name, unit=n.unit, kind=n.kind,
                           age_from=n.age_from, age_to=n.age_to, served=n.served,
                           scope=n.scope, value=entry.value if entry else None,
                           effective_from=entry.effective_from if entry else None,
                           citation=cited.citation))
    return NormsOut(jurisdiction=summary.jurisdiction.code, name=lib.name, as_of=when,
                    household_size=lib.household_size,
                    household_size_source=lib.household_size_source, norms=out)


@router.get("/gaps", response_model=GapsOut)
def gaps(registry: RegistryDep, summary: SummaryDep, user: Reader,
         as_of: dt.date | None = None,
         year: Annotated[int | None, Query(ge=1900, le=2100,
                                           description="预测年份（用基线预测人口）")] = None,
         level: Level = None, caliber: Literal["resident", "hukou"] = "resident",
         region: Within = None) -> GapsOut:
    """Demand, supply and gap of every service by area (columns as ``renkou services gaps``)."""
    _check(user, summary, region)
    result = services.registry_gaps(registry, as_of or summary.default_as_of,
                                    level or summary.jurisdiction.area_level, caliber, year)
    table = _within(result.table, region)
    return GapsOut(jurisdiction=summary.jurisdiction.code, as_of=result.as_of,
                   year=result.year, level=result.level, caliber=result.caliber,
                   services={k: n.name for k, n in result.norms.norms.items()},
                   area_names={c: area_name(c) for c in table["region"].astype(str).unique()},
                   rows=[GapRowOut(**r) for r in _records(table)])


@router.get("/contrast", response_model=ContrastOut)
def contrast(db: DatabaseDep, summary: SummaryDep, user: Reader, _: ReadingDep,
             as_of: dt.date | None = None, level: Level = None,
             region: Within = None) -> ContrastOut:
    """Demand on the 常住 and on the 户籍 population by area and service, and the capacity a
    户籍-based allocation would misplace (户籍 − 常住)."""
    _check(user, summary, region)
    when = as_of or summary.default_as_of
    chosen = level or summary.jurisdiction.area_level
    table = _within(services.caliber_contrast(db, when, chosen), region)
    return ContrastOut(jurisdiction=summary.jurisdiction.code, as_of=when, level=chosen,
                       area_names={c: area_name(c) for c in table["region"].astype(str).unique()},
                       rows=[ContrastRowOut(**r) for r in _records(table)])


@router.post("/allocate", response_model=AllocateOut)
def allocate(body: AllocateIn, db: DatabaseDep, gate: GateDep, dashboard: DashboardDep,
             request: Request, user: Reader) -> AllocateOut:
    """Where to add whole sites of ``site_size`` places to minimise the total unmet demand
    of ``service`` under the budget (exact mixed-integer programme), as
    ``renkou services allocate``: over the gaps computed for the store's date (or ``year``)
    at ``level`` and ``caliber``, or over the given ``rows``. The budget counts sites, or
    money when ``costs`` (cost per site by region) are given. Recorded in the audit log."""
    level = caliber = None
    as_of = None
    if body.rows is not None:
        if body.region is not None:
            check_area(user, body.region)
        table = pd.DataFrame([r.model_dump() for r in body.rows],
                             columns=["region", "service", "gap"])
        source = "rows"
    else:
        # The request reads the store, then writes its audit entry: the read is held only
        # for the computation (a writer waits for every reader to finish).
        with gate.reading():
            summary = dashboard.summary(db)
            _check(user, summary, body.region)
            with registry_at(db) as registry:
                result = services.registry_gaps(
                    registry, body.as_of or summary.default_as_of,
                    body.level or summary.jurisdiction.area_level, body.caliber, body.year)
        table, source = result.table, "store"
        as_of, level, caliber = result.as_of, result.level, result.caliber
    table = _within(table, body.region)
    costs = None if body.costs is None else {c.region: c.cost_per_site for c in body.costs}
    plan = services.allocate_table(table, body.service, body.budget, body.site_size, costs)
    with gate.writing(db):
        record_at(db, actor=user.username, role=user.role.value, action="services.allocate",
                  target=body.service, client=client_of(request),
                  detail={"source": source, "budget": body.budget,
                          "site_size": body.site_size, "costs": body.costs is not None,
                          "as_of": as_of.isoformat() if as_of else "", "year": body.year or "",
                          "level": level or "", "caliber": caliber or "",
                          "region": body.region or "", "areas": len(plan.plan),
                          "objective": plan.objective, "spent": plan.spent})
    return AllocateOut(
        service=plan.service, budget=plan.budget, spent=plan.spent, objective=plan.objective,
        unmet_before=plan.unmet_before, warnings=list(plan.warnings), source=source,
        as_of=as_of, year=body.year if source == "store" else None, level=level,
        caliber=caliber,
        area_names={c: area_name(c) for c in plan.plan["region"].astype(str).unique()},
        rows=[AllocationRowOut(**r) for r in _records(plan.plan)])
