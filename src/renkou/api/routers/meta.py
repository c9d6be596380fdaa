"""Service metadata (the served store's jurisdiction and dates) and health."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from renkou import __version__
from renkou.api.deps import SummaryDep, UserDep, require
from renkou.api.schemas import AreaGroupOut, JurisdictionOut, MetaOut
from renkou.app.population import CALIBER_NAMES
from renkou.auth.roles import Scope

router = APIRouter(prefix="/api", tags=["meta"])


@router.get("/meta", response_model=MetaOut, dependencies=[Depends(require(Scope.meta))])
def meta(summary: SummaryDep) -> MetaOut:
    j = summary.jurisdiction
    out = JurisdictionOut(
        key=j.key, code=j.code, name=j.name, level=j.level, area_level=j.area_level,
        groups=[AreaGroupOut(key=g.key, name=g.name, members=list(g.members))
                for g in j.groups.values()],
        plans=list(j.plans), map_url=f"/static/geo/{j.map_file}" if j.map_file else None,
        census_date=j.census_date)
    choices = sorted({j.census_date, summary.default_as_of})
    return MetaOut(version=__version__, jurisdiction=out, synthetic=summary.synthetic,
                   data_through=summary.data_through, default_as_of=summary.default_as_of,
                   as_of_choices=choices, calibers=CALIBER_NAMES)


@router.get("/health")
def health(_: UserDep) -> dict[str, str]:
    return {"status": "ok"}
