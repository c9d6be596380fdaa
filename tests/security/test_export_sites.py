"""Every export of renkou writes text a spreadsheet would run (=, +, -, @, tab, CR) with a
leading ' and XLSX cells as values; every XLSX reader refuses a hostile workbook before
openpyxl loads it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pandas as pd
import pytest
from openpyxl import load_workbook

from renkou.cli.main import main
from renkou.errors import InputError

from .hostile import huge_shared_string_xlsx

PAYLOAD = "=HYPERLINK(\"http://x\",\"y\")"
SAFE = "'" + PAYLOAD
PROJECT_SAMPLE = Path(__file__).parents[1] / "data" / "project_sample"


def cells(path: Path) -> list[Any]:
    """Every cell of every sheet, after checking that none holds a formula."""
    book = load_workbook(path)
    found = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert found and not [c.coordinate for c in found if c.data_type == "f"]
    return [c.value for c in found]


def csv_column(path: Path, column: str) -> list[str]:
    return pd.read_csv(path, dtype=str, keep_default_na=False)[column].tolist()


# Workbooks built cell by cell ------------------------------------------------------------

def test_indicator_template_writes_plan_text_as_values(tmp_path: Path) -> None:
    from renkou.plans import get_plan
    from renkou.plans.forms.indicator_form import write_template
    from renkou.plans.forms.indicator_import import parse_form

    plan = get_plan("tianjin-14th")
    target = plan.reported_indicators()[0]
    hostile = plan.model_copy(update={
        "name_zh": "@" + plan.name_zh,
        "indicators": tuple(i.model_copy(update={"name_zh": PAYLOAD}) if i is target else i
                            for i in plan.indicators)})
    out = write_template(hostile, 2024, tmp_path / "t.xlsx")
    values = cells(out)
    assert SAFE in values and "'@" + plan.name_zh + " — 2024年度指标填报表" in values
    # The form still reads back: header, plan and year are intact.
    form = parse_form(out, hostile)
    assert form.year == 2024 and len(form.rows) == len(plan.reported_indicators())
    assert form.rows[0][1]["指标名称"] == SAFE


def test_progress_template_writes_task_text_as_values(tmp_path: Path) -> None:
    from renkou.plans import get_plan
    from renkou.plans.forms.progress_form import write_progress_template

    plan = get_plan("tianjin-14th")
    first, *rest = plan.tasks
    hostile = plan.model_copy(update={
        "tasks": (first.model_copy(update={"title": PAYLOAD, "section": "-1+2"}), *rest)})
    values = cells(write_progress_template(hostile, tmp_path / "p.xlsx"))
    assert SAFE in values and "'-1+2" in values
    csv = write_progress_template(hostile, tmp_path / "p.csv")
    assert csv_column(csv, "任务")[0] == SAFE


def test_facility_template_writes_jurisdiction_text_as_values(tmp_path: Path) -> None:
    from renkou.jurisdictions import get_jurisdiction
    from renkou.services.facilities import write_template

    place = dataclasses.replace(get_jurisdiction("tianjin"), name="=1+1")
    values = cells(write_template(tmp_path / "f.xlsx", place))
    assert "'=1+1公共服务设施清单填写说明" in values


# Multi-sheet workbooks -------------------------------------------------------------------

def test_budget_workbook_sheets_are_values(tmp_path: Path) -> None:
    from renkou.rules.budget import BudgetResult, budget_workbook
    from renkou.rules.schemes import scheme_keys

    frame = pd.DataFrame({"district": ["+86 A"], "value": [-1.5]})
    result = BudgetResult(scheme_keys()[0], dt.date(2024, 12, 31), frame, frame, frame,
                          pd.DataFrame({"参数": ["x"], "说明": [PAYLOAD]}),
                          pd.DataFrame({"假设": ["@user"]}), frame)
    out = budget_workbook(result, tmp_path / "b.xlsx")
    values = cells(out)
    assert {SAFE, "'+86 A", "'@user", -1.5} <= set(values)
    assert load_workbook(out).sheetnames == ["说明", "按年汇总", "按年按区", "分类人数", "参数",
                                             "测算假设", "与基准比较"]


def test_assess_workbook_is_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    import renkou.app.assessment
    import renkou.plans

    plan = SimpleNamespace(name_zh="规划", code="p")
    assessment = SimpleNamespace(plan=plan, year=2024)
    result = SimpleNamespace(assessment=assessment, sample=None, synthetic=False,
                             uncovered="", scale_notes=())
    warning = SimpleNamespace(rank=1, level="红色", indicator_code="I1", name="指标",
                              status="未达标", score=3.0, reasons=["原因"],
                              suggestion="@SUM(1)", departments=["部门"])
    monkeypatch.setattr(renkou.app.assessment, "assess", lambda *a, **k: result)
    monkeypatch.setattr(renkou.plans, "assessment_frame", lambda pa: pd.DataFrame(
        {"指标名称": [PAYLOAD], "评估结论": ["未达标"]}))
    monkeypatch.setattr(renkou.plans, "warning_list", lambda pa: [warning])
    db = tmp_path / "x.duckdb"
    db.touch()  # the store is not opened: the assessment is the one above
    out = tmp_path / "a.xlsx"
    assert main(["assess", "--out", str(out), "--db", str(db)]) == 0
    assert {SAFE, "'@SUM(1)"} <= set(cells(out))
    assert load_workbook(out).sheetnames == ["指标评估", "预警清单"]
    csv = tmp_path / "a.csv"
    assert main(["assess", "--out", str(csv), "--db", str(db)]) == 0
    assert csv_column(csv, "指标名称") == [SAFE]


@pytest.fixture(scope="module")
def hostile_pool(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A points applicant pool whose every applicant id starts like a formula."""
    out = tmp_path_factory.mktemp("points") / "pool.csv"
    assert main(["rules", "points", "generate", "--n", "600", "--seed", "4",
                 "--out", str(out)]) == 0
    df = pd.read_csv(out, dtype=str, keep_default_na=False)
    df["applicant_id"] = "=" + df["applicant_id"]
    df.to_csv(out, index=False)
    return out


