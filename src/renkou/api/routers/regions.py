"""The served jurisdiction's areas (行政区划) and the groups its plans use."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from renkou.api.deps import SummaryDep, require
from renkou.api.paging import PageDep
from renkou.api.schemas import RegionOut
from renkou.app import population
from renkou.app.population import AreaInfo
from renkou.auth.roles import Scope

router = APIRouter(prefix="/api/regions", tags=["regions"],
                   dependencies=[Depends(require(Scope.meta))])


def _out(a: AreaInfo) -> RegionOut:
    return RegionOut(code=a.code, name=a.name, level=a.level, parent=a.parent, group=a.group,
                     group_name=a.group_name, census2020=a.census2020)


@router.get("", response_model=list[RegionOut])
def list_regions(summary: SummaryDep, page: PageDep, response: Response,
                 parent: str | None = None) -> list[RegionOut]:
    """The jurisdiction's areas, or the divisions under ``parent``."""
    return [_out(a) for a in page.apply(population.areas(summary.jurisdiction, parent),
                                        response)]


@router.get("/{code}", response_model=RegionOut)
def get_region(code: str, summary: SummaryDep) -> RegionOut:
    return _out(population.area(summary.jurisdiction, code))
