"""Population by caliber: pyramids and area totals (人口金字塔、分区人口)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from renkou.api.deps import get_registry
from renkou.api.schemas import AreaValueOut, AreaValuesOut, PyramidOut, SeparationRowOut
from renkou.errors import InputError
from renkou.regions import TIANJIN, gazetteer
from renkou.registry import Registry

router = APIRouter(prefix="/api/population", tags=["population"])

CALIBER_NAMES = {
    "hukou": "户籍人口",
    "resident": "常住人口",
    "employed": "就业人口",
    "active": "实际活动人口",
}
DEFAULT_AS_OF = dt.date(2024, 12, 31)
OPEN_AGE = 100

Caliber = Literal["hukou", "resident", "employed", "active"]


def _region_name(code: str) -> str:
    region = gazetteer().regions.get(code)
    return region.name if region else code


@router.get("/pyramid", response_model=PyramidOut)
def pyramid(
    registry: Annotated[Registry, Depends(get_registry)],
    caliber: Caliber = "resident",
    as_of: dt.date = DEFAULT_AS_OF,
    region: Annotated[str, Query(pattern=r"^\d{6}(\d{3})?$")] = TIANJIN,
) -> PyramidOut:
    """Single-year age–sex counts for the city, one district or one 街镇."""
    level = "city" if region == TIANJIN else ("street" if len(region) == 9 else "district")
    by = ("sex", "age") if level == "city" else ("region", "sex", "age")
    df = registry.caliber(as_of, caliber, level=level, by=by)
    if level != "city":
        df = df[df["region"] == region]
    male = [0] * (OPEN_AGE + 1)
    female = [0] * (OPEN_AGE + 1)
    for sex, age, value in zip(df["sex"], df["age"], df["value"], strict=True):
        target = male if sex == "male" else female
        target[min(int(age), OPEN_AGE)] += int(value)
    return PyramidOut(
        caliber=caliber, caliber_name=CALIBER_NAMES[caliber], as_of=as_of, region=region,
        region_name=_region_name(region), ages=list(range(OPEN_AGE + 1)), male=male,
        female=female, total=sum(male) + sum(female),
    )


@router.get("/areas", response_model=AreaValuesOut)
def areas(
    registry: Annotated[Registry, Depends(get_registry)],
    caliber: Caliber = "resident",
    as_of: dt.date = DEFAULT_AS_OF,
    level: Literal["district", "street"] = "district",
    parent: str | None = None,
) -> AreaValuesOut:
    """Totals by district (or by 街镇 of one district) for the choropleth."""
    df = registry.caliber(as_of, caliber, level=level, by=("region",))
    counts = {str(r): int(v) for r, v in zip(df["region"], df["value"], strict=True)}
    if level == "district":
        codes = [r.code for r in gazetteer().districts(TIANJIN)]
    else:
        if parent is None:
            raise InputError("按街镇汇总时须指定 parent（所属区代码）")
        known = [r.code for r in gazetteer().streets(parent)]
        codes = known or sorted(c for c in counts if c.startswith(parent))
    rows = [AreaValueOut(code=c, name=_region_name(c), value=counts.get(c, 0)) for c in codes]
    return AreaValuesOut(caliber=caliber, caliber_name=CALIBER_NAMES[caliber], as_of=as_of,
                         level=level, total=sum(r.value for r in rows), areas=rows)


@router.get("/separation", response_model=list[SeparationRowOut])
def separation(
    registry: Annotated[Registry, Depends(get_registry)],
    as_of: dt.date = DEFAULT_AS_OF,
) -> list[SeparationRowOut]:
    """人户分离 by district of residence and kind."""
    df = registry.separation(as_of, level="district")
    out: list[SeparationRowOut] = []
    for d in gazetteer().districts(TIANJIN):
        sub = df[df["region"] == d.code]
        kinds = {str(k): int(v) for k, v in zip(sub["kind"], sub["value"], strict=True)}
        out.append(SeparationRowOut(code=d.code, name=d.name,
                                    same_district=kinds.get("same_district", 0),
                                    other_district=kinds.get("other_district", 0),
                                    outside_city=kinds.get("outside_city", 0)))
    return out
