"""Population impact assessment of major decisions (重大决策人口影响评估): the shipped
examples, the assessment of one of them or of a decision file sent in the body, and its Word
report (kept with the other reports, downloaded from ``/api/reports/{id}/download``)."""

from __future__ import annotations

import math
from typing import Annotated, Any

import pandas as pd
import yaml
from fastapi import APIRouter, Depends, Request

from renkou.api.deps import DatabaseDep, GateDep, ReadingDep, SummaryDep, User, require
from renkou.api.routers.reports import report_out
from renkou.api.schemas import (
    AssessIn,
    AssessOut,
    ExampleOut,
    ImpactRowOut,
    ObligationOut,
    RiskOut,
)
from renkou.api.schemas_reports import ReportOut
from renkou.api.scoping import check_whole
from renkou.api.trail import audit
from renkou.app import impact, report_files
from renkou.auth.roles import Scope
from renkou.errors import InputError
from renkou.impact.decision import Decision, parse_decision

router = APIRouter(prefix="/api/impact", tags=["impact"])

Reader = Annotated[User, Depends(require(Scope.services))]
# The report is kept with the other reports: its author needs both scopes.
Author = Annotated[User, Depends(require(Scope.reports))]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): (None if isinstance(v, float) and math.isnan(v) else v)
             for k, v in r.items()}
            for r in frame.to_dict(orient="records")]


def _decision(body: AssessIn) -> Decision:
    if (body.example is None) == (body.decision is None):
        raise InputError("请求体须给出 example（示例名称）或 decision（决策文件 YAML）之一")
    if body.example is not None:
        return impact.example_decision(body.example)
    try:
        raw = yaml.safe_load(body.decision or "")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark is not None else ""
        raise InputError(f"决策文件不是合法的 YAML{where}", file="请求体") from None
    return parse_decision(raw, "请求体")


@router.get("/examples", response_model=list[ExampleOut])
def examples(summary: SummaryDep, _: Reader) -> list[ExampleOut]:
    """The shipped example decisions of the store's jurisdiction."""
    out = []
    for key in impact.examples_for(summary.jurisdiction.key):
        d = impact.example_decision(key)
        out.append(ExampleOut(key=key, name=d.name, description=d.description,
                              horizon=d.horizon, shocks=[s.kind for s in d.shocks]))
    return out


@router.post("/assess", response_model=AssessOut)
def assess(body: AssessIn, db: DatabaseDep, summary: SummaryDep, user: Reader,
           _: ReadingDep) -> AssessOut:
    """Run a decision against the store's baseline projection: the indicator table
    (``year, region, indicator, baseline, scenario, difference``), risk grades and the
    obligations new-area norms put on it. The table covers the whole jurisdiction, so a
    district account may assess only when its district is the jurisdiction."""
    check_whole(user, summary.jurisdiction)
    a = impact.assess_decision(db, _decision(body))
    table = a.table
    if body.indicators:
        table = table[table["indicator"].isin(body.indicators)]
    return AssessOut(
        name=a.decision.name, jurisdiction=a.jurisdiction.code, base_year=a.base_year,
        horizon=a.decision.horizon, synthetic=a.synthetic, scale=a.scale,
        scale_note=a.scale_note, warnings=list(a.warnings),
        rows=[ImpactRowOut(**r) for r in _records(table)],
        risks=[RiskOut(**r) for r in _records(a.risks)],
        obligations=[ObligationOut(service=o.service, name=o.name, region=o.region,
                                   persons=o.persons, capacity=o.capacity, unit=o.unit,
                                   citation=o.citation) for o in a.obligations])


@router.post("/report", response_model=ReportOut, status_code=201,
             dependencies=[Depends(require(Scope.services))])
def report(body: AssessIn, request: Request, db: DatabaseDep, gate: GateDep,
           summary: SummaryDep, user: Author) -> ReportOut:
    """评估一项决策并生成 Word 报告（同 renkou impact assess --out），列入已生成的报告，
    由 /api/reports/{id}/download 下载；记入审计日志。"""
    check_whole(user, summary.jurisdiction)
    decision = _decision(body)
    with gate.reading():
        r = report_files.generate_impact(db, decision, created_by=user.username,
                                         role=user.role.value)
    audit(gate, db, user, request, "report.generate", target=r.id,
          detail={"kind": r.kind, "decision": decision.name, "horizon": decision.horizon})
    return report_out(r)
