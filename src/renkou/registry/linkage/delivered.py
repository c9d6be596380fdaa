"""Chosen records of a delivered CSV, read in one pass over its bytes that also computes its
SHA-256 (to know it is the file the ingest read).

Parsing every record of a file to keep a few of them is most of the cost of reading
quarantined rows back (≈ 9 GB of CSV at 14 million persons). A record is one line when the
file's line breaks account for its records exactly (the ingest's loader counted them): then
the wanted lines are found by their line breaks and only they are parsed. A file with
quoted line breaks or blank lines gives None, and the caller parses it whole with the
ingest's loader."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from renkou.registry.loader import csv_encoding

CHUNK = 64 << 20


@dataclass
class Chosen:
    """The file's SHA-256, its header (names stripped) and the chosen records' fields."""

    digest: str
    header: list[str]
    records: dict[int, list[str]]  # record number (header = 1) → fields, spaces trimmed


def _fields(line: bytes, encoding: str) -> list[str]:
    text = line.rstrip(b"\r").decode(encoding, errors="replace")
    return [f.strip(" ") for f in next(csv.reader([text]), [])]


def chosen_records(path: Path, row_nos: np.ndarray, records: int) -> Chosen | None:
    """The records ``row_nos`` (spreadsheet numbering: header = 1, sorted) of the CSV at
    ``path``, which the ingest read as ``records`` records; None when its lines are not its
    records (see the module's note)."""
    want = np.unique(np.asarray(row_nos, dtype=np.int64) - 1)  # 0-based line index
    encoding = csv_encoding(path)
    digest = hashlib.sha256()
    lines: dict[int, bytes] = {}
    header = b""
    carry = b""
    seen = 0  # line breaks before the current chunk
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            breaks = np.flatnonzero(np.frombuffer(chunk, np.uint8) == 10)
            n = len(breaks)
            if seen == 0 and n:
                header = carry + chunk[:breaks[0]]
            lo, hi = np.searchsorted(want, [seen, seen + n])
            for line in want[lo:hi].tolist():
                k = line - seen
                start = int(breaks[k - 1]) + 1 if k else 0
                lines[line] = (carry if k == 0 else b"") + chunk[start:int(breaks[k])]
            carry = chunk[int(breaks[-1]) + 1:] if n else carry + chunk
            seen += n
    total = seen + (1 if carry else 0)
    if carry and seen in set(want.tolist()):
        lines[seen] = carry
    if seen == 0:
        header = carry
    if total - 1 != records or len(lines) != len(want):
        return None
    head = [h.strip().lstrip("\ufeff").strip() for h in _fields(header, encoding)]
    return Chosen(digest.hexdigest(), head,
                  {line + 1: _fields(b, encoding) for line, b in lines.items()})
