"""Person-level look-up: admin and statistician only, a stated purpose, the ID number masked,
every read (found or not) audited; the clear number only through an admin's audited unmask."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from renkou import ids
from renkou.app.audit import read_entries
from renkou.app.stores import registry_at
from renkou.registry.crypto import decrypt
from renkou.registry.keyring import store_keys

Served = tuple[TestClient, dict[str, str], Path]
MASKED = re.compile(r"^\d{6}\*{8}\d{3}[\dX]$")


@pytest.fixture(scope="module")
def someone(city: Served) -> tuple[str, str]:
    """The ID number and name of a person in the store."""
    with registry_at(city[2]) as reg:
        keys = store_keys(reg.store)
        assert keys is not None
        blob = reg.store.rows("SELECT pii_enc FROM identity ORDER BY pid LIMIT 1")[0][0]
    number, _, name = decrypt(bytes(blob), keys).partition("\t")
    return number, name


def _as(tokens: dict[str, str], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"}


def test_lookup_masks_the_number_and_audits_the_read(city: Served,
                                                     someone: tuple[str, str]) -> None:
    client, tokens, db = city
    number, name = someone
    r = client.post("/api/persons/lookup", json={"id_number": number,
                                                 "purpose": "核实户籍迁移材料"},
                    headers=_as(tokens, "statistician"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id_masked"] == ids.mask(number) and MASKED.match(body["id_masked"])
    assert number not in r.text and name not in r.text
    assert body["birth_date"] == ids.parse(number).birth_date.isoformat()
    entry = read_entries(db)[0]
    assert (entry.action, entry.actor, entry.target, entry.outcome) == (
        "person.read", "demo-statistician", ids.mask(number), "ok")
    assert "核实户籍迁移材料" in entry.detail and number not in entry.detail


def test_lookup_needs_a_purpose_and_the_role(city: Served, someone: tuple[str, str]) -> None:
    client, tokens, db = city
    number = someone[0]
    r = client.post("/api/persons/lookup", json={"id_number": number, "purpose": "查"},
                    headers=_as(tokens, "admin"))
    assert r.status_code == 422 and "事由" in r.json()["message"]
    for role in ("planner", "district", "department", "auditor"):
        r = client.post("/api/persons/lookup", json={"id_number": number,
                                                     "purpose": "核实户籍迁移材料"},
                        headers=_as(tokens, role))
        assert r.status_code == 403, role
    unknown = client.post("/api/persons/lookup", json={"id_number": "11010519491231002X",
                                                       "purpose": "核实户籍迁移材料"},
                          headers=_as(tokens, "admin"))
    assert unknown.status_code == 404
    entry = read_entries(db)[0]
    assert (entry.action, entry.outcome, entry.target) == (
        "person.read", "not_found", "110105********002X")


def test_unmask_is_for_admin_only_and_audited(city: Served, someone: tuple[str, str]) -> None:
    client, tokens, db = city
    number, name = someone
    ref = client.post("/api/persons/lookup", json={"id_number": number,
                                                   "purpose": "核实户籍迁移材料"},
                      headers=_as(tokens, "admin")).json()["ref"]
    refused = client.post("/api/persons/unmask", json={"ref": ref, "purpose": "出具证明材料"},
                          headers=_as(tokens, "statistician"))
    assert refused.status_code == 403 and number not in refused.text
    r = client.post("/api/persons/unmask", json={"ref": ref, "purpose": "出具证明材料"},
                    headers=_as(tokens, "admin"))
    assert r.status_code == 200 and r.json() == {"ref": ref, "id_number": number, "name": name}
    entry = read_entries(db)[0]
    assert (entry.action, entry.actor, entry.target) == (
        "person.unmask", "demo-admin", ids.mask(number))
    assert number not in entry.detail and name not in entry.detail
