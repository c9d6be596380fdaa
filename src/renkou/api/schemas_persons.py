"""Schemas of the person-level routes: the number goes in the request body (never the URL),
answers carry it masked — in clear only from an administrator's audited unmask."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class LookupIn(BaseModel):
    id_number: str = Field(min_length=15, max_length=18, description="身份证号码")
    purpose: str = Field(min_length=1, max_length=200, description="查询事由（记入审计日志）")


class UnmaskIn(BaseModel):
    ref: str = Field(min_length=1, max_length=64, description="查询结果中的人员标识")
    purpose: str = Field(min_length=1, max_length=200, description="还原事由（记入审计日志）")


class PlaceOut(BaseModel):
    code: str
    name: str
    since: dt.date


class PersonOut(BaseModel):
    ref: str = Field(description="人员标识（化名），用于管理员还原")
    id_masked: str = Field(description="脱敏身份证号码，如 120111********123X")
    sex: str
    birth_date: dt.date
    death_date: dt.date | None
    hukou: PlaceOut | None = Field(description="户籍地（街镇）")
    residence: PlaceOut | None = Field(description="居住地（街镇）")


class IdentityOut(BaseModel):
    ref: str
    id_number: str
    name: str
