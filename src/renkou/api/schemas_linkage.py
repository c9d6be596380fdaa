"""Request and response shapes of the record-linkage routes: the clerical review queue
(persons masked), a clerk's decision and a linkage run."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from renkou.api.schemas_jobs import JobOut


class LinkJobIn(BaseModel):
    threshold: float = Field(0.95, gt=0, lt=1, description="自动接受的匹配概率下限")
    review_threshold: float = Field(0.5, gt=0, lt=1, description="进入人工复核的匹配概率下限")

    @model_validator(mode="after")
    def _ordered(self) -> LinkJobIn:
        if self.review_threshold > self.threshold:
            raise ValueError("复核阈值不能高于接受阈值")
        return self


class WeightOut(BaseModel):
    comparison: str  # name | sex | birth | districts | id17
    label: str
    weight: float = Field(description="该项比较的匹配权重（log2 似然比；正值支持匹配）")


class CandidateOut(BaseModel):
    ref: str | None = Field(description="人员标识（化名），用于管理员还原")
    id_masked: str | None = Field(description="脱敏身份证号码，如 120111********123X")
    name_masked: str | None = Field(description="脱敏姓名，如 张**")
    sex: str | None
    birth_date: dt.date | None


class ReviewRowOut(BaseModel):
    link_id: int
    feed: str
    file: str
    row: int
    record_id: str | None
    reason: str
    reason_name: str
    candidate: CandidateOut
    match_probability: float
    match_weight: float
    margin: float | None = Field(description="与次优候选人的权重差；无其他候选人时为 null")
    weights: list[WeightOut]


class DecisionOut(BaseModel):
    link_id: int
    decision: Literal["accepted", "refused", "rejected", "pending"]
    message: str
    job: JobOut
