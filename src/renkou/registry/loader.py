"""Loading delivered files into staging tables (数据装载).

CSV in UTF-8 is read by DuckDB's own ``read_csv`` and Parquet by ``read_parquet``; GB18030
CSV is transcoded to UTF-8 in a streaming pass first and XLSX goes through pandas (DuckDB
reads neither natively without extensions), after its zip members are checked against the
limits. Transcoded copies are written only into the ingest's private directory inside the
store's folder (see :meth:`renkou.registry.store.Store.private_dir`), never ``$TMPDIR``.

An undecodable byte spoils its row, not the file: a file DuckDB refuses as invalid UTF-8 (or
a GB18030 file with invalid bytes) is decoded with replacement characters, and its rows
holding one are quarantined as ``bad_encoding`` (:data:`BAD_ENCODING`). This fallback costs
only the files that need it; valid UTF-8, the bulk of a delivery, goes straight to DuckDB.

The ingest loads into its scratch database, not the store (see :mod:`renkou.registry.store`).
Every value arrives as trimmed text, '' for empty, with the spreadsheet row number (header =
row 1) kept for the quarantine report."""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from renkou.errors import InputError, StoreError
from renkou.registry.store import Connection
from renkou.registry.validate import q
from renkou.tables import (
    XLSX_MAX_TEXT_BYTES,
    XLSX_MAX_UNZIPPED_MB,
    check_xlsx,
    read_table,
    row_limit_message,
)

_SNIFF_BYTES = 1 << 16
_CHUNK = 1 << 24
REPLACEMENT = "\ufffd"


@dataclass(frozen=True)
class FileFacts:
    """What one pass over a delivered file tells: its SHA-256 (the identity of a delivery
    for idempotent re-ingest), its line breaks and whether it ends with one."""

    digest: str
    newlines: int
    ends_with_newline: bool


def file_facts(path: Path) -> FileFacts:
    h = hashlib.sha256()
    newlines, last = 0, b""
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
            newlines += chunk.count(b"\n")  # the same byte in UTF-8 and GB18030
            last = chunk[-1:]
    return FileFacts(h.hexdigest(), newlines, last == b"\n")


def file_hash(path: Path) -> str:
    """SHA-256 of the file's bytes."""
    return file_facts(path).digest


def _blank_lines(path: Path) -> int:
    """Empty lines (DuckDB skips them); a pattern across a chunk boundary may count twice,
    which only widens the tolerance of :func:`line_problem`."""
    blank, tail = 0, b""
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            both = tail + chunk
            blank += both.count(b"\n\n") + both.count(b"\n\r\n")
            tail = chunk[-2:]
    return blank


def line_problem(con: Connection, table: str, path: Path, rows: int,
                 facts: FileFacts) -> str | None:
    """A CSV whose records do not account for its line breaks lost rows without an error
    (DuckDB's reader can end silently at a quote left open): the problem, or None. Cheap
    when they agree (every well-formed file without quoted line breaks)."""
    expected = rows + 1 if facts.ends_with_newline else rows  # the header's break included
    if facts.newlines == expected or (facts.newlines == 0 and rows <= 1):
        return None
    cols = [str(c[0]) for c in con.rows(f"SELECT column_name FROM (DESCRIBE {table})")]
    inside = " + ".join(f"coalesce(sum(strlen({q(c)}) - strlen(replace({q(c)}, chr(10), ''))), 0)"
                        for c in cols) or "0"
    embedded = int(con.scalar(f"SELECT {inside} FROM {table}") or 0)
    low = expected + embedded
    if low <= facts.newlines <= low + _blank_lines(path):
        return None
    return (f"{path.name}：读到 {rows} 条记录，与文件的 {facts.newlines} 个换行不符："
            f"第 {rows + 1} 行附近可能有未闭合的引号，其后的行未能读出")


