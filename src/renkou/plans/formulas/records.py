"""Indicators read from the department records rather than from a population caliber
(记录类指标计算公式).

* **外来人口居住证持有率**, %: valid 居住证 holders ÷ 外来人口 × 100 at the end of the year.
  外来人口 = residents (常住, counted at their residence) whose hukou is not in the
  jurisdiction; a permit is held when the person's residence record current at the date is
  a 居住证签发/续签 whose 有效期至 has not passed (a cancelled or lapsed permit is not held).
  In a district deployment the store knows only the district's hukou registrants, so
  residents with hukou elsewhere in the same city count as 外来人口 too.
* **职住平衡率（就业地口径）**, %: of the people whose workplace (就业登记, else 职工社保参保地)
  is in the area, the share who are its residents (常住) — how far the area's jobs are held
  by people living there.
* **职住平衡率（居住地口径）**, %: of the area's employed residents, the share whose
  workplace is in the area; residents whose workplace is known only at a coarser level
  (a district insurance place for a 街镇) are left out.
"""

from __future__ import annotations

from collections.abc import Mapping

from renkou.errors import InputError
from renkou.plans.formulas.protocol import (
    FormulaContext,
    IndicatorData,
    RecordData,
    safe_div,
    year_end,
)


def records_of(data: IndicatorData) -> RecordData:
    """``data`` as a source of department-record counts, or a domain error saying why not."""
    if isinstance(data, RecordData):
        return data
    raise InputError("该数据源不提供居住证与就业登记记录，无法计算此指标")


def _counts(counts: Mapping[str, float], key: str) -> float:
    return float(counts.get(key, 0.0))


def permit_holding_rate(data: IndicatorData, area: str, year: int, ctx: FormulaContext
                        ) -> float:
    counts = records_of(data).permit_holding(year_end(year), area)
    return safe_div(_counts(counts, "holders"), _counts(counts, "outsiders"),
                    "外来人口居住证持有率") * 100.0


def jobs_housing_balance(data: IndicatorData, area: str, year: int, ctx: FormulaContext
                         ) -> float:
    counts = records_of(data).jobs_housing(year_end(year), area)
    return safe_div(_counts(counts, "local"), _counts(counts, "workers"),
                    "职住平衡率（就业地口径）") * 100.0


def jobs_housing_balance_residents(data: IndicatorData, area: str, year: int,
                                   ctx: FormulaContext) -> float:
    counts = records_of(data).jobs_housing(year_end(year), area)
    return safe_div(_counts(counts, "local"), _counts(counts, "employed_residents"),
                    "职住平衡率（居住地口径）") * 100.0
