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

#: Chinese spellings accepted for the English codes of enumerated columns.
ENUM_ALIASES = {"城镇": "urban", "农村": "rural", "乡村": "rural", "低保": "dibao",
                "低收入": "low_income", "low-income": "low_income", "无": "none",
                "轻度": "light", "中度": "moderate", "重度": "severe", "男": "male",
                "女": "female"}

TRUE_WORDS = ("true", "1", "是", "yes", "y", "t")
FALSE_WORDS = ("false", "0", "否", "no", "n", "f")


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


def completed_years(birth: npt.NDArray[np.datetime64], when: dt.date) -> npt.NDArray[np.int64]:
    """Age in completed years (实足年龄/周岁) on ``when``; a birthday on ``when`` counts as
    reached. Someone born on 29 February reaches the new age on 1 March in common years."""
    b = birth.astype("datetime64[D]")
    by = b.astype("datetime64[Y]").astype(np.int64) + 1970
    bm = (b.astype("datetime64[M]") - b.astype("datetime64[Y]")).astype(np.int64) + 1
    bd = (b - b.astype("datetime64[M]")).astype(np.int64) + 1
    before = (when.month < bm) | ((when.month == bm) & (when.day < bd))
    return np.asarray(when.year - by - before.astype(np.int64), dtype=np.int64)


def _check_values(spec: ColumnSpec, u: pd.Series, as_of: dt.date
                  ) -> tuple[np.ndarray, list[tuple[npt.NDArray[np.bool_], str]]]:
    """Parse the distinct (stripped) texts ``u`` of one column: values and failed checks."""
    empty = (u == "").to_numpy(dtype=bool)
    checks: list[tuple[npt.NDArray[np.bool_], str]] = []
    if spec.required:
        checks.append((empty, "不能为空"))
    values: np.ndarray
    if spec.kind == "id":
        values = u.to_numpy(dtype=object)
    elif spec.kind == "bool":
        low = u.str.lower()
        values = low.isin(TRUE_WORDS).to_numpy(dtype=bool)
        checks.append((~values & ~low.isin(FALSE_WORDS).to_numpy(dtype=bool) & ~empty,
                       "应为 true 或 false"))
    elif spec.kind == "enum":
        low = u.str.lower().replace(ENUM_ALIASES)
        checks.append((~low.isin(spec.values).to_numpy(dtype=bool) & ~empty,
                       f"取值应为 {' / '.join(spec.values)} 之一"))
        values = low.to_numpy(dtype=object)
    elif spec.kind == "date":
        d = pd.to_datetime(u, format="%Y-%m-%d", errors="coerce")
        values = d.to_numpy().astype("datetime64[D]")
        checks.append((np.isnat(values) & ~empty, "不是有效日期（应为 YYYY-MM-DD）"))
        checks.append((~np.isnat(values) & (values > np.datetime64(as_of, "D")),
                       f"晚于评估日期 {as_of.isoformat()}"))
    elif spec.kind in ("number", "count"):
        arr = pd.to_numeric(u.mask(u == ""), errors="coerce").to_numpy(dtype=float)
        known = ~np.isnan(arr)
        checks.append((~known & ~empty, "不是数值"))
        with np.errstate(invalid="ignore"):
            checks.append((known & ((arr < 0) | ~np.isfinite(arr)), "不能为负数或无穷"))
            if spec.kind == "count":
                checks.append((known & np.isfinite(arr) & (arr != np.floor(arr)), "应为整数"))
        values = arr
    elif spec.kind == "district":
        ok = u.str.fullmatch(r"\d{6}").fillna(False).to_numpy(dtype=bool)
        checks.append((~ok & ~empty, "行政区划代码应为6位数字"))
        values = u.to_numpy(dtype=object)
    else:  # a programming error in a scheme's column list
        raise ValueError(f"unknown column kind {spec.kind}")
    return values, checks


def parse_table(df: pd.DataFrame, specs: Sequence[ColumnSpec], as_of: dt.date,
                file: str = "") -> ParsedTable:
    """Validate ``df`` (all text, as :func:`renkou.tables.read_table` gives) against ``specs``.

    Each column is factorised first and only its distinct texts are parsed and checked: a
    million rows hold a few thousand distinct dates or care levels, so this is what keeps a
    million-person table within seconds."""
    missing = [s.name for s in specs if s.name not in df.columns and s.required]
    if missing:
        have = ", ".join(map(str, df.columns))
        raise InputError(f"缺少列：{', '.join(missing)}（现有列：{have}）", file=file or None)
    n_all = len(df)
    bad_row = np.zeros(n_all, dtype=bool)
    errors: list[RowError] = []
    parsed: dict[str, np.ndarray] = {}
    for spec in specs:
        if spec.kind == "id":  # nearly all distinct: check directly, no factorising
            ids = df[spec.name].astype(object).where(df[spec.name].notna(), "")
            ids = ids.astype(str).str.strip()
            empty = (ids == "").to_numpy(dtype=bool)
            dup = ids.duplicated(keep="first").to_numpy(dtype=bool) & ~empty
            raw_ids = ids.to_numpy(dtype=object)
            for mask, message in ((empty, "不能为空"), (dup, "编号重复（同一人只能出现一次）")):
                errors += [RowError(sheet_row(int(i)), spec.name, str(raw_ids[i]), message)
                           for i in np.flatnonzero(mask)]
                bad_row |= mask
            parsed[spec.name] = raw_ids
            continue
        if spec.name in df.columns:
            codes, uniq = pd.factorize(df[spec.name], use_na_sentinel=True)
            texts = pd.Series(np.asarray(uniq, dtype=object), dtype=object)
            u = pd.concat([texts.fillna("").astype(str).str.strip(),
                           pd.Series([""], dtype=object)], ignore_index=True)
            codes = np.where(codes < 0, len(u) - 1, codes)  # missing cells read as empty
        else:  # a column whose cells may be empty may also be left out altogether
            u = pd.Series([""], dtype=object)
            codes = np.zeros(n_all, dtype=np.int64)
        values_u, checks = _check_values(spec, u, as_of)
        for mask_u, message in checks:
            if not mask_u.any():
                continue
            bad = mask_u[codes]
            idx = np.flatnonzero(bad)
            errors += [RowError(sheet_row(int(i)), spec.name, str(u.iloc[codes[i]]), message)
                       for i in idx]
            bad_row |= bad
        parsed[spec.name] = values_u[codes]
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
