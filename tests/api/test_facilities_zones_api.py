"""The facility inventory and the function zones through the API: the template the CLI
writes, an upload with its row-level report (Chinese reasons, quarantined rows), the stored
list bound to a district account's district, and every change in the audit log."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import yaml
from fastapi.testclient import TestClient

from renkou.app.audit import read_entries
from renkou.regions import gazetteer

Served = tuple[TestClient, dict[str, str], Path]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _as(tokens: dict[str, str], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"}


def _streets(district: str) -> list[str]:
    return [r.code for r in gazetteer().children(district) if r.level == "street"]


def _filled(template: bytes, rows: list[list[Any]]) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(template))
    ws = wb["设施清单"]
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_facility_template_upload_and_list(city: Served) -> None:
    client, tokens, db = city
    planner = _as(tokens, "planner")
    r = client.get("/api/services/facilities/template", headers=planner)
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    street = _streets("120111")[0]
    other = "120101001"  # a district whose 街镇 the gazetteer does not list
    body = _filled(r.content, [
        ["托育机构", "测试托育园甲", street, 60, "个", "2020-01-01", None, None, None],
        ["幼儿园", "测试幼儿园乙", other, 3, "个", "2019-09-01", None, 117.2, 39.1],
        ["托育机构", "测试托育园丙", street, -5, "个", "2020-01-01", None, None, None],
        ["养老机构", "测试养老院丁", "999999999", 100, "张", "2020-01-01", None, None, None],
        ["托育机构", "测试托育园甲", street, 80, "个", "2021-01-01", None, None, None],
    ])
    r = client.post("/api/services/facilities", headers=planner,
                    files={"file": ("设施清单.xlsx", body, XLSX)})
    assert r.status_code == 201, r.text
    report = r.json()
    assert report["file"] == "设施清单.xlsx" and report["accepted"] == 2
    reasons = {x["row"]: (x["column"], x["reason"]) for x in report["rejected"]}
    assert reasons[4][0] == "容量" and "正数" in reasons[4][1]
    assert reasons[5][0] == "街镇代码" and "不是" in reasons[5][1]
    assert reasons[6][0] == "设施名称" and "重复" in reasons[6][1]

    r = client.get("/api/services/facilities", headers=planner,
                   params={"region": street, "type": "childcare"})
    assert r.status_code == 200
    mine = [f for f in r.json() if f["name"] == "测试托育园甲"]
    assert len(mine) == 1
    assert mine[0] | {"imported_at": ""} == {
        "type": "childcare", "type_name": "托育机构", "name": "测试托育园甲", "street": street,
        "street_name": gazetteer().regions[street].name, "capacity": 60.0, "unit": "个",
        "opened": "2020-01-01", "closed": None, "longitude": None, "latitude": None,
        "source_file": "设施清单.xlsx", "source_row": 2, "imported_at": ""}
    paged = client.get("/api/services/facilities", headers=planner, params={"limit": 1})
    assert len(paged.json()) == 1 and int(paged.headers["X-Total-Count"]) >= 2
    bad = client.get("/api/services/facilities", headers=planner, params={"type": "zoo"})
    assert bad.status_code == 422 and "设施类型" in bad.json()["message"]

    # A district account lists its own district's facilities only.
    own = client.get("/api/auth/me", headers=_as(tokens, "district")).json()["district"]
    seen = client.get("/api/services/facilities", headers=_as(tokens, "district"),
                      params={"limit": 1000}).json()
    assert seen and all(f["street"].startswith(own) for f in seen)
    elsewhere = next(c for c in ("120101", "120111") if c != own)
    assert client.get("/api/services/facilities", headers=_as(tokens, "district"),
                      params={"region": elsewhere}).status_code == 403

    # Only the stewards of the jurisdiction's tables upload; a refused file changes nothing.
    r = client.post("/api/services/facilities", headers=_as(tokens, "department"),
                    files={"file": ("x.xlsx", body, XLSX)})
    assert r.status_code == 403 and "部门账户" in r.json()["message"]
    r = client.post("/api/services/facilities", headers=planner,
                    files={"file": ("设施.csv", b"a,b\n", "text/csv")})
    assert r.status_code == 422 and ".xlsx" in r.json()["message"]
    actions = {(e.action, e.target, e.outcome) for e in read_entries(db)}
    assert {("export.template", "facilities", "ok"), ("upload", "facilities", "ok"),
            ("upload", "facilities", "refused")} <= actions


def test_zones_template_import_and_view(city: Served) -> None:
    client, tokens, db = city
    planner = _as(tokens, "planner")
    before = client.get("/api/zones", headers=_as(tokens, "department"))
    assert before.status_code == 200
    indicators = before.json()["indicators"]
    assert indicators and all(set(i["missing"]) <= set(i["zones"]) for i in indicators)

    r = client.get("/api/zones/template", headers=planner)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/yaml")
    raw = yaml.safe_load(r.content.decode("utf-8"))
    assert raw["jurisdiction"] == "tianjin" and raw["zones"]
    names = [z["name"] for z in raw["zones"]]
    streets = _streets("120111")[:2]
    text = yaml.safe_dump({"jurisdiction": "tianjin", "zones": [
        {"name": names[0], "streets": streets, "source": "测试批复"}]}, allow_unicode=True)
    r = client.post("/api/zones", headers=planner,
                    files={"file": ("功能区.yaml", text.encode("utf-8"), "application/yaml")})
    assert r.status_code == 201, r.text
    body = r.json()
    assert [z["name"] for z in body["zones"]] == [names[0]]
    zone = body["zones"][0]
    assert [s["code"] for s in zone["streets"]] == streets and zone["source"] == "测试批复"
    assert zone["file"] == "功能区.yaml" and zone["example"] is False
    assert all(s["name"] for s in zone["streets"])
    assert client.get("/api/zones", headers=planner).json() == body

    # A street outside the jurisdiction: refused with the reason, the zones unchanged.
    wrong = text.replace(streets[0], "110101001")
    r = client.post("/api/zones", headers=planner,
                    files={"file": ("错误.yaml", wrong.encode("utf-8"), "application/yaml")})
    assert r.status_code == 422 and "110101001" in r.json()["message"]
    assert client.get("/api/zones", headers=planner).json() == body
    r = client.post("/api/zones", headers=planner,
                    files={"file": ("坏.yaml", b"zones: [", "application/yaml")})
    assert r.status_code == 422 and r.json()["message"].startswith("文件 坏.yaml")
    r = client.post("/api/zones", headers=_as(tokens, "department"),
                    files={"file": ("z.yaml", text.encode("utf-8"), "application/yaml")})
    assert r.status_code == 403
    actions = {(e.action, e.target, e.outcome) for e in read_entries(db)}
    assert {("export.template", "zones", "ok"), ("upload", "zones", "ok"),
            ("upload", "zones", "refused")} <= actions
