"""Population by caliber: pyramids, area totals and 人户分离 of the served jurisdiction."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from renkou.api.deps import (
    AnswersDep,
    DatabaseDep,
    RegistryDep,
    SettingsDep,
    SummaryDep,
    User,
    require,
)
from renkou.api.paging import PageDep
from renkou.api.schemas import AreaValueOut, AreaValuesOut, PyramidOut, SeparationRowOut
from renkou.api.scoping import check_area, check_whole
from renkou.app import population
from renkou.app.population import Caliber
from renkou.app.stores import StoreSummary, registry_at
from renkou.auth.disclosure import suppress
from renkou.auth.roles import UNSUPPRESSED, Scope
from renkou.settings import Settings
from renkou.types import OPEN_AGE

router = APIRouter(prefix="/api/population", tags=["population"])

AreaCode = Annotated[str | None, Query(pattern=r"^\d{6}(\d{3})?$",
                                       description="默认为辖区本身")]
Reader = Annotated[User, Depends(require(Scope.population))]


def _threshold(user: User, settings: Settings) -> int | None:
    """Small-cell threshold for this user's tables; None for roles that see them whole."""
    if user.role in UNSUPPRESSED:
        return None
    return settings.disclosure_threshold


@router.get("/pyramid", response_model=PyramidOut)
async def pyramid(db: DatabaseDep, summary: SummaryDep, user: Reader, settings: SettingsDep,
                  answers: AnswersDep, caliber: Caliber = "resident", as_of: dt.date | None = None,
            region: AreaCode = None) -> Response:
    """Single-year age–sex counts of the jurisdiction or one of its areas (as of the store's
    data date unless given)."""
    check_area(user, region or summary.jurisdiction.code)
    k = _threshold(user, settings)
    day = as_of or summary.default_as_of
    cache, version = answers
    return await cache.respond(("pyramid", caliber, day, region or "", k), version,
                               partial(_pyramid, db, summary, caliber, day, region, k))


def _pyramid(db: Path, summary: StoreSummary, caliber: Caliber, as_of: dt.date,
             region: str | None, k: int | None) -> PyramidOut:
    with registry_at(db) as registry:
        p = population.pyramid(registry, summary.jurisdiction, caliber, as_of, region)
    male: list[int | None] = list(p.male)
    female: list[int | None] = list(p.female)
    both = [m + f for m, f in zip(p.male, p.female, strict=True)]
    # Sums of whole age rows and of whole sex columns: with suppressed cells hidden in row
    # pairs and at least two to a column, they reveal no suppressed cell.
    groups: dict[str, int | None] = {
        "0-14": sum(both[:15]), "15-64": sum(both[15:65]), "60+": sum(both[60:]),
        "65+": sum(both[65:]), "male": sum(p.male), "female": sum(p.female)}
    if k is not None:
        groups = {g: None if v is not None and 0 < v < k else v for g, v in groups.items()}
    hidden = 0
    if k is not None:  # ages × sexes, with age and sex totals taken as known
        s = suppress([[m, f] for m, f in zip(p.male, p.female, strict=True)], k)
        male, female, hidden = s.column(0), s.column(1), s.count
    return PyramidOut(caliber=p.caliber, caliber_name=p.caliber_name, as_of=p.as_of,
                      region=p.area, region_name=p.area_name, level=p.level,
                      ages=list(range(OPEN_AGE + 1)), male=male, female=female,
                      total=p.total, groups=groups, suppressed=hidden,
                      suppression_threshold=k)


@router.get("/areas", response_model=AreaValuesOut)
async def areas(db: DatabaseDep, summary: SummaryDep, user: Reader, settings: SettingsDep,
                answers: AnswersDep, caliber: Caliber = "resident", as_of: dt.date | None = None,
          level: Literal["district", "street"] | None = None,
          parent: str | None = None) -> Response:
    """Totals by the jurisdiction's areas (or by 街镇 of one district) for the map."""
    if parent:
        check_area(user, parent)
    else:
        check_whole(user, summary.jurisdiction)
    k = _threshold(user, settings)
    day = as_of or summary.default_as_of
    cache, version = answers
    return await cache.respond(("areas", caliber, day, level or "", parent or "", k), version,
                               partial(_areas, db, summary, caliber, day, level, parent, k))


def _areas(db: Path, summary: StoreSummary, caliber: Caliber, as_of: dt.date,
           level: Literal["district", "street"] | None, parent: str | None,
           k: int | None) -> AreaValuesOut:
    with registry_at(db) as registry:
        a = population.area_values(registry, summary.jurisdiction, caliber, as_of,
                                   level=level, parent=parent)
    values: list[int | None] = [x.value for x in a.areas]
    hidden = 0
    if k is not None and values:  # one row whose total is published
        s = suppress([[x.value for x in a.areas]], k, column_totals=False)
        values, hidden = s.row(), s.count
    return AreaValuesOut(caliber=a.caliber, caliber_name=a.caliber_name, as_of=a.as_of,
                         level=a.level, total=a.total,
                         areas=[AreaValueOut(code=x.code, name=x.name, value=v)
                                for x, v in zip(a.areas, values, strict=True)],
                         suppressed=hidden, suppression_threshold=k)


@router.get("/separation", response_model=list[SeparationRowOut])
def separation(registry: RegistryDep, summary: SummaryDep, user: Reader, page: PageDep,
               settings: SettingsDep, response: Response,
               as_of: dt.date | None = None) -> list[SeparationRowOut]:
    """人户分离 by area of residence and kind."""
    check_whole(user, summary.jurisdiction)
    rows = population.separation(registry, summary.jurisdiction, as_of or summary.default_as_of)
    cells: list[list[int | None]] = [[r.same_district, r.other_district, r.outside_city]
                                     for r in rows]
    k = _threshold(user, settings)
    if k is not None and rows:  # areas × kinds, over the whole table before paging
        cells = suppress([[r.same_district, r.other_district, r.outside_city] for r in rows],
                         k).cells
        response.headers["X-Suppression-Threshold"] = str(k)
    out = [SeparationRowOut(code=r.code, name=r.name, same_district=c[0], other_district=c[1],
                            outside_city=c[2]) for r, c in zip(rows, cells, strict=True)]
    return page.apply(out, response)
