"""Regions (行政区划) and the groupings the plans use."""

from __future__ import annotations

from fastapi import APIRouter

from renkou.api.schemas import RegionOut
from renkou.regions import Region, gazetteer

router = APIRouter(prefix="/api/regions", tags=["regions"])


def _out(r: Region) -> RegionOut:
    g = gazetteer()
    group_name = None
    if r.group and r.parent and r.parent in g.groups:
        group_name = g.group_name(r.parent, r.group)
    return RegionOut(code=r.code, name=r.name, level=r.level, parent=r.parent, group=r.group,
                     group_name=group_name, census2020=r.census2020)


@router.get("", response_model=list[RegionOut])
def list_regions(parent: str | None = None) -> list[RegionOut]:
    g = gazetteer()
    regions = g.children(parent) if parent else sorted(g.regions.values(), key=lambda r: r.order)
    return [_out(r) for r in regions]


@router.get("/{code}", response_model=RegionOut)
def get_region(code: str) -> RegionOut:
    return _out(gazetteer().get(code))
