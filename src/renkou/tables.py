"""Reading and writing the tables people hand over (表格读写): CSV in UTF-8 or GB18030,
XLSX, Parquet. Everything is read as text so that callers validate values themselves and can
report the exact row and column of a problem."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from renkou.errors import InputError

TABLE_SUFFIXES = (".csv", ".xlsx", ".parquet")

# The header row is row 1 in a spreadsheet, so data row i (0-based) is row i + 2.
HEADER_ROWS = 1


def sheet_row(index: int) -> int:
    """Spreadsheet-style row number of the 0-based data row ``index``."""
    return index + HEADER_ROWS + 1


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the bytes decode, otherwise GB18030."""
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        try:
            raw.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise InputError(f"无法识别文件编码（既不是UTF-8也不是GB18030）：{exc}",
                             file=str(path)) from None
        return "gb18030"


def read_table(path: Path | str, sheet: str | None = None) -> pd.DataFrame:
    """Read a CSV, XLSX (one sheet) or Parquet file with every column as text.

    Empty cells become empty strings; column names are stripped."""
    p = Path(path)
    if not p.exists():
        raise InputError("文件不存在", file=str(p))
    suffix = p.suffix.lower()
    try:
        if suffix == ".csv":
            df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding=detect_encoding(p))
        elif suffix in (".xlsx", ".xlsm"):
            df = pd.read_excel(p, sheet_name=sheet or 0, dtype=str, keep_default_na=False,
                               engine="openpyxl")
        elif suffix == ".parquet":
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


def write_table(df: pd.DataFrame, path: Path | str, sheet: str = "Sheet1") -> Path:
    """Write CSV (plain UTF-8, machine-readable contracts), XLSX or Parquet by suffix."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    suffix = p.suffix.lower()
    if suffix == ".csv":
        df.to_csv(p, index=False, encoding="utf-8")
    elif suffix == ".xlsx":
        df.to_excel(p, index=False, sheet_name=sheet, engine="openpyxl")
    elif suffix == ".parquet":
        df.to_parquet(p, index=False)
    else:
        raise InputError(f"不支持的输出文件类型 {suffix}", file=str(p))
    return p
