"""Reading what people type into spreadsheet cells (单元格取值): numbers and dates as Excel,
LibreOffice Calc or a CSV export hand them over — real numbers and dates, or text such as
"1,240", "2025/2/20", "2025年2月20日", or a bare date serial when the date format was lost.

Anything ambiguous is refused (ValueError) rather than guessed, so the row is quarantined
with the cell named: "51,2" could be 51.2 written with a decimal comma or a mistyped 512.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
# Excel/Calc day serials of 1954-10-03 … 2119-01-09: a date cell whose format was lost.
_SERIAL_RANGE = (20_000, 80_000)
_EPOCH = dt.date(1899, 12, 30)  # the 1900 date system as both programs count it today


def parse_number(raw: Any) -> float:
    """A finite number from a cell: numbers as they are; text with thousands separators
    only when grouped in threes ("1,240.5"); full-width commas and spaces tolerated."""
    if isinstance(raw, bool):
        raise ValueError("不是数字")
    if isinstance(raw, int | float):
        v = float(raw)
    else:
        text = str(raw).strip().replace("，", ",").replace(" ", "").replace("\u3000", "")
        if "," in text:
            if not _GROUPED.match(text):
                raise ValueError(f"“{raw}”中的逗号不是千分位分隔（小数请用小数点）")
            text = text.replace(",", "")
        v = float(text)
    if not math.isfinite(v):
        raise ValueError("不是有限数值")
    return v


def parse_date(raw: Any) -> dt.date:
    """A date from a cell: a date or datetime; text 2025-02-20, 2025/2/20, 2025.2.20 or
    2025年2月20日; or a day serial (a date cell saved without its date format)."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if _SERIAL_RANGE[0] <= raw <= _SERIAL_RANGE[1] and float(raw).is_integer():
            return _EPOCH + dt.timedelta(days=int(raw))
        raise ValueError(f"{raw} 不是日期")
    m = _DATE.match(str(raw).strip())
    if not m:
        raise ValueError(f"“{raw}”不是日期")
    return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
