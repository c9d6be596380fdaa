"""The audit log of a store, for the CLI and the web application."""

from __future__ import annotations

from pathlib import Path

from renkou.app.stores import registry_at
from renkou.audit import log
from renkou.audit.log import Entry, Verdict
from renkou.registry import Registry


def record(registry: Registry, *, actor: str, role: str, action: str, target: str = "",
           outcome: str = "ok", detail: dict[str, object] | None = None,
           client: str = "") -> Entry:
    """One audit entry on a store opened for writing."""
    return log.append(registry, actor=actor, role=role, action=action, target=target,
                      outcome=outcome, detail=detail, client=client)


def record_at(db: Path, **fields: object) -> Entry:
    """One audit entry in the store ``db`` (opened for writing for the entry)."""
    with registry_at(db, read_only=False) as registry:
        return record(registry, **fields)  # type: ignore[arg-type]


def verify_store(db: Path) -> Verdict:
    with registry_at(db) as registry:
        return log.verify(registry)


def read_entries(db: Path) -> list[Entry]:
    """Every entry, newest first."""
    with registry_at(db) as registry:
        return list(reversed(log.entries(registry)))
