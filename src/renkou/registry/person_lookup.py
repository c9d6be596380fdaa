"""Person-level look-up (个人信息查询) for the few roles allowed it: one person by ID number,
found through the keyed pseudonym (the number itself is never stored or searched in clear),
with the masked number, sex, birth date, current hukou and residence places and death date.
Unmasking decrypts the identity of a person found before, by the pseudonym it was given."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from renkou.errors import ConfigError, NotFoundError
from renkou.registry.crypto import PSEUDONYM_HEX, Keys, decrypt, pseudonym
from renkou.registry.keyring import store_keys
from renkou.registry.store import Store
from renkou.settings import Settings


@dataclass(frozen=True)
class Place:
    code: str
    since: dt.date


@dataclass(frozen=True)
class PersonRecord:
    """What a look-up shows of one person: never the number or the name in clear."""

    ref: str  # the keyed pseudonym, the handle for an audited unmask
    id_masked: str
    sex: str
    birth_date: dt.date
    death_date: dt.date | None
    hukou: Place | None
    residence: Place | None


@dataclass(frozen=True, repr=False)
class Identity:
    """The clear identity of a person (admin unmask only)."""

    ref: str
    id_number: str
    name: str


def _keys(store: Store, settings: Settings | None) -> Keys:
    keys = store_keys(store, settings)
    if keys is None:
        raise ConfigError("未配置该库的密钥，无法按身份证号码查询")
    return keys


def _latest(store: Store, table: str, pid: int, as_of: dt.date) -> Place | None:
    row = store.rows(f"SELECT street, start_date FROM {table} WHERE pid = ? "
                     "AND start_date <= ? ORDER BY start_date DESC LIMIT 1", [pid, as_of])
    if not row or row[0][0] is None:
        return None
    return Place(code=str(row[0][0]), since=row[0][1])


def find_person(store: Store, id_number: str, *, settings: Settings | None = None,
                as_of: dt.date | None = None) -> PersonRecord:
    """The person with ``id_number`` (NotFoundError when the store holds nobody with it)."""
    ref = pseudonym(id_number, _keys(store, settings))
    row = store.rows("SELECT pid, id_masked, sex, birth_date FROM identity WHERE pseudonym = ?",
                     [ref])
    if not row:
        raise NotFoundError("库中没有该身份证号码的人员")
    pid, masked, sex, birth = row[0]
    death = store.scalar("SELECT death_date FROM deaths WHERE pid = ?", [pid]) \
        if store.table_exists("deaths") else None
    when = as_of or dt.date(9999, 12, 30)
    hukou = _latest(store, "hukou_spells", pid, when) \
        if store.table_exists("hukou_spells") else None
    residence = _latest(store, "residence_spells", pid, when) \
        if store.table_exists("residence_spells") else None
    return PersonRecord(ref=ref, id_masked=str(masked), sex=str(sex), birth_date=birth,
                        death_date=death if isinstance(death, dt.date) else None,
                        hukou=hukou, residence=residence)


def unmask(store: Store, ref: str, *, settings: Settings | None = None) -> Identity:
    """The clear ID number and name of the person with pseudonym ``ref``."""
    if len(ref) != PSEUDONYM_HEX or any(c not in "0123456789abcdef" for c in ref):
        raise NotFoundError("人员标识无效")
    keys = _keys(store, settings)
    row = store.rows("SELECT pii_enc FROM identity WHERE pseudonym = ?", [ref])
    if not row:
        raise NotFoundError("库中没有该人员")
    number, _, name = decrypt(bytes(row[0][0]), keys).partition("\t")
    return Identity(ref=ref, id_number=number, name=name)
