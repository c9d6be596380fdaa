"""Loading delivered files into staging tables (数据装载).

CSV in UTF-8 is read by DuckDB's own ``read_csv`` and Parquet by ``read_parquet``; GB18030
CSV is transcoded to UTF-8 in a streaming pass first and XLSX goes through pandas (DuckDB
reads neither natively without extensions). The ingest loads into its scratch database, not
the store (see :mod:`renkou.registry.store`). Every value arrives as trimmed text, '' for
empty, with the spreadsheet row number (header = row 1) kept for the quarantine report."""

from __future__ import annotations

import codecs
import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from renkou.errors import InputError, StoreError
from renkou.registry.store import Connection
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


# DuckDB's CSV options for deliveries: every value text (validation reports bad values
# instead of the reader guessing types), short rows padded with NULL.
_CSV_OPTIONS = ("header = true, all_varchar = true, delim = ',', quote = '\"', "
                "escape = '\"', null_padding = true")


@dataclass
class Prepared:
    """A delivered file made readable by DuckDB: the Python-side work of loading (a GB18030
    CSV transcoded to a UTF-8 copy, an XLSX read into a frame), which the ingest does ahead
    on a background thread while DuckDB checks the previous files."""

    csv: Path | None = None
    frame: pd.DataFrame | None = None
    error: InputError | None = None

    def discard(self) -> None:
        """Delete the transcoded copy (if any)."""
        if self.csv is not None:
            self.csv.unlink(missing_ok=True)


def needs_preparing(path: Path) -> bool:
    """True for the files DuckDB cannot read as delivered (GB18030 CSV, XLSX)."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return True
    try:
        return suffix == ".csv" and path.stat().st_size > 0 and csv_encoding(path) != "utf-8"
    except OSError:
        return False  # reported when the file is loaded


def prepare(path: Path, workdir: Path) -> Prepared:
    """Transcode a GB18030 CSV into ``workdir`` or read an XLSX; a file that cannot be
    read gives a :class:`Prepared` holding the error (raised when it is loaded)."""
    try:
        if path.suffix.lower() == ".xlsx":
            df = read_table(path)
            # Date-formatted cells arrive as 'YYYY-MM-DD 00:00:00'; feeds want the date.
            for col in df.columns:
                df[col] = df[col].str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", r"\1",
                                              regex=True)
            return Prepared(frame=df)
        return Prepared(csv=_transcode(path, workdir))
    except InputError as exc:
        return Prepared(error=exc)
    except (OSError, ValueError) as exc:
        return Prepared(error=InputError(f"无法读取文件：{exc}", file=path.name))


def load_raw(con: Connection, path: Path, table: str,
             prepared: Prepared | None = None) -> list[str]:
    """Create table ``table`` in ``con`` with the file's columns as delivered, one row per
    record in file order (``rowid`` + 2 is the spreadsheet row: header = row 1). Returns the
    delivered column names. A file that cannot be read raises :class:`InputError`; use a
    :class:`~renkou.registry.store.Scratch` connection so that this does not abort a batch
    transaction. ``prepared``: the result of :func:`prepare` for this file, if done ahead."""
    suffix = path.suffix.lower()
    create = f"CREATE OR REPLACE TEMP TABLE {table} AS "
    try:
        with tempfile.TemporaryDirectory(prefix="renkou-ingest-") as tmp:
            if prepared is None and needs_preparing(path):
                prepared = prepare(path, Path(tmp))
            if prepared is not None and prepared.error is not None:
                raise prepared.error
            if prepared is not None and prepared.frame is not None:
                con.register("_xlsx_frame", prepared.frame)
                try:
                    con.execute(f"{create} SELECT * FROM _xlsx_frame")
                finally:
                    con.unregister("_xlsx_frame")
            elif suffix == ".csv":
                if path.stat().st_size == 0:
                    raise InputError("文件为空", file=path.name)
                src = prepared.csv if prepared is not None and prepared.csv else path
                con.execute(f"{create} SELECT * FROM read_csv(?, {_CSV_OPTIONS})", [str(src)])
            elif suffix == ".parquet":
                con.execute(f"{create} SELECT * FROM read_parquet(?)", [str(path)])
            else:
                raise InputError(f"不支持的文件类型 {suffix}", file=path.name)
    except StoreError as exc:
        raise InputError(f"无法读取文件：{_first_line(str(exc))}", file=path.name) from None
    except OSError as exc:
        raise InputError(f"无法读取文件：{exc}", file=path.name) from None
    cols = con.rows(f"SELECT column_name FROM (DESCRIBE {table})")
    return [str(c[0]).strip() for c in cols]


def _first_line(message: str) -> str:
    return message.removeprefix("数据库语句失败：").splitlines()[0]


def as_text(col: str, dtype: str) -> str:
    """A delivered column as trimmed text ('' for empty); typed Parquet dates as ISO."""
    c = q(col)
    if dtype.startswith("TIMESTAMP") or dtype == "DATE":
        return f"coalesce(strftime({c}, '%Y-%m-%d'), '')"
    v = c if dtype == "VARCHAR" else f"CAST({c} AS VARCHAR)"
    # DuckDB's trim() strips spaces only; most cells have none, and testing the two ends
    # is far cheaper than trim() itself, which copies every string (≈ 15 % of staging).
    return (f"coalesce(CASE WHEN prefix({v}, ' ') OR suffix({v}, ' ') THEN trim({v}) "
            f"ELSE {v} END, '')")
