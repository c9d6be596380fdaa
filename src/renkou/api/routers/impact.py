"""Population impact assessment of major decisions (重大决策人口影响评估): the shipped
examples and the assessment of one of them, or of a decision file sent in the body."""

from __future__ import annotations

import math
from typing import Annotated, Any

import pandas as pd
import yaml
from fastapi import APIRouter, Depends

from renkou.api.deps import DatabaseDep, ReadingDep, SummaryDep, User, require
from renkou.api.schemas import (
    AssessIn,
    AssessOut,
    ExampleOut,
    ImpactRowOut,
    ObligationOut,
    RiskOut,
)
from renkou.api.scoping import check_whole
from renkou.app import impact
from renkou.auth.roles import Scope
from renkou.errors import InputError
from renkou.impact.decision import Decision, parse_decision

router = APIRouter(prefix="/api/impact", tags=["impact"])

Reader = Annotated[User, Depends(require(Scope.services))]


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
