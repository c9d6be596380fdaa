"""Loading delivered files into staging tables (数据装载).

CSV in UTF-8 is read by DuckDB's own ``read_csv`` and Parquet by ``read_parquet``; GB18030
CSV is transcoded to UTF-8 in a streaming pass first and XLSX goes through pandas (DuckDB
reads neither natively without extensions). Every value arrives as trimmed text, '' for
empty, with the spreadsheet row number (header = row 1) kept for the quarantine report."""

from __future__ import annotations

import codecs
import hashlib
import tempfile
from pathlib import Path

from renkou.errors import InputError
from renkou.registry.store import Store
from renkou.registry.validate import q
from renkou.tables import read_table

_SNIFF_BYTES = 1 << 16
_CHUNK = 1 << 24


def file_hash(path: Path) -> str:
    """SHA-256 of the file's bytes: the identity of a delivery for idempotent re-ingest."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def csv_encoding(path: Path) -> str:
    """'utf-8' or 'gb18030', decided on the first 64 KiB (the Chinese header decides)."""
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _transcode(path: Path, workdir: Path) -> Path:
    out = workdir / (path.stem + ".utf8.csv")
    dec = codecs.getincrementaldecoder("gb18030")(errors="strict")
    try:
        with path.open("rb") as src, out.open("w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(_CHUNK):
                dst.write(dec.decode(chunk))
            dst.write(dec.decode(b"", final=True))
    except UnicodeDecodeError as exc:
        raise InputError(f"无法识别文件编码（既不是UTF-8也不是GB18030）：{exc}",
                         file=path.name) from None
    return out


def load_raw(store: Store, path: Path, table: str) -> list[str]:
    """Create temp table ``table`` with the file's columns as delivered (plus ``_row``, the
    0-based data row in file order). Returns the delivered column names."""
    suffix = path.suffix.lower()
    with tempfile.TemporaryDirectory(prefix="renkou-ingest-") as tmp:
        if suffix == ".csv":
            src = path if csv_encoding(path) == "utf-8" else _transcode(path, Path(tmp))
            # all_varchar: validation reports bad values instead of the reader guessing types.
            store.execute(
                f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM read_csv(?, "
                "header = true, all_varchar = true, delim = ',', quote = '\"', "
                "escape = '\"', null_padding = true)", [str(src)])
        elif suffix == ".parquet":
            store.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM read_parquet(?)",
                          [str(path)])
        elif suffix == ".xlsx":
            df = read_table(path)
            # Date-formatted cells arrive as 'YYYY-MM-DD 00:00:00'; the feeds want the date.
            for col in df.columns:
                df[col] = df[col].str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", r"\1",
                                              regex=True)
            store.register("_xlsx_frame", df)
            try:
                store.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM _xlsx_frame")
            finally:
                store.unregister("_xlsx_frame")
        else:
            raise InputError(f"不支持的文件类型 {suffix}", file=path.name)
    cols = store.rows(f"SELECT column_name, column_type FROM (DESCRIBE {table})")
    return [str(c[0]).strip() for c in cols]


def as_text(col: str, dtype: str) -> str:
    """A delivered column as trimmed text ('' for empty); typed Parquet dates as ISO."""
    c = q(col)
    if dtype.startswith("TIMESTAMP") or dtype == "DATE":
        return f"coalesce(strftime({c}, '%Y-%m-%d'), '')"
    return f"coalesce(trim(CAST({c} AS VARCHAR)), '')"
