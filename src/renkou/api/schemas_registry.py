"""Schemas of the registry routes (统计口径、人口流动、数据质量). Suppressed cells are null."""

from __future__ import annotations

import datetime as dt

from pydantic import AwareDatetime, BaseModel, Field, field_validator


class CaliberRowOut(BaseModel):
    region: str | None = None
    region_name: str | None = None
    sex: str | None = None
    age: int | None = None
    hukou_kind: str | None = None
    education: str | None = None
    value: int | None = Field(description="人数；小于阈值的格子（及其补充隐藏格子）为 null")


class CalibersOut(BaseModel):
    caliber: str
    caliber_name: str
    as_of: dt.date
    level: str
    by: list[str]
    region: str
    total: int
    total_rows: int
    suppressed: int
    suppression_threshold: int | None
    rows: list[CaliberRowOut] = Field(description="本页各行（limit/offset 分页）")


class FlowRowOut(BaseModel):
    region: str
    region_name: str
    values: dict[str, int | None]
    total: int


class FlowsOut(BaseModel):
    start: dt.date
    end: dt.date
    level: str
    kinds: list[str]
    kind_names: dict[str, str]
    suppressed: int
    suppression_threshold: int | None
    rows: list[FlowRowOut]


class FeedQualityOut(BaseModel):
    feed: str
    rows_read: int
    accepted: int
    quarantined: int
    share: float = Field(description="隔离比例")


class ReasonOut(BaseModel):
    feed: str
    reason: str
    reason_name: str
    value: int


class MeasureOut(BaseModel):
    measure: str
    value: int
    total: int
    share: float


class DecisionOut(BaseModel):
    fact: str
    chosen_source: str
    other_source: str
    value: int


class BatchOut(BaseModel):
    batch_id: int
    started_at: AwareDatetime
    finished_at: AwareDatetime | None
    files: int
    rows_read: int
    accepted: int
    quarantined: int

    @field_validator("started_at", "finished_at", mode="before")
    @classmethod
    def _local_time(cls, value: object) -> object:
        # The store keeps batch times without a zone, in the server's local time.
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            return dt.datetime.combine(value.date(), value.time()).astimezone()
        return value


class QualityOut(BaseModel):
    batches: int
    rows_read: int
    accepted: int
    quarantined: int
    quarantined_share: float
    feeds: list[FeedQualityOut]
    reasons: list[ReasonOut]
    completeness: list[MeasureOut]
    decisions: list[DecisionOut]
    batch_list: list[BatchOut]
