"""Reading and writing the tables people hand over (表格读写): CSV in UTF-8 or GB18030,
XLSX, Parquet. Everything is read as text so that callers validate values themselves and can
report the exact row and column of a problem.

Reading an XLSX first checks its zip members (:func:`check_xlsx`): a small file can unpack
to gigabytes, or hold one enormous string, and both would be spent in memory before a single
row is seen. Writing neutralises text a spreadsheet would run as a formula
(:func:`safe_cell`) and writes XLSX cells as values, never formulas."""

from __future__ import annotations

import codecs
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from renkou.errors import InputError

# XLSX limits (defaults of ``Settings.max_xlsx_unzipped_mb``; a text run is what lies between
# two XML tags, so it bounds every cell).
XLSX_MAX_UNZIPPED_MB = 256
XLSX_MAX_TEXT_BYTES = 1 << 20
_SCAN_CHUNK = 1 << 20
# A worksheet row element (``<row r="2">``, ``<row>``; any namespace prefix).
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")

TABLE_SUFFIXES = (".csv", ".xlsx", ".parquet")

# The header row is row 1 in a spreadsheet, so data row i (0-based) is row i + 2.
HEADER_ROWS = 1


@dataclass(frozen=True)
class Rejection:
    """One input row set aside (隔离记录): where it is and why."""

    file: str
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return str(InputError(self.reason, file=self.file, row=self.row, column=self.column))


def sheet_row(index: int) -> int:
    """Spreadsheet-style row number of the 0-based data row ``index``."""
    return index + HEADER_ROWS + 1


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the bytes decode, otherwise GB18030 (decoded in
    1 MiB chunks: a large file is not held in memory to find out)."""
    if _decodes(path, "utf-8"):
        with path.open("rb") as fh:
            return "utf-8-sig" if fh.read(3) == b"\xef\xbb\xbf" else "utf-8"
    try:
        _decodes(path, "gb18030", strict=True)
    except UnicodeDecodeError as exc:
        raise InputError(f"无法识别文件编码（既不是UTF-8也不是GB18030）：{exc}",
                         file=str(path)) from None
    return "gb18030"


def _decodes(path: Path, encoding: str, *, strict: bool = False) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(_SCAN_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        if strict:
            raise
        return False
    return True


def check_xlsx(path: Path, max_unzipped_mb: int = XLSX_MAX_UNZIPPED_MB,
               max_text_bytes: int = XLSX_MAX_TEXT_BYTES, max_rows: int | None = None) -> None:
    """Refuse an XLSX whose members unpack to more than ``max_unzipped_mb`` (sizes from the
    zip directory; reading stops at the declared size), that holds a text run longer than
    ``max_text_bytes`` or a sheet of more than ``max_rows`` data rows (its ``<row>`` elements
    counted in the same scan), scanning the XML in 1 MiB chunks: bounded memory either way,
    and nothing parsed into cells before the file has passed."""
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            total = sum(i.file_size for i in infos)
            if total > max_unzipped_mb << 20:
                raise InputError(f"XLSX 解压后 {total >> 20} MB，超过上限 {max_unzipped_mb} MB"
                                 "（RENKOU_MAX_XLSX_UNZIPPED_MB；大文件请以 CSV 交付）",
                                 file=path.name)
            for info in infos:
                if not info.filename.endswith(".xml"):
                    continue
                longest, rows = _scan_xml(z, info)
                if longest > max_text_bytes:
                    raise InputError(f"XLSX 中有超过 {max_text_bytes >> 10} KB 的单元格文本"
                                     f"（{info.filename}），拒绝读取", file=path.name)
                if (max_rows is not None and info.filename.startswith("xl/worksheets/")
                        and rows - HEADER_ROWS > max_rows):
                    raise InputError(row_limit_message(max_rows, rows - HEADER_ROWS),
                                     file=path.name)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise InputError(f"不是有效的 XLSX 文件：{exc}", file=path.name) from None


def row_limit_message(max_rows: int, rows: int | None = None) -> str:
    """Why a file with too many data rows is refused (``rows``: its count, when known; a
    reader that stopped at the first row over the limit does not know it)."""
    found = (f"{rows} 行" if rows is not None
             else f"多于 {max_rows} 行（读到第 {max_rows + 1} 行即停止读取）")
    return f"{found}，超过每个文件的上限 {max_rows} 行（RENKOU_MAX_ROWS）"


def _scan_xml(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[int, int]:
    """(longest text run, number of ``<row`` elements) of one XML member."""
    longest, carry, rows, tail = 0, 0, 0, b""
    with z.open(info) as fh:
        while chunk := fh.read(_SCAN_CHUNK):
            # A tag split across two chunks is found with the last bytes of the one before;
            # a tag wholly inside those bytes was counted with that chunk.
            rows += sum(1 for m in _ROW_TAG.finditer(tail + chunk) if m.end() > len(tail))
            tail = chunk[-32:]
            parts = chunk.split(b"<")
            if len(parts) == 1:
                carry += len(chunk)
            else:
                longest = max(longest, carry + len(parts[0]), max(map(len, parts[1:-1]),
                                                                  default=0))
                carry = len(parts[-1])
            longest = max(longest, carry)
    return longest, rows


def open_workbook(path: Path | str) -> Any:
    """An openpyxl workbook (values, not formulas) of a file handed over, checked first
    (:func:`check_xlsx`); a missing or broken file is an :class:`InputError` naming it."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    p = Path(path)
    if not p.exists():
        raise InputError("文件不存在", file=str(p))
    check_xlsx(p)
    try:
        return openpyxl.load_workbook(p, data_only=True)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, InvalidFileException) as exc:
        raise InputError(f"无法读取Excel文件：{exc}", file=p.name) from None


