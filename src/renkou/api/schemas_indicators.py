"""Schemas of the indicator and warning routes (指标监测、预警)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class IndicatorValueOut(BaseModel):
    code: str
    name: str
    unit: str
    category: str
    formula: str
    area: str = Field(description="计算地区（区域组指标为 group:键）")
    value: float | None
    source: str | None
    as_of: dt.date | None
    method: str | None
    error: str | None = Field(description="无法计算的原因")
    departments: list[str]


class PlanValuesOut(BaseModel):
    plan: str
    plan_name: str
    area: str
    area_name: str
    year: int
    scale_notes: list[str]
    uncovered: str | None
    rows: list[IndicatorValueOut]


class AreaValueOut(BaseModel):
    area: str
    area_name: str
    value: float | None
    error: str | None
    suppressed: bool = Field(False, description="统计披露控制：值所依据的人数少于阈值"
                                                "（或为补充抑制）")


class DrillOut(BaseModel):
    plan: str
    indicator: str
    name: str
    unit: str
    year: int
    level: str = Field(description="district = 区县, street = 街镇")
    rows: list[AreaValueOut]
    suppressed: int = 0
    suppression_threshold: int | None = None


class PointOut(BaseModel):
    year: int
    value: float | None
    error: str | None


class TargetOut(BaseModel):
    year: int
    text: str


class TrajectoryOut(BaseModel):
    plan: str
    indicator: str
    name: str
    unit: str
    area: str
    area_name: str
    points: list[PointOut]
    targets: list[TargetOut]


class WarningOut(BaseModel):
    rank: int
    indicator_code: str
    name: str
    status: str
    level: str = Field(description="红色预警、橙色预警、黄色预警")
    score: float
    reasons: list[str]
    suggestion: str
    departments: list[str]


class WarningsOut(BaseModel):
    plan: str
    plan_name: str
    year: int
    thresholds: dict[str, float] = Field(
        description="风险分值阈值：yellow 起列入清单，orange、red 以上为橙色、红色预警")
    rows: list[WarningOut]
