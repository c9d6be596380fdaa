"""The account form's choices: the roles as renkou.auth.roles grants them, with what each
scope allows in Chinese; the departments and districts an account of the store's
jurisdiction may be bound to, each accepted when an account is added."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from renkou.api.app import create_app
from renkou.app.accounts import SCOPE_ZH
from renkou.auth.roles import ROLE_LABELS, SCOPES, UNSUPPRESSED, Role, Scope
from renkou.jurisdictions import get_jurisdiction
from renkou.settings import Settings


def test_every_scope_says_what_it_allows() -> None:
    assert set(SCOPE_ZH) == set(Scope) and all(SCOPE_ZH.values())


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory,
           tokens_for: Callable[[TestClient, Path], dict[str, str]]
           ) -> Iterator[tuple[TestClient, dict[str, str]]]:
    from renkou.registry.synth import build_demo_store

    db = tmp_path_factory.mktemp("users") / "store.duckdb"
    build_demo_store(db, 500, 4)
    with TestClient(create_app(Settings(env="test", db_path=db))) as client:
        yield client, tokens_for(client, db)


def _choices(client: TestClient, token: str) -> Any:
    r = client.get("/api/users/choices", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    return r.json()


def test_roles_departments_and_districts(served: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = served
    c = _choices(client, tokens["admin"])
    assert [r["role"] for r in c["roles"]] == [r.value for r in Role]
    for r in c["roles"]:
        role = Role(r["role"])
        assert r["label"] == ROLE_LABELS[role]
        assert {s["scope"] for s in r["scopes"]} == {s.value for s in SCOPES[role]}
        assert all(s["label"] == SCOPE_ZH[Scope(s["scope"])] for s in r["scopes"])
        assert r["suppressed"] == (role not in UNSUPPRESSED)
        assert bool(r["binding"]) == (role in (Role.department, Role.district))
    j = get_jurisdiction("tianjin")
    assert [(d["code"], d["name"]) for d in c["districts"]] == [(a.code, a.name)
                                                               for a in j.areas]
    depts = {d["code"]: d for d in c["departments"]}
    assert depts["wjw"]["name"] == "市卫生健康委" and depts["wjw"]["feeds"]
    assert "fgw" in depts and not depts["fgw"]["feeds"]  # the plan's lead department
    assert not any("各区" in d["name"] or "各有关" in d["name"] for d in c["departments"])
    assert not any(code.startswith("cq-") for code in depts)  # another city's departments
    # What the form offers is what adding an account accepts.
    h = {"Authorization": f"Bearer {tokens['admin']}"}
    dept = next(d["code"] for d in c["departments"] if d["code"].startswith("xq-"))
    added = client.post("/api/users", headers=h, json={
        "username": "form-dept", "role": "department", "password": "Bu-Men#2026q",
        "department": dept})
    assert added.status_code == 201, added.text
    district = c["districts"][-1]["code"]
    added = client.post("/api/users", headers=h, json={
        "username": "form-district", "role": "district", "password": "Qu-Ji-Zhang#2026q",
        "district": district})
    assert added.status_code == 201 and added.json()["district"] == district
    for role in ("planner", "district", "auditor"):
        r = client.get("/api/users/choices",
                       headers={"Authorization": f"Bearer {tokens[role]}"})
        assert r.status_code == 403
