"""Schemas of the report routes (报告生成与下载)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class ReportIn(BaseModel):
    kind: Literal["evaluation", "annual"] = Field(
        description="evaluation = 规划实施评估报告, annual = 年度人口发展形势分析与预警报告")
    plan: str | None = Field(default=None, max_length=64,
                             description="规划代码（默认辖区的第一个规划）")
    year: int | None = Field(default=None, ge=1949, le=2100,
                             description="评估或报告年份（默认库内数据的最后完整年度）")
    stage: Literal["midterm", "final"] = Field(default="midterm", description="中期或终期评估")
    format: Literal["docx", "html"] = Field(default="docx", description="年度报告只能为 docx")
    trajectories: int = Field(default=100, ge=10, le=200, description="随机预测条数")


class ReportOut(BaseModel):
    id: str
    kind: str
    kind_name: str
    plan: str | None
    year: int | None
    stage: str | None
    format: str
    filename: str
    size: int
    created_at: str
    created_by: str
    download_url: str
