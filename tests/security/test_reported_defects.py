"""Reported defects that no other security test reproduces on its own: the formula in a
person_id echoed by ``renkou rules evaluate``, the demo's keys said to be demo keys, and 15
characters that are no old ID number sent to the API."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from renkou.registry import synth
from renkou.registry.ingest import ingest_directory, report_text
from renkou.registry.store import Store

PAYLOAD = "=cmd|' /C calc'!A0"
HEADER = ("person_id,birth_date,hukou_tianjin,hukou_district,residence,social_assistance,"
          "key_entitled,care_level,household_income_per_capita,only_child_parent,"
          "only_child_age,living_children,model_worker_city,in_institution,meal_applied")
ROW = ",1945-06-30,true,120101,urban,none,false,moderate,2319.99,true,50,1,false,false,true"


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_rules_evaluate_echoes_a_formula_person_id_as_inert_text(tmp_path: Path,
                                                                 suffix: str) -> None:
    people = tmp_path / "people.csv"
    people.write_text(f"{HEADER}\n\"{PAYLOAD}\"{ROW}\n+1+cmd{ROW}\n", encoding="utf-8")
    out = tmp_path / f"out{suffix}"
    done = subprocess.run([str(Path(sys.executable).parent / "renkou"), "rules", "evaluate",
                           "--scheme", "tianjin-home-care", "--people", str(people),
                           "--as-of", "2025-06-30", "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    if suffix == ".csv":
        ids = [r["person_id"] for r in csv.DictReader(out.open(encoding="utf-8"))]
        assert not any(line.startswith(("=", "+")) for line in out.read_text().splitlines())
    else:
        sheet = load_workbook(out).active
        cells = [c for row in sheet.iter_rows() for c in row]
        assert all(c.data_type != "f" for c in cells)  # values, never formulas
        head = [c.value for c in next(sheet.iter_rows())]
        col = head.index("person_id")
        ids = [row[col].value for row in sheet.iter_rows(min_row=2)]
    assert sorted(ids) == sorted(["'" + PAYLOAD, "'+1+cmd"])


def test_the_demo_says_its_keys_are_demo_keys(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    synth.write_feeds(synth.generate_city(1_000, 5), feeds)  # synthetic.json marks a demo
    db = tmp_path / "demo.duckdb"
    with Store(db) as store:
        report = ingest_directory(store, feeds)
    text = report_text(report)
    assert "示范密钥" in text and "不得用于真实个人信息" in text
    key_file = tmp_path / "demo.duckdb.keys"
    assert str(key_file) in text and "示范密钥" in key_file.read_text(encoding="utf-8")


@pytest.mark.slow
def test_api_id_check_of_fifteen_non_old_characters_is_no_server_error(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from renkou.api.app import create_app
    from renkou.app.accounts import ensure_demo_accounts, list_users
    from renkou.registry.synth import build_demo_store
    from renkou.settings import Settings

    db = tmp_path / "store.duckdb"
    build_demo_store(db, 1_000, 3)
    ensure_demo_accounts(db, production=False)
    app = create_app(Settings(env="test", db_path=db))
    with TestClient(app) as client:
        admin = next(a for a in list_users(db) if a.demo and a.role == "admin")
        h = {"Authorization": f"Bearer {app.state.sessions.open(admin)[0]}"}
        answers = [client.post("/api/ids/check", json={"number": number}, headers=h)
                   for number in ("ABCDEFGHIJKLMNO", "1201011980051X0", "99999999999999X")]
    for r in answers:
        assert r.status_code < 500, r.text
        assert "ValueError" not in r.text and "Traceback" not in r.text
        if r.status_code >= 400:
            assert r.headers["content-type"] == "application/problem+json"
        else:
            assert r.json()["valid"] is False
