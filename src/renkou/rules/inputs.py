"""Checking the people tables handed to the rules (输入校验), vectorised.

Every cell is validated by its column's kind; each bad cell becomes a :class:`RowError` with the
spreadsheet row number (header = row 1) and the column, and its row is left out of the
evaluation while the other rows go on. Values are returned as NumPy arrays: booleans, floats
(NaN where an optional number is empty), strings (object arrays) and ``datetime64[D]``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from renkou.errors import InputError
from renkou.tables import sheet_row

TRUE_WORDS = ("true", "1", "是", "yes", "y", "t")
FALSE_WORDS = ("false", "0", "否", "no", "n", "f")
_BOOL_MAP = {**{w: 1.0 for w in TRUE_WORDS}, **{w: 0.0 for w in FALSE_WORDS}}


@dataclass(frozen=True)
class ColumnSpec:
    """One input column: ``kind`` is id, date, bool, enum, number, count or district."""

    name: str
    kind: str
    description: str
    required: bool = True
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class RowError:
    """A bad cell: spreadsheet row (header = 1), column, the raw value and why (Chinese)."""

    row: int
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        return f"第 {self.row} 行，列 {self.column}：{self.message}（值：{self.value!r}）"


@dataclass(frozen=True)
class ParsedTable:
    """Valid rows as arrays, their spreadsheet row numbers, and the errors of the others."""

    columns: dict[str, np.ndarray]
    rows: npt.NDArray[np.int64]
    errors: tuple[RowError, ...]
    n_input: int

    @property
    def n(self) -> int:
        return len(self.rows)


def _errors_for(bad: npt.NDArray[np.bool_], raw: pd.Series, column: str, message: str
                ) -> list[RowError]:
    idx = np.flatnonzero(bad)
    values = raw.to_numpy()[idx]
    return [RowError(sheet_row(int(i)), column, str(v), message) for i, v in zip(idx, values,
                                                                                  strict=True)]


def completed_years(birth: npt.NDArray[np.datetime64], when: dt.date) -> npt.NDArray[np.int64]:
    """Age in completed years (实足年龄/周岁) on ``when``; a birthday on ``when`` counts as
    reached. Someone born on 29 February reaches the new age on 1 March in common years."""
    b = birth.astype("datetime64[D]")
    by = b.astype("datetime64[Y]").astype(np.int64) + 1970
    bm = (b.astype("datetime64[M]") - b.astype("datetime64[Y]")).astype(np.int64) + 1
    bd = (b - b.astype("datetime64[M]")).astype(np.int64) + 1
    before = (when.month < bm) | ((when.month == bm) & (when.day < bd))
    return np.asarray(when.year - by - before.astype(np.int64), dtype=np.int64)


def parse_table(df: pd.DataFrame, specs: Sequence[ColumnSpec], as_of: dt.date,
                file: str = "") -> ParsedTable:
    """Validate ``df`` (all text, as :func:`renkou.tables.read_table` gives) against ``specs``."""
    missing = [s.name for s in specs if s.name not in df.columns and s.required]
    if missing:
        have = ", ".join(map(str, df.columns))
        raise InputError(f"缺少列：{', '.join(missing)}（现有列：{have}）", file=file or None)
    n_all = len(df)
    # A column whose cells may be empty may also be left out altogether.
    absent = [s.name for s in specs if s.name not in df.columns]
    if absent:
        df = df.assign(**{name: "" for name in absent})
    bad_row = np.zeros(n_all, dtype=bool)
    errors: list[RowError] = []
    parsed: dict[str, np.ndarray] = {}
    for spec in specs:
        raw = df[spec.name]
        s = raw.fillna("").astype(str).str.strip()
        empty = (s == "").to_numpy()
        need = empty if spec.required else np.zeros(n_all, dtype=bool)
        if spec.required and empty.any():
            errors += _errors_for(empty, s, spec.name, "不能为空")
        if spec.kind == "id":
            values: np.ndarray = s.to_numpy(dtype=object)
            dup = (s.duplicated(keep="first").to_numpy()) & ~empty
            if dup.any():
                errors += _errors_for(dup, s, spec.name, "编号重复（同一人只能出现一次）")
            bad = need | dup
        elif spec.kind == "bool":
            mapped = s.str.lower().map(_BOOL_MAP).to_numpy(dtype=float)
            wrong = np.isnan(mapped) & ~empty
            if wrong.any():
                errors += _errors_for(wrong, s, spec.name, "应为 true 或 false")
            values = mapped > 0.5
            bad = need | wrong
        elif spec.kind == "enum":
            low = s.str.lower()
            wrong = ~low.isin(spec.values).to_numpy() & ~empty
            if wrong.any():
                errors += _errors_for(wrong, s, spec.name,
                                      f"取值应为 {' / '.join(spec.values)} 之一")
            values = low.to_numpy(dtype=object)
            bad = need | wrong
        elif spec.kind == "date":
            d = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
            wrong = d.isna().to_numpy() & ~empty
            if wrong.any():
                errors += _errors_for(wrong, s, spec.name, "不是有效日期（应为 YYYY-MM-DD）")
            values = d.to_numpy().astype("datetime64[D]")
            future = ~np.isnat(values) & (values > np.datetime64(as_of, "D"))
            if future.any():
                errors += _errors_for(future, s, spec.name,
                                      f"晚于评估日期 {as_of.isoformat()}")
            bad = need | wrong | future
        elif spec.kind in ("number", "count"):
            num = pd.to_numeric(s.mask(s == ""), errors="coerce")
            arr = num.to_numpy(dtype=float)
            notnum = np.isnan(arr) & ~empty
            with np.errstate(invalid="ignore"):
                negative = ~np.isnan(arr) & ((arr < 0) | ~np.isfinite(arr))
                fraction = (spec.kind == "count") & ~np.isnan(arr) & (arr != np.floor(arr))
            if notnum.any():
                errors += _errors_for(notnum, s, spec.name, "不是数值")
            if negative.any():
                errors += _errors_for(negative, s, spec.name, "不能为负数或无穷")
            if fraction.any():
                errors += _errors_for(fraction, s, spec.name, "应为整数")
            values = arr
            bad = need | notnum | negative | fraction
        elif spec.kind == "district":
            wrong = ~s.str.fullmatch(r"\d{6}").fillna(False).to_numpy(dtype=bool) & ~empty
            if wrong.any():
                errors += _errors_for(wrong, s, spec.name, "行政区划代码应为6位数字")
            values = s.to_numpy(dtype=object)
            bad = need | wrong
        else:  # a programming error in a scheme's column list
            raise ValueError(f"unknown column kind {spec.kind}")
        parsed[spec.name] = values
        bad_row |= bad
    keep = ~bad_row
    columns = {k: v[keep] for k, v in parsed.items()}
    rows = np.flatnonzero(keep).astype(np.int64) + (sheet_row(0))
    errors.sort(key=lambda e: (e.row, e.column))
    return ParsedTable(columns=columns, rows=rows, errors=tuple(errors), n_input=n_all)


def drop_rows(table: ParsedTable, bad: npt.NDArray[np.bool_], column: str, message: str
              ) -> ParsedTable:
    """Remove valid rows that fail a cross-column check, recording an error for each."""
    if not bad.any():
        return table
    idx = np.flatnonzero(bad)
    raw = table.columns.get(column)
    extra = [RowError(int(table.rows[i]), column, "" if raw is None else str(raw[i]), message)
             for i in idx]
    keep = ~bad
    errors = sorted((*table.errors, *extra), key=lambda e: (e.row, e.column))
    return ParsedTable(columns={k: v[keep] for k, v in table.columns.items()},
                       rows=table.rows[keep], errors=tuple(errors), n_input=table.n_input)


def errors_frame(errors: Sequence[RowError]) -> pd.DataFrame:
    """The errors as a table (``row, column, value, message``) for the companion file."""
    return pd.DataFrame({"row": [e.row for e in errors], "column": [e.column for e in errors],
                         "value": [e.value for e in errors],
                         "message": [e.message for e in errors]},
                        columns=["row", "column", "value", "message"])
