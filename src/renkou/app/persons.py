"""Person-level look-up and unmasking (个人信息查询与脱敏还原) for the roles allowed them:
each read goes into the audit log with the stated purpose and the masked number only, the
refused and unsuccessful ones included."""

from __future__ import annotations

from pathlib import Path

from renkou import ids
from renkou.app.audit import record_at
from renkou.app.stores import registry_at
from renkou.errors import InputError, RenkouError
from renkou.registry.person_lookup import Identity, PersonRecord, find_person, unmask
from renkou.settings import Settings

MIN_PURPOSE = 4  # characters of a stated purpose (查询事由)


def _purpose(text: str) -> str:
    purpose = text.strip()
    if len(purpose) < MIN_PURPOSE:
        raise InputError(f"请说明查询事由（不少于{MIN_PURPOSE}个字）", column="purpose")
    return purpose


def lookup(db: Path, settings: Settings, id_number: str, purpose: str, *,
           actor: str, role: str, client: str = "") -> PersonRecord:
    """Find the person, then audit the read as ``person.read`` (outcome ``not_found`` when nobody
    has the number). The store is opened for reading, then for the audit entry: the caller
    serialises the two (one writer)."""
    why = _purpose(purpose)
    number = id_number.strip().upper()
    masked = ids.mask(number)
    found: PersonRecord | None = None
    error: RenkouError | None = None
    try:
        with registry_at(db) as registry:
            found = find_person(registry.store, number, settings=settings)
    except RenkouError as exc:
        error = exc
    record_at(db, actor=actor, role=role, action="person.read", target=masked,
              outcome="ok" if found else "not_found", detail={"purpose": why}, client=client)
    if error is not None:
        raise error
    assert found is not None
    return found


def reveal(db: Path, settings: Settings, ref: str, purpose: str, *, actor: str, role: str,
           client: str = "") -> Identity:
    """The clear identity of the person ``ref`` (a look-up's handle), audited as
    ``person.unmask`` with the masked number."""
    why = _purpose(purpose)
    found: Identity | None = None
    error: RenkouError | None = None
    try:
        with registry_at(db) as registry:
            found = unmask(registry.store, ref.strip().lower(), settings=settings)
    except RenkouError as exc:
        error = exc
    record_at(db, actor=actor, role=role, action="person.unmask",
              target=ids.mask(found.id_number) if found else ref[:32],
              outcome="ok" if found else "not_found", detail={"purpose": why}, client=client)
    if error is not None:
        raise error
    assert found is not None
    return found