def read_table(path: Path | str, sheet: str | None = None, *,
               max_unzipped_mb: int = XLSX_MAX_UNZIPPED_MB,
               max_rows: int | None = None) -> pd.DataFrame:
    """Read a CSV, XLSX (one sheet) or Parquet file with every column as text.

    Empty cells become empty strings; column names are stripped. ``max_rows``: a file with
    more data rows is refused before they are spent in memory — a CSV is read no further
    than the first row over the limit, an XLSX's rows are counted in its XML before it is
    parsed, a Parquet file's from its footer."""
    p = Path(path)
    if not p.exists():
        raise InputError("文件不存在", file=str(p))
    suffix = p.suffix.lower()
    try:
        if suffix == ".csv":
            df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding=detect_encoding(p),
                             nrows=None if max_rows is None else max_rows + 1)
            if max_rows is not None and len(df) > max_rows:
                raise InputError(row_limit_message(max_rows), file=p.name)
        elif suffix in (".xlsx", ".xlsm"):
            check_xlsx(p, max_unzipped_mb, max_rows=max_rows)
            df = pd.read_excel(p, sheet_name=sheet or 0, dtype=str, keep_default_na=False,
                               engine="openpyxl")
        elif suffix == ".parquet":
            if max_rows is not None:
                import pyarrow.parquet as pq

                rows = pq.ParquetFile(p).metadata.num_rows
                if rows > max_rows:
                    raise InputError(row_limit_message(max_rows, rows), file=p.name)
            df = pd.read_parquet(p).astype(str).replace({"None": "", "nan": "", "<NA>": ""})
        else:
            raise InputError(f"不支持的文件类型 {suffix}（支持 CSV、XLSX、Parquet）", file=str(p))
    except InputError:
        raise
    except ValueError as exc:
        raise InputError(f"无法读取：{exc}", file=str(p)) from None
    except Exception as exc:  # parser errors of any engine
        raise InputError(f"无法读取：{exc}", file=str(p)) from None
    df.columns = [str(c).strip() for c in df.columns]
    return df


