"""Excel form for reported indicators (部门填报模板).

``write_template`` produces one row per reported indicator of a plan with the responsible
department named, data validation in the input cells (numeric value, lists for the data
nature and the reporting department, a date) and an instructions sheet in Chinese. Reading
a filled form back is :mod:`renkou.plans.forms.indicator_import`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from renkou.errors import InputError
from renkou.plans.assessment.status import TargetSpec, pick_target, target_text
from renkou.plans.forms.areas import area_label, parse_area, plan_areas
from renkou.plans.forms.layout import print_setup, protect_except, wrap_and_fit
from renkou.plans.model.catalog import get_plan
from renkou.plans.model.plan import CUMULATIVE, Indicator, Plan
from renkou.plans.model.reporting_units import department_names, lead_name, reporting_units
from renkou.tables import Rejection, append_values

SHEET = "填报表"
INSTRUCTIONS = "填报说明"
LISTS = "选项"
META = "_meta"
MAGIC = "renkou-indicator-template"
# Version 2 added the 地区 column; forms of version 1 (without it) report the plan area.
VERSION = 2

NATURES = ("年报正式数", "统计快报数", "初步统计数", "估计值")
COLUMNS = ("指标代码", "指标名称", "单位", "责任部门", "年份", "规划目标", "最近基期值",
           "填报口径", "地区", "填报值", "数据性质", "数据来源说明", "填报单位", "填报人",
           "填报日期", "备注")
REQUIRED = ("填报值", "数据性质", "填报单位", "填报人", "填报日期")
INPUTS = ("地区", "填报值", "数据性质", "数据来源说明", "填报单位", "填报人", "填报日期", "备注")
# Column widths (character units) chosen so that the 16 columns print on one A4 landscape
# page (Calc scales it to about 60 %); long texts wrap instead of widening their columns.
WIDTHS = (12, 20, 7, 18, 6, 16, 11, 14, 14, 10, 11, 18, 16, 8, 11, 14)
# Fits A4 portrait unscaled in Calc (whose character unit is wider than Excel's).
INSTRUCTIONS_WIDTH = 60
WRAPPED = ("指标名称", "单位", "责任部门", "规划目标", "最近基期值", "填报口径", "地区")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
BASELINE_SIGN = {"eq": "", "approx": "约", "gt": ">", "lt": "<", "ge": "≥", "le": "≤"}


def reporting_basis(ind: Indicator) -> str:
    """How the value is to be reported (填报口径)."""
    if any(t.comparator in CUMULATIVE for t in ind.targets):
        return "填报当年发生数（系统自动累计）"
    return "填报年末（或年度）数"


def _target_cell(ind: Indicator, year: int) -> str:
    specs = [TargetSpec.from_model(t) for t in ind.assessed_targets()]
    t = pick_target(specs, year)
    if t is None:
        return ind.qualitative_target or "仅监测（规划未设量化目标）"
    return f"{t.year}年 {target_text(t, ind.unit)}"


def _baseline_cell(ind: Indicator, year: int) -> str:
    """The latest baseline the plan states: a year's value, or else a period's (e.g. "“十三五”
    期间新增就业20.75万人" or "常年为0" → "2016—2020年 20.75")."""
    base = ind.latest_baseline(before=year + 1)
    if base is not None:
        return f"{base.year}年 {BASELINE_SIGN[base.comparator]}{base.value:g}"
    periods = [b for b in ind.baselines if b.period_start is not None and b.year <= year]
    if not periods:
        return ""
    b = max(periods, key=lambda x: x.year)
    return f"{b.period_start}—{b.period_end}年 {BASELINE_SIGN[b.comparator]}{b.value:g}"


def as_plan(plan: Plan | str) -> Plan:
    return plan if isinstance(plan, Plan) else get_plan(plan)


def write_template(plan_code: Plan | str, year: int, out: Path | str, *,
                   areas: Sequence[str] | None = None, department: str | None = None) -> Path:
    """Write the reporting template of a plan (code or Plan) for ``year`` to ``out``: one
    row per reported indicator for the plan area, or (``areas``: division codes inside it,
    e.g. its 街镇) one row per indicator and area; ``department`` (a code): only the
    indicators that department answers for."""
    plan = as_plan(plan_code)
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise InputError("填报模板须保存为 .xlsx 文件", file=str(out))
    if not plan.period_start - 1 <= year <= plan.period_end + 5:
        raise InputError(f"年份 {year} 不在规划期 {plan.period_start}—{plan.period_end} 附近")
    indicators = tuple(i for i in plan.reported_indicators()
                       if department is None or department in i.departments)
    if not indicators:
        raise InputError(f"{plan.name_zh}中没有由部门 {department} 填报的指标")
    labels = _area_labels(plan, areas)
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    last = _fill_rows(ws, indicators, year, labels)
    _style_rows(ws, plan, year, last)
    n_units, n_areas = _lists_sheet(wb, plan)
    _add_validations(ws, last, n_units, n_areas)
    _instructions(wb.create_sheet(INSTRUCTIONS, 0), plan, year, len(indicators))
    _meta_sheet(wb, plan, year)
    wb.active = 1
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


_COL = {name: get_column_letter(i) for i, name in enumerate(COLUMNS, start=1)}
_POS = {name: i for i, name in enumerate(COLUMNS, start=1)}


def _area_labels(plan: Plan, areas: Sequence[str] | None) -> list[str]:
    """The 地区 cell of each row group: the plan area, or each of ``areas`` (checked)."""
    known = {r.code: r for r in plan_areas(plan)}
    codes = [plan.area_code] if not areas else [parse_area(a, plan) for a in areas]
    return [area_label(known[c]) if c in known else c for c in dict.fromkeys(codes)]


def _fill_rows(ws: Any, indicators: Sequence[Indicator], year: int, areas: Sequence[str]
               ) -> int:
    """The header and one row per indicator and area; returns the last row."""
    append_values(ws, [f"{c}*" if c in REQUIRED else c for c in COLUMNS])
    for ind in indicators:
        for area in areas:
            append_values(ws, [ind.code, ind.name_zh, ind.unit,
                       "、".join(department_names(ind.departments)), year,
                       _target_cell(ind, year), _baseline_cell(ind, year),
                       reporting_basis(ind), area,
                       None, None, None, None, None, None, None])
    return int(max(ws.max_row, 2))


def _style_rows(ws: Any, plan: Plan, year: int, last: int) -> None:
    """Widths, wrapping, the input cells' fill, print setup and protection of the rest."""
    wrap_and_fit(ws, dict(enumerate(WIDTHS, start=1)),
                 [_POS[c] for c in WRAPPED], 2, last)
    wrap_and_fit(ws, {}, range(1, len(COLUMNS) + 1), 1, 1, min_lines=2)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for row in range(2, last + 1):
        ws.cell(row, _POS["年份"]).alignment = Alignment(vertical="center", horizontal="center")
        for name in INPUTS:
            ws[f"{_COL[name]}{row}"].fill = INPUT_FILL
        ws[f"{_COL['填报日期']}{row}"].number_format = "yyyy-mm-dd"
    ws.freeze_panes = "C2"
    print_setup(ws, landscape=True, last_col=len(COLUMNS), last_row=last, title_rows="1:1",
                header=f"{plan.name_zh} {year}年度指标填报表")
    protect_except(ws, [_POS[name] for name in INPUTS], 2, last)


def _lists_sheet(wb: Any, plan: Plan) -> tuple[int, int]:
    """The hidden sheet of drop-down choices; returns the numbers of reporting units and
    of areas."""
    lists = wb.create_sheet(LISTS)
    append_values(lists, ["数据性质", "填报单位", "地区"])
    dept_names = reporting_units(plan)
    areas = [area_label(r) for r in plan_areas(plan)]
    for i in range(max(len(NATURES), len(dept_names), len(areas))):
        append_values(lists, [NATURES[i] if i < len(NATURES) else None,
                              dept_names[i] if i < len(dept_names) else None,
                              areas[i] if i < len(areas) else None])
    lists.sheet_state = "hidden"
    return len(dept_names), len(areas)


def _add_validations(ws: Any, last: int, n_units: int, n_areas: int) -> None:
    """Checks of the input cells: a number, the lists, a date."""
    value_dv = DataValidation(type="decimal", operator="between", formula1="-1000000000000",
                              formula2="1000000000000", allow_blank=True, showErrorMessage=True,
                              errorTitle="填报值无效",
                              error="填报值必须是数字（不带单位、百分号或千分位）。")
    value_dv.prompt = "填写数字，单位见“单位”列；百分比填写百分数的数值，如 86.5"
    value_dv.promptTitle = "填报值"
    value_dv.showInputMessage = True
    # OOXML stores formulas without the leading "="; Excel is strict about it, Calc is not.
    nature_dv = DataValidation(type="list", formula1=f"'{LISTS}'!$A$2:$A${len(NATURES) + 1}",
                               allow_blank=True, showErrorMessage=True,
                               errorTitle="数据性质无效", error="请从下拉列表中选择数据性质。")
    dept_dv = DataValidation(type="list", formula1=f"'{LISTS}'!$B$2:$B${n_units + 1}",
                             allow_blank=True, showErrorMessage=True,
                             errorTitle="填报单位无效", error="请从下拉列表中选择填报单位。")
    date_dv = DataValidation(type="date", operator="between", formula1="DATE(2000,1,1)",
                             formula2="DATE(2100,12,31)", allow_blank=True,
                             showErrorMessage=True, errorTitle="日期无效",
                             error="请填写日期，格式 yyyy-mm-dd。")
    # A warning only: 街镇 codes the list does not hold are checked on import.
    area_dv = DataValidation(type="list", formula1=f"'{LISTS}'!$C$2:$C${n_areas + 1}",
                             allow_blank=True, showErrorMessage=True, errorStyle="warning",
                             errorTitle="地区不在列表中",
                             error="地区不在列表中：请确认是本规划地区内的区或街镇代码。")
    for dv, name in ((value_dv, "填报值"), (nature_dv, "数据性质"), (dept_dv, "填报单位"),
                     (date_dv, "填报日期"), (area_dv, "地区")):
        ws.add_data_validation(dv)
        dv.add(f"{_COL[name]}2:{_COL[name]}{last}")


def _meta_sheet(wb: Any, plan: Plan, year: int) -> None:
    """The hidden sheet the import reads the plan and year from."""
    meta = wb.create_sheet(META)
    for row in (["magic", MAGIC], ["plan", plan.code], ["year", year], ["version", VERSION]):
        append_values(meta, row)
    meta.sheet_state = "hidden"


def _instructions(ws: Any, plan: Plan, year: int, n: int) -> None:
    lines = [
        f"{plan.name_zh} — {year}年度指标填报表",
        "",
        "填报说明",
        f"1. 本表列出规划中需由部门填报的{n}项指标，每行一项，“责任部门”列为规划确定的责任单位。",
        "2. 请在黄色单元格中填写：填报值、数据性质、数据来源说明、填报单位、填报人、填报日期，"
        "带 * 的列为必填。",
        "3. 填报值只填数字，单位以“单位”列为准；百分比填写百分数的数值（如 86.5 表示 86.5%），"
        "不要带单位、百分号或千分位逗号。",
        "4. “填报口径”为“填报当年发生数”的指标（如城镇新增就业），填写该年度的发生数，"
        "系统自动累计规划期总量；其余指标填写年末或年度数。",
        "5. 数据性质从下拉列表选择：年报正式数、统计快报数、初步统计数、估计值。",
        "6. 暂无数据的指标请保持“填报值”为空，系统记为“未填报”，不视为错误。",
        "   “地区”列为该行数值所属地区（默认为规划地区）；分街镇填报时可改选区或街镇"
        "（“代码 名称”或只填代码），空白视为规划地区。",
        "7. 表格已保护：只有黄色单元格可以填写（可调整列宽、行高）；与本单位无关的行保持空白即可。"
        "如需修改其他内容，可在“审阅—撤销工作表保护”后操作，但请勿修改指标代码、年份，勿增删列。",
        "8. 导入时逐行校验：通过的行入库并保留来源（文件、行号、填报单位、填报人、日期），"
        "不通过的行进入待核查清单，并注明文件、行号、列和原因，修改后可重新导入；"
        "同一指标同一地区同一年度以最后一次导入为准。",
        "",
        f"牵头单位：{lead_name(plan)}。导入命令：renkou indicators import 文件.xlsx",
    ]
    for line in lines:
        append_values(ws, [line])
    wrap_and_fit(ws, {1: INSTRUCTIONS_WIDTH}, [1], 1, ws.max_row)
    ws["A1"].font = Font(bold=True, size=14)
    ws.row_dimensions[1].height = 24
    ws["A3"].font = Font(bold=True)
    print_setup(ws, landscape=False, last_col=1, last_row=ws.max_row,
                header=f"{plan.name_zh} {year}年度指标填报表")


@dataclass(frozen=True)
class ImportResult:
    """Outcome of importing one filled template (导入结果)."""

    plan: str
    year: int
    file: str
    accepted: int
    blank: int
    rejected: tuple[Rejection, ...] = field(default_factory=tuple)


def rejections_json(result: ImportResult) -> str:
    return json.dumps([x.__dict__ for x in result.rejected], ensure_ascii=False)


__all__ = ["ImportResult", "Rejection", "rejections_json", "write_template"]
