"""Output schemas of the public API. Storage schemas live in the registry; input schemas
beside their routers. No schema here carries a full ID number."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class RegionOut(BaseModel):
    code: str
    name: str
    level: str
    parent: str | None
    group: str | None = None
    group_name: str | None = None
    census2020: int | None = None


class PyramidOut(BaseModel):
    """Population by single year of age and sex (人口金字塔)."""

    caliber: str
    caliber_name: str
    as_of: dt.date
    region: str
    region_name: str
    ages: list[int] = Field(description="0..100, 100 = 100岁及以上")
    male: list[int]
    female: list[int]
    total: int


class AreaValueOut(BaseModel):
    code: str
    name: str
    value: int


class AreaValuesOut(BaseModel):
    caliber: str
    caliber_name: str
    as_of: dt.date
    level: str
    total: int
    areas: list[AreaValueOut]


class SeparationRowOut(BaseModel):
    code: str
    name: str
    same_district: int
    other_district: int
    outside_city: int


class MetaOut(BaseModel):
    version: str
    default_as_of: dt.date
    as_of_choices: list[dt.date]
    calibers: dict[str, str]


class IdCheckIn(BaseModel):
    number: str = Field(min_length=15, max_length=18)


class IdCheckOut(BaseModel):
    masked: str
    valid: bool
    reason: str | None = None
    detail: str | None = None
    birth_date: dt.date | None = None
    sex: str | None = None
    division_code: str | None = None
