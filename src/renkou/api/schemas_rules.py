"""Schemas of the rules and points routes (政策规则计算、积分落户模拟). Tables go out as lists of
rows keyed by the column names the CLI writes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

Scalar = str | int | float | bool | None


class ColumnOut(BaseModel):
    name: str
    kind: str
    required: bool
    description: str
    values: list[str]


class SchemeOut(BaseModel):
    key: str
    title: str
    jurisdiction: str | None = Field(description="适用辖区；null 为全国性项目")
    columns: list[ColumnOut]


class ParameterOut(BaseModel):
    name: str
    value: str
    unit: str
    description: str
    effective_from: str
    source: str
    note: str | None


class EvaluateIn(BaseModel):
    as_of: dt.date = Field(description="评估日期")
    persons: list[dict[str, Scalar]] = Field(min_length=1, max_length=10_000,
                                             description="人员表各行（列名见 columns）")
    params: dict[str, Any] = Field(default_factory=dict, description="覆盖参数 名称→取值")
    explain: bool = True


class RowErrorOut(BaseModel):
    row: int = Field(description="表格行号（表头为第1行）")
    column: str
    message: str


class EvaluateOut(BaseModel):
    scheme: str
    as_of: dt.date
    n_input: int
    n_evaluated: int
    columns: list[str]
    rows: list[dict[str, Any]]
    errors: list[RowErrorOut]


class CaseloadIn(BaseModel):
    as_of: dt.date
    params: dict[str, Any] = Field(default_factory=dict)
    seed: int = Field(default=2025, ge=0)


class CaseloadOut(BaseModel):
    scheme: str
    as_of: dt.date
    total_caseload: float
    annual_cost: float
    costs: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    suppressed: int = Field(0, description="统计披露控制隐去的单元格数"
                                           "（对象数为 null，其经费随之为 null）")
    suppression_threshold: int | None = Field(None, description="小单元格阈值；null 为不抑制")


class BudgetIn(BaseModel):
    from_year: int = Field(default=2025, ge=2000, le=2100)
    to_year: int = Field(default=2035, ge=2000, le=2100)
    params: dict[str, Any] = Field(default_factory=dict)
    seed: int = Field(default=2025, ge=0)
    base_date: dt.date | None = None
    compare: bool = False


class BudgetOut(BaseModel):
    scheme: str
    base_date: dt.date
    from_year: int
    to_year: int
    by_year: list[dict[str, Any]]
    by_district: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    comparison: list[dict[str, Any]] | None
    suppressed: int = Field(0, description="统计披露控制隐去的单元格数"
                                           "（按区的表；各年合计照常公布）")
    suppression_threshold: int | None = Field(None, description="小单元格阈值；null 为不抑制")


class SampleIn(BaseModel):
    n: int = Field(default=5000, ge=100, le=200_000, description="模拟申请人数")
    seed: int = Field(default=2021, ge=0)
    as_of: dt.date = Field(default=dt.date(2021, 12, 31), description="申请截止日期")


class PointsSimulateIn(BaseModel):
    changes: dict[str, Scalar] = Field(min_length=1, description="调整项 KEY→VALUE，如 "
                                       "education.points.associate: 45、quota: 20000")
    scheme: str = Field(default="tianjin-sample", max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$",
                        description="积分方案名称")
    sample: SampleIn = Field(default_factory=SampleIn, description="模拟申请人池")
    quota: int | None = Field(default=None, ge=0)
    as_of: dt.date | None = None
    settle_from: int | None = Field(default=None, ge=2000, le=2100)
    settle_to: int | None = Field(default=None, ge=2000, le=2100)
    base_year: int = Field(default=2020, ge=2000, le=2100)
    end_year: int = Field(default=2035, ge=2000, le=2100)


class TargetComparisonOut(BaseModel):
    label: str
    from_year: int
    to_year: int
    value: float
    baseline: float
    changed: float
    baseline_share: float
    changed_share: float


class PointsSimulateOut(BaseModel):
    scheme: str
    as_of: dt.date
    applicants: int
    skipped_rows: int
    admitted_instead: int
    displaced: int
    summary: list[dict[str, Any]]
    composition: list[dict[str, Any]]
    targets: list[TargetComparisonOut]
    inflow: list[dict[str, Any]] = Field(description="按年份的落户迁入人数（调整前后）")
