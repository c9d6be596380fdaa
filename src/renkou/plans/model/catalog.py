"""Load and validate the plans shipped as YAML (规划目录).

Every file is validated against :mod:`renkou.plans.model.plan` when it is loaded; a problem is
reported as an :class:`~renkou.errors.InputError` naming the file and the key path
(e.g. ``indicators[3].targets[0].value``). Department codes used by indicators and tasks
must exist in ``departments.yaml``."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from renkou.errors import InputError, NotFoundError
from renkou.plans.model.plan import Department, Plan

# Plan codes in display order; each has data/<code>.yaml and optionally tasks-<code>.yaml.
DEPARTMENTS_FILE = "departments.yaml"


def _data_dir() -> Traversable:
    return resources.files("renkou.plans").joinpath("data")


def _read_yaml(text: str, name: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise InputError(f"YAML 格式错误：{exc}", file=name, row=row) from None


def _loc(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "（顶层）"


def _validation_error(exc: ValidationError, name: str, data: Any) -> InputError:
    first = exc.errors()[0]
    where = _loc(first["loc"])
    # Name the indicator or task code too: "indicators[3]" alone is hard to find in a file.
    hint = ""
    loc = list(first["loc"])
    if len(loc) >= 2 and isinstance(loc[1], int) and isinstance(data, Mapping):
        items = data.get(str(loc[0]))
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            code = items[loc[1]].get("code")
            if code:
                hint = f"（{code}）"
    more = f"；另有 {exc.error_count() - 1} 处错误" if exc.error_count() > 1 else ""
    return InputError(f"{first['msg']}{hint}{more}", file=name, column=where)


def _load_departments(text: str, name: str) -> dict[str, Department]:
    data = _read_yaml(text, name)
    if not isinstance(data, Mapping) or not isinstance(data.get("departments"), list):
        raise InputError("应为含 departments 列表的映射", file=name, column="departments")
    out: dict[str, Department] = {}
    for i, item in enumerate(data["departments"]):
        try:
            dept = Department.model_validate(item)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise InputError(err["msg"], file=name,
                             column=_loc(["departments", i, *err["loc"]])) from None
        if dept.code in out:
            raise InputError(f"部门代码重复：{dept.code}", file=name,
                             column=f"departments[{i}].code")
        out[dept.code] = dept
    return out


def _check_departments(plan: Plan, depts: Mapping[str, Department], name: str) -> None:
    for i, ind in enumerate(plan.indicators):
        for code in ind.departments:
            if code not in depts:
                raise InputError(f"未知的部门代码 {code}（指标 {ind.code}）", file=name,
                                 column=f"indicators[{i}].departments")
    for i, task in enumerate(plan.tasks):
        for code in (*task.departments, *([task.lead_department] if task.lead_department
                                          else [])):
            if code not in depts:
                raise InputError(f"未知的部门代码 {code}（任务 {task.code}）", file=name,
                                 column=f"tasks[{i}].departments")
    if plan.lead_department and plan.lead_department not in depts:
        raise InputError(f"未知的部门代码 {plan.lead_department}", file=name,
                         column="lead_department")


def parse_plan(text: str, name: str, *, tasks_text: str | None = None,
               tasks_name: str | None = None,
               depts: Mapping[str, Department] | None = None) -> Plan:
    """Validate one plan from YAML text (and optionally a separate task-list YAML)."""
    data = _read_yaml(text, name)
    if not isinstance(data, dict):
        raise InputError("规划文件应为 YAML 映射", file=name)
    if tasks_text is not None:
        tname = tasks_name or "tasks.yaml"
        tdata = _read_yaml(tasks_text, tname)
        if not isinstance(tdata, Mapping) or not isinstance(tdata.get("tasks"), list):
            raise InputError("任务文件应为含 tasks 列表的映射", file=tname, column="tasks")
        if data.get("tasks"):
            raise InputError("任务已在单独的任务文件中给出，规划文件不应再列 tasks",
                             file=name, column="tasks")
        try:
            plan = Plan.model_validate({**data, "tasks": tdata["tasks"]})
        except ValidationError as exc:
            bad = exc.errors()[0]["loc"]
            raise _validation_error(
                exc, tname if bad and bad[0] == "tasks" else name,
                {**data, "tasks": tdata["tasks"]}) from None
    else:
        try:
            plan = Plan.model_validate(data)
        except ValidationError as exc:
            raise _validation_error(exc, name, data) from None
    if depts is not None:
        _check_departments(plan, depts, name)
    return plan


def load_plan_file(path: str | Path, tasks_path: str | Path | None = None) -> Plan:
    """Load a plan YAML from disk (e.g. a district's own plan), checked like the shipped ones."""
    p = Path(path)
    if not p.is_file():
        raise InputError("文件不存在", file=str(p))
    tasks_text = Path(tasks_path).read_text(encoding="utf-8") if tasks_path else None
    return parse_plan(p.read_text(encoding="utf-8"), p.name, tasks_text=tasks_text,
                      tasks_name=Path(tasks_path).name if tasks_path else None,
                      depts=departments())


@lru_cache(maxsize=1)
def departments() -> dict[str, Department]:
    """All departments (责任部门) by code."""
    text = _data_dir().joinpath(DEPARTMENTS_FILE).read_text(encoding="utf-8")
    return _load_departments(text, DEPARTMENTS_FILE)


def department(code: str) -> Department:
    try:
        return departments()[code]
    except KeyError:
        raise NotFoundError(f"未知的部门代码 {code}") from None


def resolve_department(name: str) -> Department:
    """Find a department by code, Chinese name or an alias used in the texts."""
    name = name.strip()
    for d in departments().values():
        if name in (d.code, d.name_zh, d.name_en) or name in d.aliases:
            return d
    raise NotFoundError(f"未知的部门：{name}")


@lru_cache(maxsize=1)
def plan_codes() -> tuple[str, ...]:
    """Codes of the shipped plans, in listing order (``data/plans.yaml``)."""
    raw = yaml.safe_load(_data_dir().joinpath("plans.yaml").read_text(encoding="utf-8"))
    return tuple(str(c) for c in raw["plans"])


@lru_cache(maxsize=1)
def _plans() -> dict[str, Plan]:
    depts = departments()
    out: dict[str, Plan] = {}
    base = _data_dir()
    for code in plan_codes():
        name = f"{code}.yaml"
        tasks_file = base.joinpath(f"tasks-{code}.yaml")
        tasks_text = tasks_file.read_text(encoding="utf-8") if tasks_file.is_file() else None
        plan = parse_plan(base.joinpath(name).read_text(encoding="utf-8"), name,
                          tasks_text=tasks_text, tasks_name=f"tasks-{code}.yaml", depts=depts)
        if plan.code != code:
            raise InputError(f"文件中的规划代码 {plan.code} 与文件名不符", file=name,
                             column="code")
        out[code] = plan
    return out


def list_plans() -> tuple[Plan, ...]:
    """The shipped plans, in listing order (:func:`plan_codes`)."""
    return tuple(_plans().values())


def get_plan(code: str) -> Plan:
    """One plan by code; NotFoundError lists the known codes."""
    try:
        return _plans()[code]
    except KeyError:
        raise NotFoundError(f"未知的规划代码 {code}（可选：{', '.join(plan_codes())}）") from None


def source_text(file: str) -> str:
    """The shipped source text of a plan (规划原文)."""
    f = _data_dir().joinpath("sources").joinpath(file)
    if not f.is_file():
        raise NotFoundError(f"未找到规划原文 {file}")
    return f.read_text(encoding="utf-8")


_WS = re.compile(r"\s+")
# Page footers of an extracted text ("- 10 -") interrupt sentences.
_PAGE_MARK = re.compile(r"-\s*\d+\s*-")


def normalise(text: str) -> str:
    """Text for quote matching: whitespace and extraction page markers removed (the
    sources are extracted from published documents with hard line breaks)."""
    return _WS.sub("", _PAGE_MARK.sub("", text))


def plan_quotes(plan: Plan) -> list[tuple[str, str]]:
    """Every (where, quote) pair of a plan: indicators, their baselines and targets, figures."""
    out: list[tuple[str, str]] = []
    for ind in plan.indicators:
        out.append((ind.code, ind.quote))
        for b in ind.baselines:
            if b.quote:
                out.append((f"{ind.code} 基期 {b.year}", b.quote))
        for t in ind.targets:
            if t.quote:
                out.append((f"{ind.code} 目标 {t.year}", t.quote))
    for fig in plan.figures:
        out.append((fig.code, fig.quote))
    return out


def unverified_quotes(plan: Plan) -> list[str]:
    """Quotes of indicators and figures that do not occur in the plan's own source text,
    and task measures that do not occur in any of the plan's sources. Empty when all
    check out."""
    main = normalise(source_text(plan.source_file))
    every = "".join(normalise(source_text(f)) for f in plan.source_files)
    bad = [f"{where}：{q}" for where, q in plan_quotes(plan) if normalise(q) not in main]
    for task in plan.tasks:
        for i, m in enumerate(task.measures):
            if normalise(m) not in every:
                bad.append(f"{task.code} 举措 {i + 1}：{m[:30]}…")
    return bad
