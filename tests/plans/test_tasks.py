"""Task supervision: records, flags, grouping, and import with quarantine."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from renkou.errors import InputError
from renkou.plans.assessment.tasks import (
    FLAG_LAGGING,
    FLAG_NEVER,
    FLAG_STALE,
    flagged,
    load_records,
    progress_by_department,
    progress_by_section,
    record_progress,
    task_states,
    validate_record,
)
from renkou.plans.forms.progress_form import import_progress
from renkou.plans.model.plan import Plan
from renkou.plans.storage import MemoryTables

TODAY = dt.date(2025, 3, 31)


def rec(plan: Plan, code: str, on: dt.date, status: str, pct: float):  # type: ignore[no-untyped-def]
    return validate_record(plan, code, on, status, pct, "按计划推进", "文件1号", "市人社局",
                           "李四", today=TODAY)


def test_flags_lagging_stale_and_never(tianjin: Plan) -> None:
    store = MemoryTables()
    record_progress(store, rec(tianjin, "TJ14-T01", dt.date(2025, 3, 1), "推进中", 40))
    record_progress(store, rec(tianjin, "TJ14-T02", dt.date(2025, 3, 1), "滞后", 10))
    record_progress(store, rec(tianjin, "TJ14-T03", dt.date(2024, 11, 1), "推进中", 30))
    record_progress(store, rec(tianjin, "TJ14-T04", dt.date(2024, 6, 1), "已完成", 100))
    states = {s.task.code: s for s in task_states(tianjin, load_records(store, tianjin.code),
                                                   TODAY)}
    assert states["TJ14-T01"].flags == ()
    assert states["TJ14-T02"].flags == (FLAG_LAGGING,)
    assert states["TJ14-T03"].flags == (FLAG_STALE,)  # 150 days > one quarter
    assert states["TJ14-T04"].flags == ()  # finished tasks need no further reports
    assert states["TJ14-T05"].flags == (FLAG_NEVER,)
    order = [s.task.code for s in flagged(list(states.values()))]
    assert order[:2] == ["TJ14-T02", "TJ14-T03"]
    assert len(order) == len(tianjin.tasks) - 2


def test_latest_record_wins_and_future_ignored(tianjin: Plan) -> None:
    records = [rec(tianjin, "TJ14-T01", dt.date(2024, 12, 1), "滞后", 20),
               rec(tianjin, "TJ14-T01", dt.date(2025, 3, 1), "推进中", 50)]
    s = task_states(tianjin, records, TODAY)[0]
    assert s.status == "推进中" and s.percent == 50
    early = task_states(tianjin, records, dt.date(2025, 1, 1))[0]
    assert early.status == "滞后"


def test_grouping_by_department_and_section(tianjin: Plan) -> None:
    records = [rec(tianjin, "TJ14-T01", dt.date(2025, 3, 1), "已完成", 100),
               rec(tianjin, "TJ14-T02", dt.date(2025, 3, 1), "推进中", 50)]
    states = task_states(tianjin, records, TODAY)
    by_dept = {g.key: g for g in progress_by_department(states)}
    rsj = by_dept["rsj"]  # 市人社局 shares T01 and T02 among others
    assert rsj.completed >= 1 and rsj.in_progress >= 1
    assert rsj.tasks == sum(1 for t in tianjin.tasks if "rsj" in t.departments)
    sections = progress_by_section(states)
    assert sum(g.tasks for g in sections) == len(tianjin.tasks)
    assert sections[0].name == tianjin.tasks[0].section


def test_validation_names_the_column(tianjin: Plan) -> None:
    with pytest.raises(InputError) as e:
        validate_record(tianjin, "TJ14-T01", TODAY, "完成", 100, "x", "", "市人社局", "李四",
                        today=TODAY)
    assert e.value.column == "进展状态"
    with pytest.raises(InputError) as e:
        validate_record(tianjin, "TJ14-T01", TODAY, "已完成", 80, "x", "", "市人社局", "李四",
                        today=TODAY)
    assert e.value.column == "完成百分比"


def test_import_progress_file(tianjin: Plan, tmp_path: Path) -> None:
    rows = [
        {"任务编号": "TJ14-T01", "报告日期": "2025-03-10", "进展状态": "推进中",
         "完成百分比": "45", "进展情况": "新增就业岗位", "佐证材料": "津人社〔2025〕3号",
         "填报单位": "市人社局", "填报人": "王五"},
        {"任务编号": "TJ14-T99", "报告日期": "2025-03-10", "进展状态": "推进中",
         "完成百分比": "45", "进展情况": "x", "佐证材料": "", "填报单位": "市人社局",
         "填报人": "王五"},
        {"任务编号": "TJ14-T02", "报告日期": "2025-13-10", "进展状态": "推进中",
         "完成百分比": "45", "进展情况": "x", "佐证材料": "", "填报单位": "市人社局",
         "填报人": "王五"},
    ]
    path = tmp_path / "progress.xlsx"
    pd.DataFrame(rows).to_excel(path, index=False)
    store = MemoryTables()
    n, bad = import_progress(store, tianjin, path, now=dt.datetime(2025, 3, 31, 12))
    assert n == 1
    assert [(b.row, b.column) for b in bad] == [(3, "任务编号"), (4, "报告日期")]
    assert load_records(store, tianjin.code)[0].evidence == "津人社〔2025〕3号"


def test_demo_seed_gives_an_assessment_and_task_flags(tianjin: Plan) -> None:
    from renkou.app.demo_reports import seed_demo_plans
    from renkou.plans.assessment.plan import assess_plan
    from renkou.plans.storage import facility_counts

    from .fakes import CensusRegistry, FakeData

    # Every district holds its 2020 census population (so the census factor is 1).
    reg = CensusRegistry()
    seed_demo_plans(reg, 2024)  # type: ignore[arg-type]
    seed_demo_plans(reg, 2024)  # type: ignore[arg-type]  # idempotent
    places = facility_counts(reg, "120000")["childcare_places"]
    assert places[2024] == round(3.7 * 13_866_009 / 1000)
    pa = assess_plan(tianjin, 2024, data=FakeData(), store=reg,
                     facilities={"childcare_places": {2024: 3.7 * 13_866_009 / 1000}})
    statuses = {a.indicator_code: a.status for a in pa.assessments}
    assert statuses["TJ14-SRV-04"] == "进度正常"  # 144.4 of 175 after 4 of 5 years
    assert statuses["TJ14-HLT-02"] == "进度滞后（预警）"
    assert statuses["TJ14-EDU-02"] == "已达标"
    assert statuses["TJ14-SRV-06"] == "进度滞后（预警）"  # 3.7 vs 4.5, computed baseline
    states = task_states(tianjin, load_records(reg, tianjin.code), dt.date(2024, 12, 31))
    flags = [f for s in states for f in s.flags]
    assert {FLAG_LAGGING, FLAG_STALE, FLAG_NEVER} <= set(flags)
    assert len(load_records(reg, tianjin.code)) < 4 * len(tianjin.tasks)


def test_progress_template_round_trip(tianjin: Plan, tmp_path: Path) -> None:
    from renkou.plans.forms.progress_form import write_progress_template

    path = write_progress_template(tianjin, tmp_path / "p.xlsx")
    df = pd.read_excel(path, dtype=str).fillna("")
    assert len(df) == len(tianjin.tasks)
    df.loc[0, ["报告日期", "进展状态", "完成百分比", "进展情况", "填报单位", "填报人"]] = [
        "2025-03-01", "推进中", "35", "已开工", "市人社局", "王五"]
    df.to_excel(path, index=False)
    store = MemoryTables()
    n, bad = import_progress(store, tianjin, path, now=dt.datetime(2025, 3, 31))
    assert (n, bad) == (1, ())  # the 44 untouched rows are not reports, not errors
