"""The task progress form (任务进展填报表): a workbook with one row per plan task for the
departments to fill in, and its import — rows accepted as progress records
(:mod:`renkou.plans.assessment.tasks`) or quarantined with file, row, column and reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from renkou.errors import InputError, NotFoundError
from renkou.plans.assessment.tasks import (
    INPUT_COLUMNS,
    PROGRESS_COLUMNS,
    STATUSES,
    ProgressRecord,
    find_task,
    records_frame,
    validate_record,
)
from renkou.plans.forms.cells import parse_date, parse_number
from renkou.plans.forms.indicator_form import Rejection, as_plan
from renkou.plans.forms.layout import print_setup, protect_except, wrap_and_fit
from renkou.plans.model.plan import Plan, Task
from renkou.plans.model.reporting_units import department_names, reporting_units
from renkou.plans.storage import TASK_PROGRESS, TASK_QUARANTINE, AppTables, write_app
from renkou.tables import append_values, read_table, require_columns, sheet_row, write_table


def import_progress(store: AppTables, plan: Plan | str, path: Path | str, *,
                    now: dt.datetime | None = None) -> tuple[int, tuple[Rejection, ...]]:
    """Import progress rows from an Excel/CSV file with the columns of
    :data:`PROGRESS_COLUMNS`; returns (accepted count, rejections)."""
    p = as_plan(plan)
    file = Path(path)
    df = read_table(file)
    require_columns(df, [*PROGRESS_COLUMNS[:4], "进展情况", "填报单位", "填报人"],
                    file.name)
    stamp = (now or dt.datetime.now()).replace(microsecond=0)
    good: list[ProgressRecord] = []
    bad: list[Rejection] = []
    for i, row in enumerate(df.to_dict("records")):
        n = sheet_row(i)
        # Rows of the progress template that the department left empty are not reports.
        if not any(str(row.get(c, "")).strip() for c in INPUT_COLUMNS):
            continue
        try:
            try:
                on = parse_date(row["报告日期"])
            except (TypeError, ValueError):
                raise InputError(f"“{row['报告日期']}”不是有效日期", column="报告日期") from None
            try:
                pct = parse_number(row["完成百分比"] or 0)
            except (TypeError, ValueError):
                raise InputError(f"“{row['完成百分比']}”不是数字", column="完成百分比") from None
            try:
                find_task(p, str(row["任务编号"]).strip())
            except NotFoundError as exc:
                raise InputError(exc.message, column="任务编号") from None
            good.append(validate_record(
                p, str(row["任务编号"]).strip(), on, str(row["进展状态"]).strip(), pct,
                str(row.get("进展情况", "")), str(row.get("佐证材料", "")),
                str(row["填报单位"]), str(row["填报人"]), today=stamp.date()))
        except InputError as exc:
            bad.append(Rejection(file.name, n, exc.column or "", exc.message))
    write_app(store, TASK_PROGRESS, records_frame(good, stamp, file.name))
    write_app(store, TASK_QUARANTINE, pd.DataFrame([
        {"plan": p.code, "file": x.file, "row": x.row, "column": x.column, "reason": x.reason,
         "imported_at": stamp} for x in bad]))
    return len(good), tuple(bad)


PROGRESS_SHEET = "任务进展"
TEMPLATE_COLUMNS = ("任务编号", "章节", "任务", "责任部门", "报告日期", "进展状态", "完成百分比",
                    "进展情况", "佐证材料", "填报单位", "填报人")
TEMPLATE_WIDTHS = (10, 20, 24, 20, 11, 10, 9, 36, 18, 16, 8)
TEMPLATE_WRAPPED = ("章节", "任务", "责任部门", "进展情况", "佐证材料")


def write_progress_template(plan: Plan | str, out: Path | str) -> Path:
    """An Excel workbook with one row per task for departments to fill in progress: the
    progress sheet first (it is what :func:`import_progress` reads), drop-down lists for
    status and department, a 0–100 check on the percent, a date check, only the input cells
    editable, A4 landscape print setup; then the instructions and a hidden list sheet."""
    p = as_plan(plan)
    path = Path(out)
    if path.suffix.lower() != ".xlsx":
        return write_table(pd.DataFrame([_template_row(t) for t in p.tasks],
                                        columns=list(TEMPLATE_COLUMNS)), path)
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = PROGRESS_SHEET
    append_values(ws, TEMPLATE_COLUMNS)
    for t in p.tasks:
        append_values(ws, list(_template_row(t).values()))
    last = max(ws.max_row, 2)
    pos = {name: i for i, name in enumerate(TEMPLATE_COLUMNS, start=1)}
    letter = {name: get_column_letter(i) for name, i in pos.items()}
    wrap_and_fit(ws, dict(enumerate(TEMPLATE_WIDTHS, start=1)),
                 [pos[c] for c in TEMPLATE_WRAPPED], 2, last, min_lines=2)
    fill = PatternFill("solid", fgColor="FFF2CC")
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    inputs = [c for c in TEMPLATE_COLUMNS if c in (*INPUT_COLUMNS, "填报单位", "填报人")]
    for row in range(2, last + 1):
        for name in inputs:
            ws[f"{letter[name]}{row}"].fill = fill
        ws[f"{letter['报告日期']}{row}"].number_format = "yyyy-mm-dd"
    ws.freeze_panes = "B2"
    print_setup(ws, landscape=True, last_col=len(TEMPLATE_COLUMNS), last_row=last,
                title_rows="1:1", header=f"{p.name_zh} 重点任务进展填报表")
    protect_except(ws, [pos[name] for name in inputs], 2, last)

    lists = wb.create_sheet("选项")
    names = reporting_units(p)
    append_values(lists, ["进展状态", "填报单位"])
    for i in range(max(len(STATUSES), len(names))):
        append_values(lists, [STATUSES[i] if i < len(STATUSES) else None,
                              names[i] if i < len(names) else None])
    lists.sheet_state = "hidden"
    checks = (
        (DataValidation(type="list", formula1=f"'选项'!$A$2:$A${len(STATUSES) + 1}",
                        allow_blank=True, showErrorMessage=True, errorTitle="进展状态无效",
                        error="请从下拉列表中选择：" + "、".join(STATUSES)), "进展状态"),
        (DataValidation(type="list", formula1=f"'选项'!$B$2:$B${len(names) + 1}",
                        allow_blank=True, showErrorMessage=True, errorTitle="填报单位无效",
                        error="请从下拉列表中选择填报单位。"), "填报单位"),
        (DataValidation(type="decimal", operator="between", formula1="0", formula2="100",
                        allow_blank=True, showErrorMessage=True, errorTitle="完成百分比无效",
                        error="完成百分比填写0到100之间的数字（不带%）。"), "完成百分比"),
        (DataValidation(type="date", operator="between", formula1="DATE(2000,1,1)",
                        formula2="DATE(2100,12,31)", allow_blank=True, showErrorMessage=True,
                        errorTitle="日期无效", error="请填写日期，格式 yyyy-mm-dd。"), "报告日期"),
    )
    for dv, name in checks:
        ws.add_data_validation(dv)
        dv.add(f"{letter[name]}2:{letter[name]}{last}")

    notes = wb.create_sheet("填报说明", 1)
    for line in (
        f"{p.name_zh} — 重点任务进展填报表",
        "",
        f"1. 本表列出规划的{len(p.tasks)}项重点任务，“责任部门”为规划或任务分工确定的责任单位。",
        "2. 请在黄色单元格中填写：报告日期、进展状态、完成百分比、进展情况、佐证材料、"
        "填报单位、填报人；本单位不牵头的任务保持空白即可，空白行不视为报告。",
        f"3. 进展状态从下拉列表选择：{'、'.join(STATUSES)}；“已完成”须填100，“未启动”须填0。",
        "4. 完成百分比填写0到100之间的数字，不带%；报告日期格式 yyyy-mm-dd，不得晚于填报当天。",
        "5. 近一季度（92天）未报告、或标记为“滞后”的任务将列入督办提示。",
        f"6. 导入命令：renkou tasks import 文件.xlsx --plan {p.code}；不通过的行列入待核查清单，"
        "注明文件、行号、列和原因。",
    ):
        append_values(notes, [line])
    wrap_and_fit(notes, {1: 60}, [1], 1, notes.max_row)
    notes["A1"].font = Font(bold=True, size=14)
    notes.row_dimensions[1].height = 24
    print_setup(notes, landscape=False, last_col=1, last_row=notes.max_row)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _template_row(t: Task) -> dict[str, str]:
    return {"任务编号": t.code, "章节": t.section, "任务": t.title,
            "责任部门": "、".join(department_names(t.departments)), "报告日期": "",
            "进展状态": "", "完成百分比": "", "进展情况": "", "佐证材料": "", "填报单位": "",
            "填报人": ""}
