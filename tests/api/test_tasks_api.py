"""The task routes: the task division list, board and overdue list as the application layer
computes them, progress entry by a department on its own tasks only, each entry audited."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi.testclient import TestClient

from renkou.app import tasks
from renkou.app.audit import read_entries

Served = tuple[TestClient, dict[str, str], Path]
PLAN = "tianjin-14th"


def _as(tokens: dict[str, str], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"}


def test_department_records_progress_on_its_own_task(city: Served) -> None:
    client, tokens, db = city
    body = {"status": "推进中", "percent": 35, "narrative": "已印发托育服务实施方案",
            "evidence": "津卫发〔2024〕1号", "report_date": "2024-06-30"}
    r = client.post("/api/tasks/TJ14-T06/progress", params={"plan": PLAN}, json=body,
                    headers=_as(tokens, "department"))
    assert r.status_code == 201, r.text
    rec = r.json()
    assert rec["department"] == "wjw" and rec["department_name"] == "市卫生健康委"
    assert rec["reporter"] == "demo-department" and rec["percent"] == 35
    history = client.get("/api/tasks/TJ14-T06/progress", params={"plan": PLAN},
                         headers=_as(tokens, "planner")).json()
    assert [h["narrative"] for h in history] == ["已印发托育服务实施方案"]
    listed = client.get("/api/tasks", params={"plan": PLAN, "as_of": "2024-07-01"},
                        headers=_as(tokens, "planner")).json()
    t06 = next(t for t in listed if t["code"] == "TJ14-T06")
    assert t06["status"] == "推进中" and t06["last_report"] == "2024-06-30"
    entry = read_entries(db)[0]
    assert (entry.action, entry.target, entry.actor) == (
        "task.progress", f"{PLAN}/TJ14-T06", "demo-department")
    assert '"percent": 35.0' in entry.detail


def test_department_refused_another_departments_task(city: Served) -> None:
    client, tokens, db = city
    before = len(read_entries(db))
    theirs = next(s.task.code for s in tasks.task_list(db, PLAN)
                  if "wjw" not in s.task.departments)
    r = client.post(f"/api/tasks/{theirs}/progress", params={"plan": PLAN},
                    json={"status": "推进中", "percent": 10, "narrative": "试图代填"},
                    headers=_as(tokens, "department"))
    assert r.status_code == 403 and "本部门" in r.json()["message"]
    assert r.headers["content-type"].startswith("application/problem+json")
    assert client.get(f"/api/tasks/{theirs}/progress", params={"plan": PLAN},
                      headers=_as(tokens, "department")).status_code == 403
    assert client.get("/api/tasks", params={"plan": PLAN, "department": "gaj"},
                      headers=_as(tokens, "department")).status_code == 403
    # Filing in another department's name on its own task is refused too.
    r = client.post("/api/tasks/TJ14-T06/progress", params={"plan": PLAN},
                    json={"status": "推进中", "percent": 10, "narrative": "代填",
                          "department": "fgw"}, headers=_as(tokens, "department"))
    assert r.status_code == 403
    assert len(read_entries(db)) == before  # nothing recorded


def test_department_sees_its_own_tasks_only(city: Served) -> None:
    client, tokens, db = city
    mine = client.get("/api/tasks", params={"plan": PLAN},
                      headers=_as(tokens, "department"))
    everyone = client.get("/api/tasks", params={"plan": PLAN, "limit": 1000},
                          headers=_as(tokens, "planner"))
    assert mine.status_code == everyone.status_code == 200
    assert all("wjw" in t["departments"] for t in mine.json())
    assert 0 < int(mine.headers["X-Total-Count"]) < int(everyone.headers["X-Total-Count"])
    assert int(everyone.headers["X-Total-Count"]) == len(tasks.task_list(db, PLAN))
    board = client.get("/api/tasks/board", params={"plan": PLAN},
                       headers=_as(tokens, "department")).json()
    assert [g["key"] for g in board] == ["wjw"]


def test_board_and_overdue_are_the_application_views(city: Served) -> None:
    client, tokens, db = city
    day = "2024-12-31"
    board = client.get("/api/tasks/board", params={"plan": PLAN, "as_of": day, "by": "section"},
                       headers=_as(tokens, "planner")).json()
    expected = tasks.board(db, PLAN, dt.date(2024, 12, 31), by="section")
    assert [(g["key"], g["tasks"], g["flagged"]) for g in board] == [
        (g.key, g.tasks, g.flagged) for g in expected]
    r = client.get("/api/tasks/overdue", params={"plan": PLAN, "as_of": day, "limit": 5},
                   headers=_as(tokens, "planner"))
    late = r.json()
    assert len(late) == 5 and int(r.headers["X-Total-Count"]) == len(
        tasks.overdue(db, PLAN, dt.date(2024, 12, 31)))
    assert all(t["flags"] for t in late)


def test_progress_entry_checks_its_input(city: Served) -> None:
    client, tokens, _ = city
    h = _as(tokens, "planner")
    # Several departments and none named: the planner must say which one reports.
    r = client.post("/api/tasks/TJ14-T06/progress", params={"plan": PLAN},
                    json={"status": "推进中", "percent": 20, "narrative": "推进"}, headers=h)
    assert r.status_code == 422 and "填报单位" in r.json()["message"]
    r = client.post("/api/tasks/TJ14-T06/progress", params={"plan": PLAN},
                    json={"status": "已完成", "percent": 50, "narrative": "完成",
                          "department": "wjw"}, headers=h)
    assert r.status_code == 422 and "100" in r.json()["message"]
    r = client.post("/api/tasks/TJ14-T99/progress", params={"plan": PLAN},
                    json={"status": "推进中", "percent": 20, "narrative": "推进",
                          "department": "wjw"}, headers=h)
    assert r.status_code == 404
    r = client.post("/api/tasks/TJ14-T06/progress", params={"plan": PLAN},
                    json={"status": "完成了", "percent": 20, "narrative": "推进"}, headers=h)
    assert r.status_code == 422
    r = client.post("/api/tasks/TJ14-T06/progress", params={"plan": PLAN},
                    json={"status": "推进中", "percent": 20, "narrative": "推进",
                          "department": "gaj"}, headers=h)
    assert r.status_code == 422 and "责任部门" in r.json()["message"]


def test_district_account_reads_its_own_plan(city: Served) -> None:
    client, tokens, _ = city
    h = _as(tokens, "district")
    assert client.get("/api/tasks", params={"plan": PLAN}, headers=h).status_code == 403
    own = client.get("/api/tasks", headers=h)
    assert own.status_code == 200 and int(own.headers["X-Total-Count"]) > 0
    assert client.post("/api/tasks/TJ14-T06/progress", params={"plan": PLAN},
                       json={"status": "推进中", "percent": 1, "narrative": "x"},
                       headers=h).status_code == 403
