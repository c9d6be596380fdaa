"""Importing a filled indicator form (填报导入) in three steps: :func:`parse_form` reads the
workbook (plan, year, rows by column name), :func:`validate_rows` accepts or rejects each
row, :func:`store_rows` writes the accepted values and the quarantine. Every row is either
accepted (stored with its source: file, row, department, reporter, date) or rejected with
file, row, column and reason — the registry's accept-or-quarantine discipline. Blank value
cells are not errors: they are counted as "not reported"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from renkou.errors import InputError
from renkou.plans.forms.areas import parse_area
from renkou.plans.forms.cells import parse_date, parse_number
from renkou.plans.forms.indicator_form import (
    META,
    NATURES,
    REQUIRED,
    SHEET,
    ImportResult,
    Rejection,
)
from renkou.plans.model.catalog import departments, get_plan
from renkou.plans.model.plan import Indicator, Plan
from renkou.plans.storage import REPORTED, REPORTED_QUARANTINE, AppTables, write_app
from renkou.tables import open_workbook

Row = Mapping[str, Any]  # column name → cell value (None for a blank cell)


@dataclass(frozen=True)
class FilledForm:
    """A filled form as read: its plan and year and the non-blank rows by sheet row."""

    file: str
    plan: Plan
    year: int | None  # the year the form was written for (its hidden sheet)
    rows: tuple[tuple[int, Row], ...]


@dataclass(frozen=True)
class Validated:
    """Rows accepted (ready to store) and rejected, and how many had no value."""

    accepted: tuple[dict[str, Any], ...] = ()
    rejected: tuple[Rejection, ...] = ()
    blank: int = 0


def _meta(wb: Any) -> dict[str, str]:
    if META not in wb.sheetnames:
        return {}
    return {str(r[0]): str(r[1]) for r in wb[META].iter_rows(values_only=True) if r and r[0]}


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def parse_form(path: Path | str, plan_code: Plan | str | None = None) -> FilledForm:
    """Read a filled form. The plan comes from the form's hidden sheet unless given (and
    must agree with it)."""
    p = Path(path)
    wb = open_workbook(p)
    meta = _meta(wb)
    given = plan_code.code if isinstance(plan_code, Plan) else plan_code
    code = given or meta.get("plan")
    if not code:
        raise InputError("文件中没有规划代码（不是renkou生成的模板？），请用 --plan 指定",
                         file=p.name)
    if given and meta.get("plan") and meta["plan"] != given:
        raise InputError(f"模板属于规划 {meta['plan']}，与指定的 {given} 不符", file=p.name)
    plan = plan_code if isinstance(plan_code, Plan) else get_plan(code)
    if SHEET not in wb.sheetnames:
        raise InputError(f"缺少工作表“{SHEET}”", file=p.name)
    rows = list(wb[SHEET].iter_rows(values_only=True))
    if not rows:
        raise InputError("工作表为空", file=p.name)
    header = [str(h).strip().rstrip("*") if h is not None else "" for h in rows[0]]
    missing = [c for c in ("指标代码", "年份", *REQUIRED) if c not in header]
    if missing:
        raise InputError(f"缺少列 {', '.join(missing)}", file=p.name, row=1)
    named = [(i, name) for i, name in enumerate(header) if name]
    body = tuple(
        (n, {name: (None if i >= len(r) or _blank(r[i]) else r[i]) for i, name in named})
        for n, r in enumerate(rows[1:], start=2) if not all(_blank(v) for v in r))
    year = int(meta["year"]) if meta.get("year", "").isdigit() else None
    return FilledForm(file=p.name, plan=plan, year=year, rows=body)


def _plausible(ind: Indicator, value: float) -> str | None:
    if value < 0 and ind.unit not in ("‰",):
        return f"填报值 {value:g} 为负数，{ind.name_zh}不应为负"
    if ind.unit == "%" and value > 100:
        return f"填报值 {value:g} 超过100%（请填写百分数的数值，如 86.5）"
    if ind.unit == "%" and 0 < value <= 1 and not any(
            (t.value or 0) <= 1 for t in ind.targets if t.value is not None):
        return f"填报值 {value:g} 像是小数比例，请填写百分数（如 0.865 应填 86.5）"
    return None


def _department_codes() -> dict[str, str]:
    """Department code by name and by each alias."""
    known = {d.name_zh: d.code for d in departments().values()}
    for d in departments().values():
        for a in d.aliases:
            known.setdefault(a, d.code)
    return known


@dataclass(frozen=True)
class _Check:
    """What validating one row needs besides the row."""

    form: FilledForm
    reported: Mapping[str, Indicator]
    departments: Mapping[str, str]
    today: dt.date


def _value(raw: Any) -> float:
    try:
        return parse_number(raw)
    except (TypeError, ValueError):
        text = str(raw)
        hint = ("小数请用小数点，千分位逗号须三位一组" if "," in text or "，" in text
                else "不要带单位或百分号")
        raise InputError(f"“{text}”不是数字（{hint}）", column="填报值") from None


def _validate_row(check: _Check, n: int, row: Row) -> dict[str, Any] | None:
    """The stored record of one row, None when its value is blank; InputError naming the
    column otherwise."""
    plan = check.form.plan
    ind_code = str(row.get("指标代码") or "").strip()
    ind = check.reported.get(ind_code)
    if ind is None:
        raise InputError(f"“{ind_code}”不是规划 {plan.code} 的填报类指标", column="指标代码")
    if row.get("填报值") is None:
        return None
    try:
        year = int(parse_number(row.get("年份") or check.form.year))
    except (TypeError, ValueError):
        raise InputError("年份不是整数", column="年份") from None
    if not plan.period_start - 1 <= year <= plan.period_end:
        raise InputError(f"年份 {year} 不在规划期 {plan.period_start}—{plan.period_end} 内",
                         column="年份")
    area = parse_area(row.get("地区"), plan)
    value = _value(row.get("填报值"))
    problem = _plausible(ind, value)
    if problem:
        raise InputError(problem, column="填报值")
    nature = str(row.get("数据性质") or "").strip()
    if nature not in NATURES:
        raise InputError(f"“{nature}”不在可选范围（{'、'.join(NATURES)}）" if nature
                         else "数据性质为必填", column="数据性质")
    dept = str(row.get("填报单位") or "").strip()
    if not dept:
        raise InputError("填报单位为必填", column="填报单位")
    if dept not in check.departments:
        raise InputError(f"“{dept}”不是已登记的部门名称", column="填报单位")
    reporter = str(row.get("填报人") or "").strip()
    if not reporter:
        raise InputError("填报人为必填", column="填报人")
    try:
        on = parse_date(row.get("填报日期"))
    except (TypeError, ValueError):
        raise InputError(f"“{row.get('填报日期')}”不是有效日期（yyyy-mm-dd）",
                         column="填报日期") from None
    if on > check.today + dt.timedelta(days=1):
        raise InputError(f"填报日期 {on} 晚于今天", column="填报日期")
    return {
        "plan": plan.code, "indicator_code": ind.code, "area": area,
        "year": year, "value": value, "unit": ind.unit, "nature": nature,
        "department": check.departments[dept], "department_name": dept,
        "reporter": reporter, "reported_on": on,
        "source_note": str(row.get("数据来源说明") or ""), "note": str(row.get("备注") or ""),
        "source_file": check.form.file, "source_row": n,
    }


def validate_rows(form: FilledForm, *, today: dt.date) -> Validated:
    """Accept or reject every row of ``form`` (reported dates after ``today`` are refused)."""
    check = _Check(form=form, reported={i.code: i for i in form.plan.reported_indicators()},
                   departments=_department_codes(), today=today)
    accepted: list[dict[str, Any]] = []
    rejected: list[Rejection] = []
    blank = 0
    for n, row in form.rows:
        try:
            record = _validate_row(check, n, row)
        except InputError as exc:
            rejected.append(Rejection(form.file, n, exc.column or "", exc.message))
            continue
        if record is None:
            blank += 1
        else:
            accepted.append(record)
    return Validated(accepted=tuple(accepted), rejected=tuple(rejected), blank=blank)


def store_rows(store: AppTables, form: FilledForm, rows: Validated, stamp: dt.datetime
               ) -> ImportResult:
    """Write the accepted values and the quarantine, both stamped ``stamp``."""
    write_app(store, REPORTED, pd.DataFrame([{**r, "imported_at": stamp}
                                             for r in rows.accepted]))
    write_app(store, REPORTED_QUARANTINE, pd.DataFrame([
        {"plan": form.plan.code, "file": x.file, "row": x.row, "column": x.column,
         "reason": x.reason, "imported_at": stamp} for x in rows.rejected]))
    return ImportResult(plan=form.plan.code, year=form.year or 0, file=form.file,
                        accepted=len(rows.accepted), blank=rows.blank, rejected=rows.rejected)


def import_template(store: AppTables, path: Path | str, plan_code: Plan | str | None = None,
                    *, now: dt.datetime | None = None) -> ImportResult:
    """Parse, validate and store a filled form (see the module)."""
    stamp = (now or dt.datetime.now()).replace(microsecond=0)
    form = parse_form(path, plan_code)
    return store_rows(store, form, validate_rows(form, today=stamp.date()), stamp)


__all__ = ["FilledForm", "Validated", "import_template", "parse_form", "store_rows",
           "validate_rows"]