def csv_encoding(path: Path) -> str:
    """'utf-8' or 'gb18030', decided by the header line (its Chinese column names): a bad
    byte in a later row spoils that row, not the file's encoding."""
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    end = head.find(b"\n")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head if end < 0 else head[:end],
                                                       final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _decodes(path: Path, encoding: str) -> bool:
    dec = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as src:
            while chunk := src.read(_CHUNK):
                dec.decode(chunk)
            dec.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _transcode(path: Path, workdir: Path, encoding: str, errors: str) -> Path:
    out = workdir / (path.stem + ".utf8.csv")
    dec = codecs.getincrementaldecoder(encoding)(errors=errors)
    with path.open("rb") as src, out.open("w", encoding="utf-8", newline="") as dst:
        out.chmod(0o600)
        while chunk := src.read(_CHUNK):
            dst.write(dec.decode(chunk))
        dst.write(dec.decode(b"", final=True))
    return out


def repair(path: Path, workdir: Path, encoding: str) -> Prepared:
    """A UTF-8 copy of a CSV in ``encoding``; undecodable bytes are replaced (U+FFFD) and
    their rows quarantined (``repaired``)."""
    if _decodes(path, encoding):
        return Prepared(csv=_transcode(path, workdir, encoding, "strict"))
    return Prepared(csv=_transcode(path, workdir, encoding, "replace"), repaired=True)


# DuckDB's CSV options for deliveries: every value text (validation reports bad values
# instead of the reader guessing types), short rows padded with NULL.
_CSV_OPTIONS = ("header = true, all_varchar = true, delim = ',', quote = '\"', "
                "escape = '\"', null_padding = true")


@dataclass
class Prepared:
    """A delivered file made readable by DuckDB: the Python-side work of loading (a GB18030
    CSV transcoded to a UTF-8 copy, an XLSX read into a frame), which the ingest does ahead
    on a background thread while DuckDB checks the previous files. ``repaired``: undecodable
    bytes were replaced (rows holding U+FFFD are quarantined)."""

    csv: Path | None = None
    frame: pd.DataFrame | None = None
    error: InputError | None = None
    repaired: bool = False

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


def prepare(path: Path, workdir: Path, xlsx_max_mb: int = XLSX_MAX_UNZIPPED_MB,
            max_rows: int | None = None) -> Prepared:
    """Transcode a GB18030 CSV into ``workdir`` or read an XLSX (its size and rows checked
    first); a file that cannot be read gives a :class:`Prepared` holding the error (raised
    when it is loaded)."""
    try:
        if path.suffix.lower() == ".xlsx":
            check_xlsx(path, xlsx_max_mb, max_rows=max_rows)
            df = read_table(path, max_unzipped_mb=xlsx_max_mb)
            # Date-formatted cells arrive as 'YYYY-MM-DD 00:00:00'; feeds want the date.
            for col in df.columns:
                df[col] = df[col].str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", r"\1",
                                              regex=True)
            return Prepared(frame=df, repaired=_has_replacement(df))
        return repair(path, workdir, "gb18030")
    except InputError as exc:
        return Prepared(error=exc)
    except (OSError, ValueError) as exc:
        return Prepared(error=InputError(f"无法读取文件：{exc}", file=path.name))


def _has_replacement(df: pd.DataFrame) -> bool:
    return any(df[c].str.contains(REPLACEMENT, regex=False).any() for c in df.columns)


@dataclass(frozen=True)
class Loaded:
    """A loaded file's delivered column names; ``repaired`` as in :class:`Prepared`."""

    headers: list[str]
    repaired: bool = False


