"""An append-only, hash-chained audit log in the store's ``app_audit`` table.

Each entry carries the SHA-256 of the previous entry and of its own fields, and the last
entry's number and hash are kept apart in ``app_audit_head``: an edited entry breaks its own
hash, a deleted one breaks the numbering or the next entry's link, and a deleted last entry
no longer matches the head."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import pandas as pd

from renkou.errors import StoreError
from renkou.registry import Registry

TABLE = "audit"
HEAD = "audit_head"
GENESIS = "0" * 64

FIELDS = ("seq", "at", "actor", "role", "action", "target", "outcome", "detail", "client",
          "prev")


@dataclass(frozen=True)
class Entry:
    seq: int
    at: str  # UTC, ISO 8601
    actor: str
    role: str
    action: str
    target: str
    outcome: str
    detail: str  # JSON object
    client: str
    prev: str
    hash: str


def entry_hash(values: dict[str, object]) -> str:
    text = json.dumps([values[f] for f in FIELDS], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read(registry: Registry, name: str) -> pd.DataFrame | None:
    try:
        return registry.read_table(name)
    except StoreError:
        return None


def head(registry: Registry) -> tuple[int, str]:
    df = _read(registry, HEAD)
    if df is None or df.empty:
        return 0, GENESIS
    return int(df["seq"].iloc[0]), str(df["hash"].iloc[0])


def append(registry: Registry, *, actor: str, role: str, action: str, target: str = "",
           outcome: str = "ok", detail: dict[str, object] | None = None, client: str = "",
           at: dt.datetime | None = None) -> Entry:
    """Add one entry after the current head (the caller holds the store's one writer)."""
    seq, prev = head(registry)
    values: dict[str, object] = {
        "seq": seq + 1,
        "at": (at or dt.datetime.now(dt.UTC)).isoformat(timespec="milliseconds"),
        "actor": actor, "role": role, "action": action, "target": target,
        "outcome": outcome,
        "detail": json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
        "client": client, "prev": prev}
    digest = entry_hash(values)
    row = pd.DataFrame([{**values, "hash": digest}]).astype({"seq": "int64"})
    registry.write_table(TABLE, row)
    registry.write_table(HEAD, pd.DataFrame({"seq": [seq + 1], "hash": [digest]}),
                         mode="replace")
    return Entry(**{**values, "hash": digest})  # type: ignore[arg-type]


def entries(registry: Registry) -> list[Entry]:
    df = _read(registry, TABLE)
    if df is None:
        return []
    records: list[dict[Any, Any]] = df.sort_values("seq").to_dict("records")
    return [Entry(seq=int(r["seq"]), **{f: str(r[f]) for f in FIELDS if f != "seq"},
                  hash=str(r["hash"])) for r in records]


@dataclass(frozen=True)
class Verdict:
    ok: bool
    entries: int
    problems: tuple[str, ...]


def verify(registry: Registry) -> Verdict:
    """Walk the chain from the first entry; every break is named by entry number."""
    rows = entries(registry)
    problems: list[str] = []
    prev = GENESIS
    for expected, e in enumerate(rows, start=1):
        if e.seq != expected:
            problems.append(f"第 {expected} 条缺失或顺序被改动（实际序号 {e.seq}）")
            break
        if e.prev != prev:
            problems.append(f"第 {e.seq} 条与前一条的链接不符（前一条被删除或改动）")
        values = {f: getattr(e, f) for f in FIELDS}
        if entry_hash(values) != e.hash:
            problems.append(f"第 {e.seq} 条内容与其哈希不符（被改动）")
        prev = e.hash
    seq, digest = head(registry)
    last = rows[-1] if rows else None
    if (last.seq if last else 0) != seq or (last.hash if last else GENESIS) != digest:
        problems.append(f"日志末尾与记录的链头不符（链头为第 {seq} 条：末尾条目被删除或改动）")
    return Verdict(ok=not problems, entries=len(rows), problems=tuple(problems))
