"""Schemas of the task routes (任务分工与进展)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field


class ProgressIn(BaseModel):
    """One progress report on a task (进展填报)."""

    status: Literal["未启动", "推进中", "已完成", "滞后"]
    percent: float = Field(ge=0, le=100)
    narrative: str = Field(min_length=1, max_length=2000, description="进展情况")
    evidence: str = Field(default="", max_length=500,
                          description="佐证材料（文号、链接、台账编号）")
    report_date: dt.date | None = Field(default=None, description="报告日期（默认今天）")
    department: str | None = Field(default=None, max_length=64,
                                   description="填报单位（部门代码或名称）；部门账户为本部门")
    reporter: str | None = Field(default=None, max_length=64, description="填报人（默认当前用户）")


class TaskOut(BaseModel):
    code: str
    number: int | None
    section: str
    title: str
    departments: list[str]
    department_names: list[str]
    lead_department: str | None
    status: str = Field(description="未报告、未启动、推进中、已完成、滞后")
    percent: float
    last_report: dt.date | None
    narrative: str
    evidence: str
    flags: list[str] = Field(description="督办提示：标记滞后、近一季度未报告、从未报告")


class GroupOut(BaseModel):
    key: str
    name: str
    tasks: int
    completed: int
    in_progress: int
    not_started: int
    lagging: int
    unreported: int
    mean_percent: float
    flagged: int


class ProgressOut(BaseModel):
    plan: str
    task_code: str
    report_date: dt.date
    status: str
    percent: float
    narrative: str
    evidence: str
    department: str
    department_name: str
    reporter: str