def require_columns(df: pd.DataFrame, columns: list[str], file: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(f"缺少列 {', '.join(missing)}（现有列：{', '.join(df.columns)}）",
                         file=file)


# OWASP CSV injection: text a spreadsheet would run (formula, DDE) starts with one of these.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?%?")


def safe_cell(value: Any) -> Any:
    """A text value a spreadsheet would run as a formula gets a leading ``'`` (OWASP);
    numbers, text that is only a signed number and a lone sign (a placeholder) are left as
    they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and value not in ("-", "+") \
            and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_column(values: Any) -> pd.Series:
    """A column of values through :func:`safe_cell`, vectorised: only cells that start like a
    formula are looked at one by one (fast on a million rows)."""
    s = pd.Series(values, dtype=object)
    risky = s.astype(str).str.match(r"[=+\-@\t\r]")
    if risky.any():
        s = s.where(~risky, s[risky].map(safe_cell))
    return s


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its text cells and column names passed through :func:`safe_cell`; ``df``
    itself (no copy) when nothing needs changing."""
    columns = [safe_cell(c) for c in df.columns]
    changed: dict[int, pd.Series] = {}
    for col in range(df.shape[1]):
        series = df.iloc[:, col]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            safe = safe_column(series.to_numpy())
            if not safe.equals(pd.Series(series.to_numpy(), dtype=object)):
                changed[col] = safe
    if not changed and columns == list(df.columns):
        return df
    out = df.copy()
    out.columns = columns
    for col, safe in changed.items():
        out.isetitem(col, safe.to_numpy())
    return out


def append_values(ws: Any, values: Sequence[Any]) -> None:
    """``ws.append`` (openpyxl) with every cell a value: plan and user text starting with "="
    would otherwise be stored as a formula."""
    from openpyxl.cell import Cell

    cells = []
    for v in values:
        cell = Cell(ws)
        set_value(cell, v)
        cells.append(cell)
    ws.append(cells)


def set_value(cell: Any, value: Any) -> None:
    """Put ``value`` into an openpyxl cell as a value: text neutralised (:func:`safe_cell`)
    and typed as a string, so that it is never stored as a formula."""
    if value is not None and not isinstance(value, str) and hasattr(value, "item"):
        value = value.item()  # numpy scalars
    if value is not None and not isinstance(value, str) and pd.isna(value):
        value = None
    cell.value = safe_cell(value)
    if isinstance(cell.value, str):
        cell.data_type = "s"  # never 'f', whatever the text starts with


def write_workbook(sheets: Mapping[str, pd.DataFrame], path: Path | str) -> Path:
    """Write several frames as the sheets of one XLSX, every cell a value (text neutralised
    and typed as a string); the safe counterpart of ``pandas.ExcelWriter``."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    for name, df in sheets.items():
        ws = wb.create_sheet(name)

        def cell(value: Any, ws: Any = ws) -> WriteOnlyCell:
            c = WriteOnlyCell(ws)
            set_value(c, value)
            return c

        ws.append([cell(str(c)) for c in df.columns])
        for row in df.itertuples(index=False, name=None):
            ws.append([cell(v) for v in row])
    wb.save(p)
    return p


def write_xlsx(df: pd.DataFrame, path: Path, sheet: str = "Sheet1") -> None:
    """Write ``df`` to a one-sheet XLSX in which every cell is a value."""
    write_workbook({sheet: df}, path)


def write_table(df: pd.DataFrame, path: Path | str, sheet: str = "Sheet1") -> Path:
    """Write CSV (plain UTF-8, machine-readable contracts), XLSX or Parquet by suffix. CSV
    and XLSX text is neutralised (:func:`safe_cell`); XLSX cells are values, never
    formulas."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    suffix = p.suffix.lower()
    if suffix == ".csv":
        neutralise(df).to_csv(p, index=False, encoding="utf-8")
    elif suffix == ".xlsx":
        write_xlsx(df, p, sheet)
    elif suffix == ".parquet":
        df.to_parquet(p, index=False)
    else:
        raise InputError(f"不支持的输出文件类型 {suffix}", file=str(p))
    return p
