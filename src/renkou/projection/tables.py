"""Reading the tables of a projection input directory (预测输入表解析): locating a table as
CSV, Parquet or XLSX sheet, parsing columns vectorised, and naming the file, spreadsheet row
(header = row 1) and column of the first problem in an :class:`~renkou.errors.InputError`.

CSV (UTF-8) and Parquet are read typed through pyarrow: numbers arrive as numbers, so that a
table of millions of rows (internal migration) costs what its parsing costs and no Python
strings. A file that does not read typed (a stray word in a number column, "100+" ages, a
GB18030 CSV) is read again as text and checked cell by cell, which names the row."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from renkou.errors import InputError
from renkou.tables import check_xlsx, read_table, require_columns, sheet_row
from renkou.types import FloatArray, IntArray

SEX_CODES: dict[str, int] = {"male": 0, "m": 0, "男": 0, "男性": 0, "1": 0,
                             "female": 1, "f": 1, "女": 1, "女性": 1, "2": 1}
SEX_NAMES = ("male", "female")
#: The tables of an input directory and their columns.
TABLES: dict[str, tuple[str, ...]] = {
    "population": ("region", "sex", "age", "value"),
    "asfr": ("year", "region", "age", "value"),
    "mortality": ("year", "region", "sex", "age", "value"),
    "srb": ("year", "region", "value"),
    "migration": ("year", "region", "sex", "age", "value"),
    "internal_migration": ("year", "origin", "destination", "sex", "age", "value"),
}
OPTIONAL_TABLES = ("migration", "internal_migration")
#: Columns read as text whatever they look like: codes keep their leading zeros.
TEXT_KEYS = ("region", "origin", "destination", "sex")


@dataclass
class Table:
    """One input table read as text, with its numeric columns parsed once on demand."""

    label: str  # what messages call the file, e.g. "asfr.csv" or "inputs.xlsx[asfr]"
    df: pd.DataFrame
    parsed: dict[str, FloatArray] = field(default_factory=dict)  # numeric columns, once
    # Text columns factorised once (codes, distinct trimmed values): the duplicate check
    # and the readers both look the keys up, on millions of rows for internal migration.
    factorized: dict[str, tuple[IntArray, list[str]]] = field(default_factory=dict)


def _typed_frame(path: Path) -> pd.DataFrame | None:
    """The file with typed columns (text keys as strings, ``value`` as float), or None when it
    does not read that way (the caller then reads it as text)."""
    try:
        if path.suffix == ".csv":
            types: dict[str, pa.DataType] = {c: pa.string() for c in TEXT_KEYS}
            types["value"] = pa.float64()
            table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
                column_types=types, strings_can_be_null=False))
        else:
            table = pq.read_table(path)
        columns = []
        for col in table.columns:
            if pa.types.is_dictionary(col.type):
                col = col.cast(col.type.value_type)
            columns.append(col)
        names = [str(n).strip() for n in table.column_names]
        for i, name in enumerate(names):
            col = columns[i]
            if name in TEXT_KEYS or not (pa.types.is_integer(col.type)
                                         or pa.types.is_floating(col.type)):
                columns[i] = pa.compute.fill_null(col.cast(pa.string()), "")
        df = pa.table(columns, names=names).to_pandas()
    except (pa.ArrowException, OSError, ValueError):
        return None
    return df


def find_table(directory: Path, stem: str) -> Table | None:
    for suffix in (".csv", ".parquet"):
        p = directory / f"{stem}{suffix}"
        if p.exists():
            typed = _typed_frame(p)
            return Table(p.name, typed if typed is not None else read_table(p))
    for book in sorted(directory.glob("*.xlsx")):
        if book.name.startswith("~$"):
            continue
        check_xlsx(book)  # openpyxl reads the shared strings even to list the sheets
        try:
            sheets = pd.ExcelFile(book, engine="openpyxl").sheet_names
        except Exception as exc:
            raise InputError(f"无法读取工作簿：{exc}", file=book.name) from None
        if stem in sheets:
            return Table(f"{book.name}[{stem}]", read_table(book, sheet=stem))
    return None


def text_column(t: Table, column: str) -> pd.Series:
    return t.df[column].astype(str).str.strip()


def parse_column(t: Table, column: str) -> FloatArray:
    """A text column as float64 (NaN where it is not a number), parsed once per table."""
    if column not in t.parsed:
        raw = t.df[column]
        try:  # vectorised cast: fast, but all-or-nothing
            values = np.asarray(raw.astype("float64"), dtype=np.float64)
        except (ValueError, TypeError):
            text = text_column(t, column)
            if column == "age":  # "100+" for the open group, "30岁"
                text = text.str.replace(r"(\+|岁(以上)?|及以上)$", "", regex=True)
            values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
        t.parsed[column] = values
    return t.parsed[column]


def numbers(t: Table, column: str, *, integer: bool = False, lo: float | None = None,
             hi: float | None = None, what: str = "") -> FloatArray:
    """Parse a text column as numbers; the first bad row raises an InputError."""
    values = parse_column(t, column)

    def shown(i: int) -> str:
        v = t.df[column].iloc[i]
        return "（空）" if pd.isna(v) else str(v).strip() or "（空）"

    bad = ~np.isfinite(values)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(f"不是有效数字：{shown(i)}", file=t.label, row=sheet_row(i),
                         column=column)
    if integer:
        frac = values != np.round(values)
        if frac.any():
            i = int(np.argmax(frac))
            raise InputError(f"应为整数：{shown(i)}", file=t.label, row=sheet_row(i),
                             column=column)
    for bound, below in ((lo, True), (hi, False)):
        if bound is None:
            continue
        out = values < bound if below else values > bound
        if out.any():
            i = int(np.argmax(out))
            if column == "age":
                msg = f"年龄 {shown(i)} 超出范围（{what}）"
            elif below and bound == 0:
                msg = f"{what or '数值'}不能为负数：{shown(i)}"
            else:
                msg = f"数值 {shown(i)} 超出范围（{what}）"
            raise InputError(msg, file=t.label, row=sheet_row(i), column=column)
    return values


def factorize(t: Table, column: str) -> tuple[IntArray, list[str]]:
    """Codes of a text column and its distinct values, trimmed (once per table and
    column)."""
    if column not in t.factorized:
        raw = t.df[column]
        raw = raw.fillna("") if raw.hasnans else raw
        codes, uniques = pd.factorize(raw if raw.dtype != object else raw.astype(str))
        trimmed = [str(u).strip() for u in uniques]
        # Values that differ only by spaces are one value.
        first = {v: i for i, v in reversed(list(enumerate(trimmed)))}
        remap = np.array([first[v] for v in trimmed] + [-1], dtype=np.int64)
        t.factorized[column] = (remap[codes], trimmed)
    return t.factorized[column]


def lookup(t: Table, column: str, table: dict[str, int], normalise: bool = False
            ) -> tuple[IntArray, int | None]:
    """Codes of a text column through ``table`` (factorised: one lookup per distinct value);
    the index of the first row whose value is not in the table, or None."""
    codes, uniques = factorize(t, column)
    if normalise:
        uniques = [u.lower() for u in uniques]
    mapped = np.array([table.get(str(u), -1) for u in uniques] + [-1], dtype=np.int64)
    out = mapped[codes]  # code −1 (missing) picks the trailing −1
    bad = out < 0
    return out, (int(np.argmax(bad)) if bad.any() else None)


def sex_codes(t: Table) -> IntArray:
    codes, bad = lookup(t, "sex", SEX_CODES, normalise=True)
    if bad is not None:
        raise InputError(f"性别应为 male 或 female，而不是“{t.df['sex'].iloc[bad]}”",
                         file=t.label, row=sheet_row(bad), column="sex")
    return codes


def region_index(t: Table, column: str, regions: dict[str, int]) -> IntArray:
    codes, bad = lookup(t, column, regions)
    if bad is not None:
        raise InputError(f"地区“{str(t.df[column].iloc[bad]).strip()}”不在 population 的地区中"
                         f"（{', '.join(regions)}）", file=t.label, row=sheet_row(bad),
                         column=column)
    return codes


def check_duplicates(t: Table, keys: list[str]) -> None:
    """Each key combination once. Numbers compare as numbers ("15" = "15.0"), sexes by
    their code, other text after trimming spaces.

    The key columns are factorised and combined into one integer per row, so that a table of
    millions of rows (internal migration) is checked without a frame of its keys."""
    combined = np.zeros(len(t.df), dtype=np.int64)
    span = 1
    for k in keys:
        if k in ("year", "age"):  # integers: the offset from the smallest is the code
            values = numbers(t, k, integer=True).astype(np.int64)
            low = int(values.min()) if values.size else 0
            codes = values - low
            size = int(codes.max()) + 1 if values.size else 1
        elif k == "sex":
            codes, size = sex_codes(t), 2
        else:
            codes, texts = factorize(t, k)
            size = len(texts)
        size = max(size, 1)
        span *= size
        if span >= 2**62:  # cannot happen with the projection's tables; say so if it does
            raise InputError("键的组合过多，无法检查重复记录", file=t.label)
        combined *= size
        combined += np.asarray(codes, dtype=np.int64)
    if span <= 4 * len(combined) + 1_000_000:  # dense keys: count them (no hashing)
        counts = np.bincount(combined, minlength=span)
        dup = counts[combined] > 1 if counts.max(initial=0) > 1 else None
    else:
        dup = pd.Series(combined).duplicated(keep=False).to_numpy()
    if dup is not None and dup.any():
        first = int(np.argmax(dup))
        same = np.nonzero(combined == combined[first])[0]
        rows = "、".join(str(sheet_row(int(i))) for i in same[:5])
        key = "，".join(f"{k}={str(t.df[k].iloc[first]).strip()}" for k in keys)
        raise InputError(f"重复的记录（{key}）出现在第 {rows} 行", file=t.label,
                         row=sheet_row(int(same[1])) if same.size > 1 else None)


def prepare_table(t: Table, columns: tuple[str, ...]) -> None:
    """Required columns present, at least one row, no key (all but ``value``) twice."""
    require_columns(t.df, list(columns), t.label)
    if t.df.empty:
        raise InputError("表中没有数据行", file=t.label)
    check_duplicates(t, [c for c in columns if c != "value"])
