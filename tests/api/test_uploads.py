"""Uploads through the API: a department's feed batch becomes an ingest job whose result is
the validation report; pages keep answering from the last committed state while it runs; a
refused batch writes nothing and lists every problem with file and column; names and
departments are checked first; filled reporting templates are imported with their report;
every upload, job start and download is audited."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from renkou.api.app import create_app
from renkou.app.stores import registry_at
from renkou.settings import Settings

pytestmark = pytest.mark.slow

# The demo department account is bound to wjw (市卫生健康委), which delivers the health feeds.
HELD = ("health_birth_2023.csv", "health_birth_2024.csv")
# Other formats, sent by the admin: Parquet (教育) and XLSX (民政).
OTHERS = ("edu_school_2024.parquet", "civil_funeral_2024.xlsx")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory,
           tokens_for: Callable[[TestClient, Path], dict[str, str]]
           ) -> Iterator[tuple[TestClient, dict[str, str], Path, Path]]:
    from renkou.registry.ingest import ingest_directory
    from renkou.registry.store import Store
    from renkou.registry.synth import synthesize

    root = tmp_path_factory.mktemp("uploads")
    feeds, held = root / "feeds", root / "held"
    synthesize(feeds, 2_000, 3, jurisdiction="tianjin")
    held.mkdir()
    for name in (*HELD, *OTHERS):
        shutil.move(feeds / name, held / name)
    db = root / "store.duckdb"
    with Store(db) as store:
        ingest_directory(store, feeds, jurisdiction="tianjin")
    app = create_app(Settings(env="test", db_path=db))
    with TestClient(app) as client:
        yield client, tokens_for(client, db), db, held


def _h(tokens: dict[str, str], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"}


def _wait(client: TestClient, headers: dict[str, str], job_id: str,
          timeout: float = 120) -> dict[str, Any]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        job: dict[str, Any] = client.get(f"/api/jobs/{job_id}", headers=headers).json()
        if job["state"] not in ("queued", "running"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


def _text(path: Path) -> tuple[str, str]:
    """A delivered CSV's text and encoding (the synthetic feeds use both)."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("gb18030"), "gb18030"


def _batches(db: Path) -> int:
    with registry_at(db) as registry:
        return int(registry.store.scalar("SELECT count(*) FROM ingest_batches"))


def _audit(db: Path) -> list[Any]:
    from renkou.app.audit import read_entries

    return read_entries(db)


def test_names_and_departments_are_checked_before_anything(
        served: tuple[TestClient, dict[str, str], Path, Path]) -> None:
    client, tokens, db, held = served
    before = _batches(db)
    r = client.post("/api/uploads/feeds", headers=_h(tokens, "admin"),
                    files=[("files", ("人口.csv", b"a,b\n1,2\n", "text/csv")),
                           ("files", ("police_hukou_x.txt", b"x", "text/plain"))])
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert "人口.csv" in r.json()["message"] and "police_hukou_x.txt" in r.json()["message"]
    # A department account sends only its own department's feeds.
    r = client.post("/api/uploads/feeds", headers=_h(tokens, "department"),
                    files=[("files", ("police_hukou_2030.csv", b"x\n", "text/csv"))])
    assert r.status_code == 403 and "本部门" in r.json()["message"]
    for role in ("district", "auditor"):
        assert client.post("/api/uploads/feeds", headers=_h(tokens, role), files=[
            ("files", (HELD[0], (held / HELD[0]).read_bytes(), "text/csv"))]).status_code == 403
    assert client.post("/api/uploads/feeds", headers=_h(tokens, "admin"),
                       data={"x": "1"}).status_code == 415  # not multipart
    empty = client.post("/api/uploads/feeds", headers=_h(tokens, "admin"),
                        files=[("jurisdiction", (None, "tianjin"))])
    assert empty.status_code == 422 and "没有上传任何文件" in empty.json()["message"]
    assert _batches(db) == before
    outcomes = {(e.action, e.outcome) for e in _audit(db)}
    assert {("upload", "refused"), ("upload", "forbidden")} <= outcomes
    # Nothing of the refused uploads is left in the store's job folder.
    jobs_dir = db.parent / f".{db.name}.jobs"
    assert not any(p.is_file() for p in jobs_dir.rglob("*"))


def test_a_refused_batch_writes_nothing_and_lists_every_problem(
        served: tuple[TestClient, dict[str, str], Path, Path]) -> None:
    client, tokens, db, held = served
    before = _batches(db)
    raw, encoding = _text(held / HELD[0])
    text = raw.splitlines()
    renamed = "\n".join([text[0].replace("出生日期", "出生日"), *text[1:]]) + "\n"
    h = _h(tokens, "statistician")
    r = client.post("/api/uploads/feeds", headers=h, files=[
        ("files", ("health_birth_2031.csv", renamed.encode(encoding), "text/csv")),
        ("files", (HELD[1], (held / HELD[1]).read_bytes(), "text/csv"))])
    assert r.status_code == 202, r.text
    job = _wait(client, h, r.json()["job"]["id"])
    assert job["state"] == "failed" and "未导入" in job["error"]
    report = client.get(f"/api/jobs/{job['id']}/result", headers=h).json()["result"]
    assert report["refused"] and not report["written"]
    problems = {(p["file"], p["column"]) for p in report["problems"]}
    assert ("health_birth_2031.csv", "出生日期") in problems  # the missing column
    assert ("health_birth_2031.csv", "出生日") in problems  # the undeclared one
    assert _batches(db) == before
    assert client.get(f"/api/jobs/{job['id']}/download", headers=h).status_code == 409