def load_raw(con: Connection, path: Path, table: str, workdir: Path,
             prepared: Prepared | None = None, xlsx_max_mb: int = XLSX_MAX_UNZIPPED_MB,
             max_rows: int | None = None) -> Loaded:
    """Create table ``table`` in ``con`` with the file's columns as delivered, one row per
    record in file order (``rowid`` + 2 is the spreadsheet row: header = row 1). A file
    that cannot be read raises :class:`InputError` naming the line and cause; use a
    :class:`~renkou.registry.store.Scratch` connection so that this does not abort a batch
    transaction. ``workdir``: the private directory for transcoded copies; ``prepared``:
    the result of :func:`prepare` for this file, if done ahead. ``max_rows``: the reader
    stops after the first record over the limit (a Parquet file over it is refused from its
    footer), so the table holds at most ``max_rows + 1`` rows whatever the file's size: the
    caller refuses the file when it has more than ``max_rows``."""
    suffix = path.suffix.lower()
    create = f"CREATE OR REPLACE TEMP TABLE {table} AS "
    limit = "" if max_rows is None else f" LIMIT {int(max_rows) + 1}"
    repaired = False
    try:
        if prepared is None and needs_preparing(path):
            prepared = prepare(path, workdir, xlsx_max_mb, max_rows)
        if prepared is not None and prepared.error is not None:
            raise prepared.error
        repaired = prepared is not None and prepared.repaired
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
            try:
                _read_csv(con, table, src, path.name, limit)
            except StoreError as exc:
                if src != path or "Invalid unicode" not in str(exc):
                    raise
                # The header is UTF-8 (csv_encoding): undecodable bytes spoil their rows only.
                fixed = repair(path, workdir, "utf-8")
                try:
                    _read_csv(con, table, fixed.csv or path, path.name, limit)
                finally:
                    fixed.discard()
                repaired = fixed.repaired
        elif suffix == ".parquet":
            if max_rows is not None:
                rows = int(con.scalar("SELECT coalesce(sum(num_rows), 0) FROM "
                                      "parquet_file_metadata(?)", [str(path)]))
                if rows > max_rows:
                    raise InputError(row_limit_message(max_rows, rows), file=path.name)
            con.execute(f"{create} SELECT * FROM read_parquet(?){limit}", [str(path)])
        else:
            raise InputError(f"不支持的文件类型 {suffix}", file=path.name)
    except StoreError as exc:
        raise InputError(f"无法读取文件：{read_error(str(exc))}", file=path.name) from None
    except OSError as exc:
        raise InputError(f"无法读取文件：{exc}", file=path.name) from None
    cols = con.rows(f"SELECT column_name FROM (DESCRIBE {table})")
    return Loaded([str(c[0]).strip() for c in cols], repaired)


def _read_csv(con: Connection, table: str, src: Path, name: str, limit: str = "") -> None:
    """DuckDB's parallel reader first (the fast path); on a CSV error once more in one
    sequential pass, which reads quoted line breaks the parallel reader refuses and names
    the true line of a real error (the parallel one may name a chunk boundary). A quote
    left open swallows the rest of the file into one cell: refused, naming its row."""
    create = f"CREATE OR REPLACE TEMP TABLE {table} AS "
    try:
        con.execute(f"{create} SELECT * FROM read_csv(?, {_CSV_OPTIONS}){limit}", [str(src)])
    except StoreError as exc:
        if "CSV Error" not in str(exc) or "Invalid unicode" in str(exc):
            raise
        con.execute(f"{create} SELECT * FROM read_csv(?, {_CSV_OPTIONS}, parallel = false)"
                    f"{limit}", [str(src)])
        cols = [str(c[0]) for c in con.rows(f"SELECT column_name FROM (DESCRIBE {table})")]
        longest = "greatest(" + ", ".join(f"coalesce(strlen({q(c)}), 0)" for c in cols) + ")"
        hit = con.rows(f"SELECT rowid + 2, {longest} FROM {table} "
                       f"WHERE {longest} > {XLSX_MAX_TEXT_BYTES} LIMIT 1")
        if hit:
            raise InputError(f"第 {hit[0][0]} 条记录：引号未闭合，一个单元格长达 {hit[0][1]} "
                             "字节（吞并了其后的行）", file=name) from None


_CAUSES = (
    (re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)"), "列数应为 {0}，实际为 {1}"),
    (re.compile(r"Invalid unicode"), "含有无法解码的字节"),
    (re.compile(r"unterminated quote", re.I), "引号未闭合"),
    (re.compile(r"Maximum line size of (\d+)"), "行长度超过 {0} 字节"),
    (re.compile(r"quote", re.I), "引号使用错误"),
)


def read_error(message: str) -> str:
    """DuckDB's read error as line and cause, in Chinese; the offending line itself (which
    may hold personal data) is never repeated."""
    text = message.removeprefix("数据库语句失败：")
    line = re.search(r"CSV Error on Line: (\d+)", text)
    where = f"第 {line.group(1)} 行：" if line else ""
    for pattern, zh in _CAUSES:
        m = pattern.search(text)
        if m:
            return where + zh.format(*m.groups())
    first = text.splitlines()[0] if text else ""
    return where + ("格式错误" if line else first)


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
