"""Role × route matrix: every operation of the OpenAPI document has a row saying what each
role (and a caller without a session) gets — a route added without its row fails here. The
district account is bound to a district with a plan of its own, the department account to
one department. No answer to any role carries a valid 18-digit ID number."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from renkou import ids
from renkou.api.app import create_app
from renkou.auth.sessions import RateLimit
from renkou.settings import Settings

pytestmark = pytest.mark.slow

COLUMNS = ("anonymous", "admin", "planner", "statistician", "department", "district",
           "auditor")
ID_LIKE = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")


def _row(codes: str) -> dict[str, int]:
    values = [int(c) for c in codes.split()]
    assert len(values) == len(COLUMNS)
    return dict(zip(COLUMNS, values, strict=True))


def _load_matrix() -> dict[tuple[str, str], tuple[dict[str, Any], dict[str, int]]]:
    """(method, path template) → (request: concrete path, query, JSON body; expected statuses),
    one YAML file per router under ``role_matrix/`` so that each router's rows live apart."""
    matrix: dict[tuple[str, str], tuple[dict[str, Any], dict[str, int]]] = {}
    for file in sorted((Path(__file__).parent / "role_matrix").glob("*.yaml")):
        for entry in yaml.safe_load(file.read_text(encoding="utf-8")) or []:
            method, path = entry["route"].split(" ", 1)
            assert (method, path) not in matrix, f"{file.name}: {entry['route']} 重复"
            matrix[(method, path)] = (entry.get("request") or {}, _row(entry["expect"]))
    return matrix


MATRIX = _load_matrix()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory,
           tokens_for: Callable[[TestClient, Path], dict[str, str]]
           ) -> Iterator[tuple[TestClient, dict[str, str]]]:
    from renkou.registry.synth import build_demo_store

    db = tmp_path_factory.mktemp("matrix") / "store.duckdb"
    build_demo_store(db, 2_000, 3)
    from renkou.app.accounts import add_user

    add_user(db, "matrix-target", "planner", "Mu-Biao#2026j")  # the user routes' target
    app = create_app(Settings(env="test", db_path=db))
    app.state.login_limit = RateLimit(1_000, 60.0)
    with TestClient(app) as c:
        yield c, tokens_for(c, db)


def _operations(client: TestClient) -> set[tuple[str, str]]:
    spec = client.get("/api/openapi.json").json()
    return {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}