def test_points_simulate_workbook_is_values(hostile_pool: Path, tmp_path: Path) -> None:
    out = tmp_path / "sim.xlsx"
    assert main(["rules", "points", "simulate", "--applicants", str(hostile_pool),
                 "--quota", "60", "--as-of", "2021-12-31", "--change",
                 "social_insurance.per_unit=4", "--out", str(out)]) == 0
    admitted = pd.read_excel(out, sheet_name="admitted-instead", dtype=str)
    assert len(admitted) > 0 and admitted["applicant_id"].str.startswith("'=").all()
    cells(out)


@pytest.mark.parametrize("command", ["score", "rank"])
def test_points_csv_outputs_are_neutralised(hostile_pool: Path, tmp_path: Path,
                                            command: str) -> None:
    out = tmp_path / f"{command}.csv"
    assert main(["rules", "points", command, "--applicants", str(hostile_pool),
                 "--as-of", "2021-12-31", "--out", str(out)]) == 0
    ids = csv_column(out, "applicant_id")
    assert len(ids) == 600 and all(i.startswith("'=") for i in ids)


# CSV exports -----------------------------------------------------------------------------

def test_services_gaps_csv_is_neutralised(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import renkou.app.services

    table = pd.DataFrame({"region": [PAYLOAD, "120101001"], "service": ["childcare"] * 2,
                          "gap": [-3.0, 5.0]})
    monkeypatch.setattr(renkou.app.services, "gaps", lambda *a, **k: SimpleNamespace(
        table=table, year=None, as_of=dt.date(2024, 12, 31),
        jurisdiction=SimpleNamespace(name="辖区")))
    out = tmp_path / "g.csv"
    assert main(["services", "gaps", "--out", str(out), "--db", str(tmp_path / "x.duckdb")]) == 0
    assert csv_column(out, "region") == [SAFE, "120101001"]
    assert csv_column(out, "gap") == ["-3.0", "5.0"]  # numbers are left alone


def test_services_allocate_csv_is_neutralised(tmp_path: Path) -> None:
    gaps = tmp_path / "G.csv"
    pd.DataFrame({"region": [PAYLOAD, "B"], "service": ["childcare"] * 2,
                  "gap": [25.0, 3.0]}).to_csv(gaps, index=False)
    out = tmp_path / "P.csv"
    assert main(["services", "allocate", "--gaps", str(gaps), "--service", "childcare",
                 "--budget", "1", "--site-size", "10", "--out", str(out)]) == 0
    assert SAFE in csv_column(out, "region")


def test_services_cover_csv_is_neutralised(tmp_path: Path) -> None:
    pts = tmp_path / "p.csv"
    pd.DataFrame({"id": ["a", "b"], "longitude": [117.0, 117.2], "latitude": [39.0, 39.0],
                  "demand": [10, 30]}).to_csv(pts, index=False)
    cand = tmp_path / "s.csv"
    pd.DataFrame({"id": [PAYLOAD, "y"], "longitude": [117.0, 117.2],
                  "latitude": [39.0, 39.0]}).to_csv(cand, index=False)
    out = tmp_path / "o.csv"
    assert main(["services", "cover", "--points", str(pts), "--candidates", str(cand),
                 "--radius", "1000", "--budget", "1", "--out", str(out)]) == 0
    assert SAFE in csv_column(out, "id")


def test_impact_table_is_neutralised(tmp_path: Path) -> None:
    from renkou.app import impact
    from renkou.impact.run import Assessment

    table = pd.DataFrame({"year": [2030], "region": ["@x"], "indicator": [PAYLOAD],
                          "baseline": [1.0], "scenario": [2.0], "difference": [-1.0]})
    out = impact.write_table(cast(Assessment, SimpleNamespace(table=table)), tmp_path / "d.csv")
    df = pd.read_csv(out, dtype=str)
    assert df[["region", "indicator", "difference"]].iloc[0].tolist() == ["'@x", SAFE, "-1.0"]


def test_projection_outputs_are_neutralised(tmp_path: Path) -> None:
    from renkou.projection.output import write_csv

    df = pd.DataFrame({"year": [2020, 2020], "region": [PAYLOAD, "12"], "value": [-1.5, 2.0]})
    write_csv(df, tmp_path / "quoted.csv")  # the payload's comma: the pandas route
    write_csv(df.assign(region=["@cmd", "12"]), tmp_path / "arrow.csv")
    assert csv_column(tmp_path / "quoted.csv", "region") == [SAFE, "12"]
    assert csv_column(tmp_path / "arrow.csv", "region") == ["'@cmd", "12"]
    assert csv_column(tmp_path / "arrow.csv", "value") == ["-1.5", "2"]


def test_projection_input_directory_is_neutralised(tmp_path: Path) -> None:
    from renkou.projection.io import load_projection
    from renkou.projection.output import write_input_directory

    inputs = load_projection(PROJECT_SAMPLE).inputs
    codes = ("@" + inputs.region_codes[0], *inputs.region_codes[1:])
    d = write_input_directory(dataclasses.replace(inputs, region_codes=codes), tmp_path / "in")
    assert "'" + codes[0] in csv_column(d / "population.csv", "region")


def test_projection_sample_directory_is_neutralised(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from renkou.projection import sample

    spec = sample.sample_spec()
    regions = tuple(dataclasses.replace(r, code="@" + r.code) for r in spec.regions)
    monkeypatch.setattr(sample, "sample_spec", lambda: dataclasses.replace(spec, regions=regions))
    d = sample.write_sample_inputs(tmp_path / "s", 2020, 2022)
    for name in ("population", "asfr", "mortality", "srb", "migration"):
        assert set(csv_column(d / f"{name}.csv", "region")) == {"'" + r.code for r in regions}
    assert "'" + regions[0].code in csv_column(d / "internal_migration.csv", "origin")


# XLSX readers ----------------------------------------------------------------------------

def test_indicator_import_refuses_a_hostile_workbook(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    from renkou.registry import Registry

    db = tmp_path / "x.duckdb"
    Registry(db).close()
    bomb = huge_shared_string_xlsx(tmp_path / "form.xlsx", ["指标代码", "年份"])
    assert bomb.stat().st_size < 400_000
    code = main(["indicators", "import", str(bomb), "--plan", "tianjin-14th", "--db", str(db)])
    err = capsys.readouterr().err
    assert code == InputError.exit_code
    assert "form.xlsx" in err and "解压后" in err and "超过上限" in err


def test_facility_import_refuses_a_long_cell(tmp_path: Path) -> None:
    from renkou.jurisdictions import get_jurisdiction
    from renkou.services.facilities import read_workbook

    book = huge_shared_string_xlsx(tmp_path / "f.xlsx", ["设施类型", "设施名称"], mib=3)
    with pytest.raises(InputError, match="单元格文本"):
        read_workbook(book, get_jurisdiction("tianjin"))


def test_projection_input_workbook_is_checked(tmp_path: Path) -> None:
    from renkou.projection.tables import find_table

    huge_shared_string_xlsx(tmp_path / "inputs.xlsx", ["region", "value"], mib=3)
    with pytest.raises(InputError, match="单元格文本"):
        find_table(tmp_path, "population")
