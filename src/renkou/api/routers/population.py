"""Population by caliber: pyramids, area totals and 人户分离 of the served jurisdiction."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from renkou.api.deps import RegistryDep, SummaryDep, User, require
from renkou.api.paging import PageDep
from renkou.api.schemas import AreaValueOut, AreaValuesOut, PyramidOut, SeparationRowOut
from renkou.api.scoping import check_area, check_whole
from renkou.app import population
from renkou.app.population import Caliber
from renkou.auth.roles import Scope
from renkou.types import OPEN_AGE

router = APIRouter(prefix="/api/population", tags=["population"])

AreaCode = Annotated[str | None, Query(pattern=r"^\d{6}(\d{3})?$",
                                       description="默认为辖区本身")]
Reader = Annotated[User, Depends(require(Scope.population))]


@router.get("/pyramid", response_model=PyramidOut)
def pyramid(registry: RegistryDep, summary: SummaryDep, user: Reader,
            caliber: Caliber = "resident", as_of: dt.date | None = None,
            region: AreaCode = None) -> PyramidOut:
    """Single-year age–sex counts of the jurisdiction or one of its areas (as of the store's
    data date unless given)."""
    check_area(user, region or summary.jurisdiction.code)
    p = population.pyramid(registry, summary.jurisdiction, caliber,
                           as_of or summary.default_as_of, region)
    return PyramidOut(caliber=p.caliber, caliber_name=p.caliber_name, as_of=p.as_of,
                      region=p.area, region_name=p.area_name, level=p.level,
                      ages=list(range(OPEN_AGE + 1)), male=list(p.male), female=list(p.female),
                      total=p.total)


@router.get("/areas", response_model=AreaValuesOut)
def areas(registry: RegistryDep, summary: SummaryDep, user: Reader,
          caliber: Caliber = "resident", as_of: dt.date | None = None,
          level: Literal["district", "street"] | None = None,
          parent: str | None = None) -> AreaValuesOut:
    """Totals by the jurisdiction's areas (or by 街镇 of one district) for the map."""
    if parent:
        check_area(user, parent)
    else:
        check_whole(user, summary.jurisdiction)
    a = population.area_values(registry, summary.jurisdiction, caliber,
                               as_of or summary.default_as_of, level=level, parent=parent)
    return AreaValuesOut(caliber=a.caliber, caliber_name=a.caliber_name, as_of=a.as_of,
                         level=a.level, total=a.total,
                         areas=[AreaValueOut(code=x.code, name=x.name, value=x.value)
                                for x in a.areas])


@router.get("/separation", response_model=list[SeparationRowOut])
def separation(registry: RegistryDep, summary: SummaryDep, user: Reader, page: PageDep,
               response: Response, as_of: dt.date | None = None) -> list[SeparationRowOut]:
    """人户分离 by area of residence and kind."""
    check_whole(user, summary.jurisdiction)
    rows = population.separation(registry, summary.jurisdiction, as_of or summary.default_as_of)
    return [SeparationRowOut(code=r.code, name=r.name, same_district=r.same_district,
                             other_district=r.other_district, outside_city=r.outside_city)
            for r in page.apply(rows, response)]
