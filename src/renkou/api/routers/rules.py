"""Rules as code (政策规则计算): the schemes with their input columns and parameters, the
evaluation of persons given as JSON or in an uploaded table, caseloads and budgets from the
store (``renkou rules …``). Overridden parameters are written to the audit log. Caseloads
count persons: for roles below statistician their small cells are suppressed (with the costs
that would give them away) as the population tables are."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi import Path as PathParam

from renkou.api.deps import DashboardDep, DatabaseDep, GateDep, SettingsDep, User, require
from renkou.api.gate import StoreGate
from renkou.api.schemas_rules import (
    BudgetIn,
    BudgetOut,
    CaseloadIn,
    CaseloadOut,
    ColumnOut,
    EvaluateIn,
    EvaluateOut,
    ParameterOut,
    RowErrorOut,
    SchemeOut,
)
from renkou.api.trail import audit, records, summary_reading, threshold
from renkou.app import rules
from renkou.auth.redact import redact_ids
from renkou.auth.roles import Scope
from renkou.errors import InputError
from renkou.rules.schemes import PeopleRun, get_scheme, scheme_keys

router = APIRouter(prefix="/api/rules", tags=["rules"])

Analyst = Annotated[User, Depends(require(Scope.rules))]
SchemeKey = Annotated[str, PathParam(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
UPLOAD_SUFFIXES = (".csv", ".xlsx")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def _audit_params(gate: StoreGate, db: Path, user: User, request: Request, action: str,
                  scheme: str, params: dict[str, Any], detail: dict[str, Any]) -> None:
    """A run with overridden parameters is a rule parameter change: audited with them."""
    if params:
        audit(gate, db, user, request, action, target=scheme,
              detail={"params": {k: str(v) for k, v in params.items()}, **detail})


@router.get("/schemes", response_model=list[SchemeOut])
def schemes(_: Analyst) -> list[SchemeOut]:
    """可评估的补贴/扶助项目及其人员表输入列。"""
    out = []
    for key in scheme_keys():
        s = get_scheme(key)
        out.append(SchemeOut(key=s.key, title=s.title,
                             jurisdiction=s.jurisdiction.key if s.jurisdiction else None,
                             columns=[ColumnOut(name=c.name, kind=c.kind, required=c.required,
                                                description=c.description,
                                                values=list(c.values)) for c in s.columns]))
    return out


@router.get("/schemes/{key}/params", response_model=list[ParameterOut])
def params(key: SchemeKey, _: Analyst, as_of: dt.date | None = None) -> list[ParameterOut]:
    """某日有效的参数、取值、生效日期和政策依据（同 renkou rules params）。"""
    when = as_of or dt.date.today()
    seen: set[str] = set()
    out = []
    for ps in get_scheme(key).parameters({}):
        for row in ps.table(when):
            name = str(row["参数 parameter"])
            if name in seen:
                continue
            seen.add(name)
            out.append(ParameterOut(name=name, value=str(row["取值 value"]),
                                    unit=str(row["单位 unit"] or ""),
                                    description=str(row["说明 description"] or ""),
                                    effective_from=str(row["生效日期 effective_from"]),
                                    source=str(row["依据 source"] or ""),
                                    note=row["备注 note"] or None))
    return out


def _evaluated(key: str, as_of: dt.date, run: PeopleRun) -> EvaluateOut:
    return EvaluateOut(scheme=key, as_of=as_of, n_input=run.n_input,
                       n_evaluated=len(run.output), columns=[str(c) for c in run.output.columns],
                       rows=records(run.output),
                       errors=[RowErrorOut(row=e.row, column=e.column,
                                           message=redact_ids(e.message))
                               for e in run.errors])


@router.post("/schemes/{key}/evaluate", response_model=EvaluateOut)
def evaluate(key: SchemeKey, body: EvaluateIn, request: Request, db: DatabaseDep,
             gate: GateDep, dashboard: DashboardDep, user: Analyst) -> EvaluateOut:
    """按项目规则逐人评估资格与金额（人员以 JSON 给出）；有错误的行单独列出。"""
    with summary_reading(gate, dashboard, db) as summary:
        jurisdiction = summary.jurisdiction
    run = rules.evaluate_records(key, body.persons, body.as_of, body.params,
                                 explain=body.explain, jurisdiction=jurisdiction)
    _audit_params(gate, db, user, request, "rules.params", key, body.params,
                  {"use": "evaluate", "as_of": body.as_of.isoformat()})
    return _evaluated(key, body.as_of, run)


@router.post("/schemes/{key}/evaluate-file", response_model=EvaluateOut)
def evaluate_file(key: SchemeKey, request: Request, db: DatabaseDep, gate: GateDep,
                  dashboard: DashboardDep, user: Analyst,
                  file: Annotated[UploadFile, File(description="人员表 CSV 或 XLSX")],
                  as_of: Annotated[dt.date, Form(description="评估日期")],
                  params: Annotated[str, Form(max_length=4000,
                                              description="覆盖参数（JSON 对象）")] = "{}",
                  explain: Annotated[bool, Form()] = True) -> EvaluateOut:
    """按项目规则逐人评估上传的人员表（CSV/XLSX）；错误行注明行号、列和原因。"""
    name = Path(file.filename or "people.csv").name
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise InputError("人员表应为 .csv 或 .xlsx 文件", file=name)
    try:
        overrides = json.loads(params or "{}")
    except ValueError:
        raise InputError("params 应为 JSON 对象", column="params") from None
    if not isinstance(overrides, dict):
        raise InputError("params 应为 JSON 对象", column="params")
    with summary_reading(gate, dashboard, db) as summary:
        jurisdiction = summary.jurisdiction
    with tempfile.TemporaryDirectory(prefix="renkou-rules-") as tmp:
        path = Path(tmp) / f"people{suffix}"
        data = file.file.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            raise InputError(f"人员表不能超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB", file=name)
        path.write_bytes(data)
        run = rules.evaluate_people(key, path, as_of, overrides, explain=explain,
                                    jurisdiction=jurisdiction, file_name=name)
    _audit_params(gate, db, user, request, "rules.params", key, overrides,
                  {"use": "evaluate", "as_of": as_of.isoformat()})
    return _evaluated(key, as_of, run)


@router.post("/schemes/{key}/caseload", response_model=CaseloadOut)
def caseload(key: SchemeKey, body: CaseloadIn, request: Request, db: DatabaseDep,
             gate: GateDep, user: Analyst, settings: SettingsDep) -> CaseloadOut:
    """用登记库某日的户籍人口按区测算受益人数与经费（同 renkou rules caseload）。统计分析以下
    角色：少于阈值人数的对象数及其补充单元格为 null，其经费随之为 null。"""
    with gate.reading():
        result = rules.caseload(db, key, body.as_of, body.params, seed=body.seed)
    _audit_params(gate, db, user, request, "rules.params", key, body.params,
                  {"use": "caseload", "as_of": body.as_of.isoformat()})
    k = threshold(user, settings)
    shown = rules.disclose_caseload(records(result.costs), records(result.groups), k)
    return CaseloadOut(scheme=key, as_of=body.as_of, total_caseload=result.total_caseload,
                       annual_cost=result.annual_cost, costs=shown.tables["costs"],
                       groups=shown.tables["groups"], suppressed=shown.suppressed,
                       suppression_threshold=k)


@router.post("/schemes/{key}/budget", response_model=BudgetOut)
def budget(key: SchemeKey, body: BudgetIn, request: Request, db: DatabaseDep, gate: GateDep,
           user: Analyst, settings: SettingsDep) -> BudgetOut:
    """逐年测算各区受益人数与年度经费（市、区分担；同 renkou rules budget）。统计分析以下角色：
    按区的表逐年做小单元格抑制（null），各年合计照常公布。"""
    if body.to_year < body.from_year:
        raise InputError("终止年不能早于起始年", column="to_year")
    if body.to_year - body.from_year > 30:
        raise InputError("测算年限不能超过30年", column="to_year")
    with gate.reading():
        result = rules.budget(db, key, body.from_year, body.to_year, body.params,
                              seed=body.seed, base_date=body.base_date, compare=body.compare)
    _audit_params(gate, db, user, request, "rules.params", key, body.params,
                  {"use": "budget", "from_year": body.from_year, "to_year": body.to_year})
    k = threshold(user, settings)
    shown = rules.disclose_budget(
        records(result.by_district), records(result.groups),
        None if result.comparison is None else records(result.comparison), k)
    return BudgetOut(scheme=key, base_date=result.base_date, from_year=body.from_year,
                     to_year=body.to_year, by_year=records(result.by_year),
                     by_district=shown.tables["by_district"], groups=shown.tables["groups"],
                     comparison=None if result.comparison is None
                     else shown.tables["comparison"], suppressed=shown.suppressed,
                     suppression_threshold=k)
