"""Request and response shapes of the demographer's toolbox (人口学工具)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field


class RateRowOut(BaseModel):
    region: str
    region_name: str
    indicator: str
    indicator_name: str
    sex: str | None
    age: int | None
    value: float | None = Field(description="null：统计披露控制下不予显示")


class RatesOut(BaseModel):
    year: int
    level: str
    caliber: str
    rows: list[RateRowOut]
    suppressed: int
    suppression_threshold: int | None


class QualityRowOut(BaseModel):
    region: str
    region_name: str
    measure: str
    measure_name: str
    sex: str | None
    age: int | None
    value: float
    rating: str | None = Field(description="惠普尔指数的联合国评价等级")


class QualityOut(BaseModel):
    as_of: dt.date
    level: str
    caliber: str
    rows: list[QualityRowOut]


class MortalityRowIn(BaseModel):
    sex: str = Field(min_length=1, max_length=10, description="male、female、total 或 男、女、合计")
    age: int = Field(ge=0, le=120, description="年龄组起点（0、1、2 … 或 0、1、5、10 …）")
    mx: float = Field(ge=0, le=10, description="分年龄死亡率")


class LifeTableIn(BaseModel):
    rows: list[MortalityRowIn] = Field(min_length=3, max_length=1000)
    a0_rule: Literal["andreev-kingkade", "coale-demeny"] = "andreev-kingkade"


class LifeTableRowOut(BaseModel):
    sex: str
    age: int
    mx: float
    qx: float
    ax: float
    lx: float
    dx: float
    Lx: float
    Tx: float
    ex: float


class LifeTableOut(BaseModel):
    rows: list[LifeTableRowOut]
    e0: dict[str, float] = Field(description="各性别的出生时预期寿命")
