"""Reported-indicator template: written with validation, read back with accept-or-quarantine."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from renkou.errors import InputError
from renkou.plans.forms.indicator_form import (
    INSTRUCTIONS,
    SHEET,
    write_template,
)
from renkou.plans.forms.indicator_import import import_template
from renkou.plans.model.plan import Plan
from renkou.plans.storage import MemoryTables, quarantine, reported_values

NOW = dt.datetime(2025, 3, 1, 9, 0)


def _fill(path: Path, rows: dict[str, dict[str, object]]) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    header = [str(c.value).rstrip("*") for c in ws[1]]
    for r in range(2, ws.max_row + 1):
        code = ws.cell(r, 1).value
        for col, value in rows.get(str(code), {}).items():
            ws.cell(r, header.index(col) + 1).value = value
    wb.save(path)


def _good(value: object) -> dict[str, object]:
    return {"填报值": value, "数据性质": "年报正式数", "填报单位": "市教委", "填报人": "张三",
            "填报日期": dt.date(2025, 2, 20)}


def test_template_lists_every_reported_indicator(tianjin: Plan, tmp_path: Path) -> None:
    out = write_template(tianjin, 2024, tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == INSTRUCTIONS and "规划" not in wb.sheetnames
    ws = wb[SHEET]
    codes = [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)]
    assert codes == [i.code for i in tianjin.reported_indicators()]
    # The department of 学前教育三年毛入园率 (SRV-01) is named; jobs report annual amounts.
    row = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    assert "市教委" in ws.cell(row["TJ14-SRV-01"], 4).value
    assert "当年发生数" in ws.cell(row["TJ14-SRV-04"], 8).value
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"decimal", "list", "date"} <= kinds


def test_import_accepts_and_quarantines(tianjin: Plan, tmp_path: Path) -> None:
    out = write_template(tianjin, 2024, tmp_path / "t.xlsx")
    bad_unit = _good("93.5%")
    bad_dept = _good(60.0) | {"填报单位": "不存在的局"}
    no_reporter = _good(80.0) | {"填报人": None}
    _fill(out, {"TJ14-SRV-01": _good(92.8), "TJ14-SRV-04": _good(36.2),
                "TJ14-SRV-02": bad_unit, "TJ14-SRV-08": bad_dept, "TJ14-SRV-03": no_reporter,
                "TJ14-EDU-02": _good(0.66)})
    store = MemoryTables()
    result = import_template(store, out, tianjin, now=NOW)
    assert result.accepted == 2
    reasons = {(x.row, x.column) for x in result.rejected}
    assert len(result.rejected) == 4
    assert {c for _, c in reasons} == {"填报值", "填报单位", "填报人"}
    assert all(x.file == "t.xlsx" and x.row >= 2 for x in result.rejected)
    assert "第" in str(result.rejected[0]) and "列" in str(result.rejected[0])
    values = reported_values(store, tianjin.code)
    got = dict(zip(values["indicator_code"], values["value"], strict=True))
    assert got == {"TJ14-SRV-01": pytest.approx(92.8), "TJ14-SRV-04": pytest.approx(36.2)}
    first = values.iloc[0]
    assert first["department"] == "jw" and first["reporter"] == "张三"
    assert first["source_file"] == "t.xlsx" and first["reported_on"] == dt.date(2025, 2, 20)
    assert len(quarantine(store, tianjin.code)) == 4


def test_reimport_supersedes_previous_value(tianjin: Plan, tmp_path: Path) -> None:
    out = write_template(tianjin, 2024, tmp_path / "t.xlsx")
    store = MemoryTables()
    _fill(out, {"TJ14-SRV-01": _good(92.8)})
    import_template(store, out, tianjin, now=NOW)
    _fill(out, {"TJ14-SRV-01": _good(93.1)})
    import_template(store, out, tianjin, now=NOW + dt.timedelta(hours=1))
    values = reported_values(store, tianjin.code)
    assert list(values["value"]) == [pytest.approx(93.1)]


def test_foreign_file_is_refused(tianjin: Plan, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.save(tmp_path / "x.xlsx")
    with pytest.raises(InputError):
        import_template(MemoryTables(), tmp_path / "x.xlsx", tianjin)


def test_cli_template_import_and_tasks(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    """The commands as a department uses them, on an empty store file."""
    from renkou.cli.main import main
    from renkou.registry import Registry

    xlsx = tmp_path / "tj.xlsx"
    db = tmp_path / "store.duckdb"
    assert main(["indicators", "import", str(xlsx), "--db", str(db)]) == 5  # no such store
    Registry(db).close()
    assert main(["indicators", "template", "--plan", "tianjin-14th", "--year", "2024",
                 "--out", str(xlsx)]) == 0
    _fill(xlsx, {"TJ14-SRV-01": _good(92.9), "TJ14-SRV-02": _good("abc")})
    assert main(["indicators", "import", str(xlsx), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "通过 1 行" in out and "隔离 1 行" in out and "列 填报值" in out
    assert main(["tasks", "report", "--plan", "tianjin-14th", "--task", "TJ14-T03",
                 "--status", "滞后", "--percent", "20", "--narrative", "项目审批延迟",
                 "--department", "市商务委", "--reporter", "赵六", "--date", "2024-12-01",
                 "--db", str(db)]) == 0
    assert main(["tasks", "status", "--plan", "tianjin-14th", "--as-of", "2024-12-31",
                 "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "TJ14-T03" in out and "标记滞后" in out and "从未报告" in out
    assert main(["tasks", "report", "--plan", "tianjin-14th", "--task", "TJ14-T03",
                 "--status", "完成", "--percent", "20", "--narrative", "x",
                 "--department", "市商务委", "--reporter", "赵六", "--db", str(db)]) == 2