def test_reads_answer_from_the_committed_state_while_an_ingest_runs(
        served: tuple[TestClient, dict[str, str], Path, Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    client, tokens, db, held = served
    admin = _h(tokens, "admin")
    pyramid = client.get("/api/population/pyramid", headers=admin).json()
    q_before = int(client.get("/api/quarantine", headers=admin).headers["X-Total-Count"])
    batches = _batches(db)
    mark = db.parent / "paused"
    # The ingest waits inside its transaction, everything written but not committed.
    monkeypatch.setenv("RENKOU_TEST_PAUSE_INGEST", "8")
    monkeypatch.setenv("RENKOU_TEST_PAUSE_MARK", str(mark))
    dept = _h(tokens, "department")
    r = client.post("/api/uploads/feeds", headers=dept, files=[
        ("files", (name, (held / name).read_bytes(), "text/csv")) for name in HELD])
    assert r.status_code == 202, r.text
    assert [f["feed"] for f in r.json()["files"]] == ["health_birth", "health_birth"]
    job_id = r.json()["job"]["id"]
    end = time.monotonic() + 60
    while not mark.exists():
        assert time.monotonic() < end, "the ingest did not reach its pause"
        time.sleep(0.05)
    monkeypatch.delenv("RENKOU_TEST_PAUSE_INGEST")
    t0 = time.monotonic()
    during = client.get("/api/population/pyramid", headers=admin)
    assert during.status_code == 200 and during.json() == pyramid
    q_during = client.get("/api/quarantine", headers=admin)
    assert q_during.status_code == 200 and int(q_during.headers["X-Total-Count"]) == q_before
    assert client.get("/api/meta", headers=admin).status_code == 200
    running = client.get(f"/api/jobs/{job_id}", headers=dept).json()
    assert running["state"] == "running" and 0 < running["progress"] < 1
    assert time.monotonic() - t0 < 7  # answered while the batch transaction was open
    job = _wait(client, dept, job_id)
    assert job["state"] == "done", job
    report = client.get(f"/api/jobs/{job_id}/result", headers=dept).json()["result"]
    rows = sum(len(_text(held / n)[0].splitlines()) - 1 for n in HELD)
    assert report["rows_read"] == rows == report["accepted"] + report["quarantined"]
    assert {f["file"] for f in report["files"]} == set(HELD)
    for f in report["files"]:
        assert f["accepted"] + f["quarantined"] == f["rows_read"] > 0
        assert sum(r["rows"] for r in f["by_reason"]) == f["quarantined"]
        assert all(r["reason_name"] for r in f["by_reason"])
    assert _batches(db) == batches + 1 and report["batch_id"] == batches + 1
    after = int(client.get("/api/quarantine", headers=admin).headers["X-Total-Count"])
    assert after == q_before + report["quarantined"]
    listed = client.get("/api/jobs", headers=dept).json()
    assert listed[0]["id"] == job_id and listed[0]["started_by"] == "demo-department"
    # The uploaded files are gone; only the report stays.
    assert not (db.parent / f".{db.name}.jobs" / job_id / "feeds").exists()
    download = client.get(f"/api/jobs/{job_id}/download", headers=dept)
    assert download.status_code == 200 and json.loads(download.content)["batch_id"]
    actions = [(e.action, e.actor, e.target) for e in _audit(db)]
    assert ("upload", "demo-department", "feeds") in actions
    assert ("job.start", "demo-department", job_id) in actions
    assert ("export", "demo-department", job_id) in actions
    # Another department's account cannot see the job; the planner can.
    assert client.get(f"/api/jobs/{job_id}", headers=_h(tokens, "planner")).status_code == 200
    assert client.get(f"/api/jobs/{job_id}", headers=_h(tokens, "district")).status_code == 403


def test_a_running_ingest_is_cancelled_and_rolled_back(
        served: tuple[TestClient, dict[str, str], Path, Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    client, tokens, db, held = served
    batches = _batches(db)
    mark = db.parent / "paused-cancel"
    monkeypatch.setenv("RENKOU_TEST_PAUSE_INGEST", "2")
    monkeypatch.setenv("RENKOU_TEST_PAUSE_MARK", str(mark))
    raw, encoding = _text(held / HELD[1])
    text = raw.splitlines()
    changed = "\n".join([text[0], *(line.replace("BR", "BZ", 1) for line in text[1:])]) + "\n"
    h = _h(tokens, "admin")
    r = client.post("/api/uploads/feeds", headers=h, files=[
        ("files", ("health_birth_2032.csv", changed.encode(encoding), "text/csv"))])
    job_id = r.json()["job"]["id"]
    end = time.monotonic() + 60
    while not mark.exists():
        assert time.monotonic() < end
        time.sleep(0.05)
    assert client.post(f"/api/jobs/{job_id}/cancel", headers=h).json()["message"] == "正在取消…"
    job = _wait(client, h, job_id)
    assert job["state"] == "cancelled"
    assert _batches(db) == batches
    assert ("job.cancel", job_id) in [(e.action, e.target) for e in _audit(db)]
    again = client.post(f"/api/jobs/{job_id}/cancel", headers=h)
    assert again.status_code == 422 and "不能取消" in again.json()["message"]


def _template(tmp: Path) -> Path:
    from renkou.plans.forms.indicator_form import SHEET, write_template

    path = write_template("tianjin-14th", 2024, tmp / "填报模板.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    col = {str(c.value).rstrip("*"): i + 1 for i, c in enumerate(ws[1])}
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    filled = (("TJ14-HLT-02", 9.5, "市卫生健康委"), ("TJ14-EDU-02", 66.0, "市教委"))
    for code, value, unit in filled:
        r = rows[code]
        for name, v in (("填报值", value), ("数据性质", "年报正式数"), ("填报单位", unit),
                        ("填报人", "张三"), ("填报日期", dt.date(2025, 2, 20))):
            ws.cell(r, col[name]).value = v
    wb.save(path)
    return path


def test_a_filled_template_is_imported_with_its_report(
        served: tuple[TestClient, dict[str, str], Path, Path], tmp_path: Path) -> None:
    client, tokens, db, _ = served
    path = _template(tmp_path)
    body = path.read_bytes()
    assessed = "/api/plans/tianjin-14th/assessment"

    def reported(code: str) -> float | None:
        rows = client.get(assessed, params={"year": 2024}, headers=_h(tokens, "planner")).json()
        return next(x["value"] for x in rows["rows"] if x["code"] == code)

    assert reported("TJ14-EDU-02") != 66.0  # asked once, so the answer is kept
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    r = client.post("/api/uploads/templates", headers=_h(tokens, "department"),
                    files=[("file", (path.name, body, xlsx))])
    assert r.status_code == 201, r.text
    report = r.json()
    assert report["plan"] == "tianjin-14th" and report["accepted"] == 1
    refused = [x for x in report["rejected"] if x["column"] == "填报单位"]
    assert len(refused) == 1 and "本部门" in refused[0]["reason"]
    assert refused[0]["file"] == path.name and refused[0]["row"] > 1
    planner = client.post("/api/uploads/templates", headers=_h(tokens, "planner"),
                          files=[("file", (path.name, body, xlsx))]).json()
    assert planner["accepted"] == 2 and not planner["rejected"]
    # The answer kept from before the upload is served while the new one is made.
    end = time.monotonic() + 60
    while reported("TJ14-EDU-02") != 66.0 and time.monotonic() < end:
        time.sleep(0.2)
    assert reported("TJ14-EDU-02") == 66.0
    bad = client.post("/api/uploads/templates", headers=_h(tokens, "planner"),
                      files=[("file", ("x.csv", b"a,b\n", "text/csv"))])
    assert bad.status_code == 422 and ".xlsx" in bad.json()["message"]
    assert [e for e in _audit(db) if e.action == "upload" and '"plan"' in e.detail]
    # The template went through the store's private folder only, and is gone.
    assert not any(p.suffix == ".xlsx" for p in (db.parent / f".{db.name}.jobs").rglob("*"))


def test_parquet_and_xlsx_through_the_registry_readers(
        served: tuple[TestClient, dict[str, str], Path, Path]) -> None:
    client, tokens, _, held = served
    h = _h(tokens, "admin")
    r = client.post("/api/uploads/feeds", headers=h, files=[
        ("files", (name, (held / name).read_bytes(), "application/octet-stream"))
        for name in OTHERS])
    assert r.status_code == 202, r.text
    job = _wait(client, h, r.json()["job"]["id"])
    assert job["state"] == "done", job
    report = client.get(f"/api/jobs/{job['id']}/result", headers=h).json()["result"]
    files = {f["file"]: f for f in report["files"]}
    assert set(files) == set(OTHERS)
    assert all(f["rows_read"] > 0 and f["accepted"] + f["quarantined"] == f["rows_read"]
               for f in files.values())


def test_an_upload_over_the_size_limit_is_refused(
        served: tuple[TestClient, dict[str, str], Path, Path]) -> None:
    client, tokens, db, _ = served
    small = create_app(Settings(env="test", db_path=db, max_upload_mb=1))
    small.state.sessions = client.app.state.sessions  # type: ignore[attr-defined]
    with TestClient(small) as c:
        r = c.post("/api/uploads/feeds", headers=_h(tokens, "admin"), files=[
            ("files", ("health_birth_2050.csv", b"x" * (3 << 19), "text/csv"))])
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
    assert "上限" in r.json()["message"]
    assert not any(p.is_file() for p in (db.parent / f".{db.name}.jobs").rglob("part-*"))