def test_every_operation_has_a_matrix_row(served: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = served
    ops = _operations(client)
    assert ops - MATRIX.keys() == set(), "路由缺少角色矩阵条目"
    assert MATRIX.keys() - ops == set(), "矩阵中有不存在的路由"


@pytest.mark.parametrize("op", sorted(MATRIX), ids=lambda op: f"{op[0]} {op[1]}")
def test_role_matrix(op: tuple[str, str], served: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = served
    request, expected = MATRIX[op]
    method, template = op
    path = request.get("path", template)
    seen = {}
    for role in COLUMNS:
        headers = {}
        if role != "anonymous":
            token = tokens[role]
            if op == ("POST", "/api/auth/logout"):  # a throwaway session of the role
                from renkou.app.accounts import list_users

                account = next(a for a in list_users(client.app.state.settings.database)
                               if a.role == role and a.demo)
                token = client.app.state.sessions.open(account)[0]
            headers["Authorization"] = f"Bearer {token}"
        # Uploads: [[field, [file name, text content, media type]], …] as multipart parts.
        files = [(f, (n, c.encode("utf-8"), t)) for f, (n, c, t) in request.get("files", [])]
        r = client.request(method, path, params=request.get("params"),
                           json=request.get("json"), files=files or None, headers=headers)
        seen[role] = r.status_code
        if r.status_code >= 400:
            assert r.headers["content-type"].startswith("application/problem+json"), (role, r)
        for number in ID_LIKE.findall(r.text):
            assert not ids.validate(number).valid, (role, path)
    assert seen == expected


def test_district_account_sees_its_own_district_only(
        served: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = served
    h = {"Authorization": f"Bearer {tokens['district']}"}
    me = client.get("/api/auth/me", headers=h).json()
    own = me["district"]
    assert me["role"] == "district" and own
    mine = client.get("/api/population/pyramid", params={"region": own}, headers=h)
    assert mine.status_code == 200 and mine.json()["total"] > 0
    other = next(r["code"] for r in client.get("/api/regions", headers=h).json()
                 if r["code"] != own)
    refused = client.get("/api/population/pyramid", params={"region": other}, headers=h)
    assert refused.status_code == 403 and "本区" in refused.json()["message"]
    streets = client.get("/api/population/areas", params={"parent": own, "level": "street"},
                         headers=h)
    assert streets.status_code == 200
    assert all(a["code"].startswith(own) for a in streets.json()["areas"])
    assert client.get("/api/population/areas", params={"parent": other, "level": "street"},
                      headers=h).status_code == 403
    plans = [p for p in client.get("/api/plans", headers=h).json() if p["area_code"] == own]
    assert plans
    assert client.get(f"/api/plans/{plans[0]['code']}/assessment", params={"year": 2024},
                      headers=h).status_code == 200


def test_department_account_sees_its_own_indicators(
        served: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = served
    h = {"Authorization": f"Bearer {tokens['department']}"}
    dept = client.get("/api/auth/me", headers=h).json()["department"]
    mine = client.get("/api/plans/tianjin-14th/assessment", params={"year": 2024},
                      headers=h).json()
    everyone = client.get("/api/plans/tianjin-14th/assessment", params={"year": 2024},
                          headers={"Authorization": f"Bearer {tokens['planner']}"}).json()
    assert mine["rows"] and len(mine["rows"]) < len(everyone["rows"])
    from renkou.plans import department_names

    name = department_names([dept])[0]  # rows name their departments in Chinese
    assert name != dept and all(name in r["departments"] for r in mine["rows"])
    assert any(name in r["departments"] for r in everyone["rows"])
    assert sum(mine["counts"].values()) == len(mine["rows"])


def _small(values: list[int | None]) -> list[int]:
    return [v for v in values if v is not None and 0 < v < 5]


def test_small_cells_suppressed_below_statistician(
        served: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = served

    def get(role: str, path: str, **params: object) -> Any:
        r = client.get(path, params=params, headers={"Authorization": f"Bearer {tokens[role]}"})
        assert r.status_code == 200, r.text
        return r.json()

    region = get("district", "/api/auth/me")["district"]
    whole = get("statistician", "/api/population/pyramid", region=region)
    assert whole["suppression_threshold"] is None and whole["suppressed"] == 0
    assert _small(whole["male"] + whole["female"])  # a small store has small cells
    for role in ("planner", "district"):
        p = get(role, "/api/population/pyramid", region=region)
        assert p["suppression_threshold"] == 5 and p["total"] == whole["total"]
        assert not _small(p["male"] + p["female"])
        assert p["suppressed"] == (p["male"] + p["female"]).count(None) > 0
        # Complementary: no age row and no sex column has exactly one hidden cell.
        assert all((m is None) == (f is None) for m, f in zip(p["male"], p["female"],
                                                             strict=True))
        assert p["male"].count(None) != 1 and p["female"].count(None) != 1
        shown = [(a, b) for a, b in zip(p["male"] + p["female"],
                                        whole["male"] + whole["female"], strict=True)
                 if a is not None]
        assert all(a == b for a, b in shown)
    streets = get("district", "/api/population/areas", parent=region, level="street")
    values = [a["value"] for a in streets["areas"]]
    assert not _small(values) and values.count(None) != 1
    admin = get("admin", "/api/population/areas", parent=region, level="street")
    assert admin["suppression_threshold"] is None
    assert sum(a["value"] for a in admin["areas"]) == streets["total"]


def test_group_sums_from_every_cell(served: tuple[TestClient, dict[str, str]]) -> None:
    """The cards' age and sex groups are summed from all cells, suppressed ones included,
    and suppressed themselves only when small."""
    client, tokens = served
    h = {"Authorization": f"Bearer {tokens['planner']}"}
    p = client.get("/api/population/pyramid", headers=h).json()
    whole = client.get("/api/population/pyramid",
                       headers={"Authorization": f"Bearer {tokens['admin']}"}).json()
    assert p["suppressed"] > 0
    both = [m + f for m, f in zip(whole["male"], whole["female"], strict=True)]
    assert p["groups"] == whole["groups"] == {
        "0-14": sum(both[:15]), "15-64": sum(both[15:65]), "60+": sum(both[60:]),
        "65+": sum(both[65:]), "male": sum(whole["male"]), "female": sum(whole["female"])}
