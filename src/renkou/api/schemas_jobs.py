"""Request and response shapes of the job, upload, quarantine and projection routes."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field


class JobOut(BaseModel):
    id: str
    kind: str  # ingest | projection
    kind_name: str
    title: str
    state: str  # queued | running | done | failed | cancelled
    state_name: str
    progress: float  # 0–1
    message: str
    started_by: str
    role: str
    department: str | None
    created_at: str
    started_at: str | None
    finished_at: str | None
    params: dict[str, Any]
    error: str | None
    has_result: bool
    result_url: str | None
    download_url: str | None


class JobResultOut(BaseModel):
    id: str
    kind: str
    state: str
    error: str | None
    result: dict[str, Any] | None


class ProjectionIn(BaseModel):
    as_of: dt.date = Field(description="基期（数据库中的日期）")
    to: int = Field(ge=1950, le=2200, description="预测终年")
    caliber: Literal["resident", "hukou"] = "resident"
    level: Literal["district", "street"] = "district"
    variant: str = Field("medium", max_length=20,
                         description="方案：low|medium|high|constant-fertility|zero-migration|"
                                     "plan（规划目标方案）或中文名")
    trajectories: int | None = Field(None, ge=10, le=2000,
                                     description="随机预测轨迹数；缺省或 null 为确定性预测")
    seed: int | None = Field(None, ge=0, le=2**31 - 1, description="随机种子（与 trajectories）")
    split: Literal["hukou"] | None = Field(
        None, description="hukou：常住人口分户籍、非户籍两个状态联动预测（含落户）")


class FanPoint(BaseModel):
    year: int
    value: float | None  # the variant's projection
    q025: float | None
    q10: float | None
    q50: float | None
    q90: float | None
    q975: float | None
    hukou: float | None = None  # split runs: residents holding the jurisdiction's hukou
    nonhukou: float | None = None  # split runs: residents without it


class FanArea(BaseModel):
    code: str
    name: str
    points: list[FanPoint]


class ProjectionHead(BaseModel):
    """What a projection job was run with, at the head of each of its charts."""

    job_id: str
    variant: str
    variant_name: str
    caliber: str
    level: str
    as_of: str
    base_year: int
    end_year: int
    stochastic: bool
    split: bool  # hukou and non-hukou residents in the points


class FanOut(ProjectionHead):
    total: list[FanPoint]
    total_band: str  # how the jurisdiction's band is formed (Chinese note), '' without one
    areas: list[FanArea]


class AreaFanOut(ProjectionHead):
    """One area's path of a projection job (a district of a street-level job with its 街镇)."""

    code: str
    name: str
    points: list[FanPoint]
    areas: list[FanArea]  # its 街镇 ([] unless a district of a street-level job)
    suppressed: int  # base-year cells hidden by disclosure control (None in the points)
    suppression_threshold: int | None


class FinishedProjectionOut(BaseModel):
    job_id: str
    title: str
    finished_at: str
    as_of: str
    to: int
    caliber: str
    level: str
    variant: str
    variant_name: str
    split: str | None
    stochastic: bool


class CompareSeries(BaseModel):
    job_id: str
    label: str
    variant: str
    points: list[FanPoint]


class CompareOut(BaseModel):
    area: str | None
    area_name: str
    years: list[int]
    series: list[CompareSeries]


class UploadJobOut(BaseModel):
    job: JobOut
    files: list[dict[str, str]]  # [{file, feed}]


class TemplateReportOut(BaseModel):
    plan: str
    year: int | None
    file: str
    accepted: int
    blank: int
    rejected: list[dict[str, Any]]  # [{file, row, column, reason}]


class QuarantineRowOut(BaseModel):
    batch_id: int
    feed: str
    file: str
    row: int
    record_id: str | None
    reason: str
    reason_name: str
    field: str | None
    id_masked: str | None
