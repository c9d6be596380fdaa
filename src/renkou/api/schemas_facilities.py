"""Response shapes of the facility inventory and function-zone routes."""

from __future__ import annotations

from pydantic import BaseModel


class RejectedRowOut(BaseModel):
    file: str
    row: int
    column: str
    reason: str


class FacilityReportOut(BaseModel):
    """The validation report of an imported inventory: every data row accepted or
    quarantined with its file, row, column and reason."""

    file: str
    accepted: int
    rejected: list[RejectedRowOut]


class FacilityOut(BaseModel):
    type: str
    type_name: str
    name: str
    street: str
    street_name: str
    capacity: float
    unit: str
    opened: str
    closed: str | None
    longitude: float | None
    latitude: float | None
    source_file: str
    source_row: int
    imported_at: str


class ZoneStreetOut(BaseModel):
    code: str
    name: str


class ZoneOut(BaseModel):
    name: str
    streets: list[ZoneStreetOut]
    source: str
    example: bool  # 示例范围, not a real boundary
    file: str
    imported_at: str


class ZoneIndicatorOut(BaseModel):
    plan: str
    code: str
    name: str
    zones: list[str]
    missing: list[str]  # zones not defined: the indicator stays reported by departments
    computed: bool


class ZonesOut(BaseModel):
    zones: list[ZoneOut]
    indicators: list[ZoneIndicatorOut]
