"""Points-based hukou settlement (积分落户) simulation: rank a synthetic applicant pool
before and after a scheme change, the applicants admitted instead and displaced, their
composition and the settled inflow by year against the plan's target (``renkou rules points
simulate``). Each simulation is a rule parameter change, written to the audit log."""

from __future__ import annotations

from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Depends, Request

from renkou.api.deps import DatabaseDep, GateDep, SettingsDep, User, require
from renkou.api.schemas_rules import PointsSimulateIn, PointsSimulateOut, TargetComparisonOut
from renkou.api.trail import audit, records
from renkou.app import rules
from renkou.auth.roles import Scope

router = APIRouter(prefix="/api/rules/points", tags=["points"])

Analyst = Annotated[User, Depends(require(Scope.rules))]


def _inflow(baseline: pd.DataFrame, changed: pd.DataFrame) -> pd.DataFrame:
    """Settled persons by year, before and after the change."""
    b = baseline.groupby("year")["settled"].sum().rename("settled_baseline")
    c = changed.groupby("year")["settled"].sum().rename("settled_changed")
    return pd.concat([b, c], axis=1).fillna(0.0).reset_index().rename(
        columns={"index": "year"})


@router.post("/simulate", response_model=PointsSimulateOut)
def simulate(body: PointsSimulateIn, request: Request, db: DatabaseDep, gate: GateDep,
             settings: SettingsDep, user: Analyst) -> PointsSimulateOut:
    """模拟积分方案调整（分值、上限、名额、分值线）的影响；申请人为按方案假设生成的模拟申请人。"""
    frame = rules.sample_applicants(body.sample.n, body.sample.seed, body.sample.as_of,
                                    body.scheme)
    pool = rules.applicants_from(frame, body.scheme, file="模拟申请人")
    run = rules.points_simulate(pool, dict(body.changes), source="网页/接口调整项",
                                as_of=body.as_of, quota=body.quota,
                                settle_from=body.settle_from, settle_to=body.settle_to,
                                base_year=body.base_year, end_year=body.end_year,
                                pseudonym_key=settings.pseudonym_key_bytes())
    sim = run.simulation
    audit(gate, db, user, request, "rules.points", target=body.scheme,
          detail={"changes": {k: str(v) for k, v in body.changes.items()},
                  "quota": body.quota, "applicants": body.sample.n, "seed": body.sample.seed})
    return PointsSimulateOut(
        scheme=body.scheme, as_of=run.as_of, applicants=len(pool.table),
        skipped_rows=pool.skipped_rows, admitted_instead=int(sim.admitted_instead.shape[0]),
        displaced=int(sim.displaced.shape[0]), summary=records(sim.summary().astype(str)),
        composition=records(sim.composition()),
        targets=[TargetComparisonOut(label=t.target.label, from_year=t.target.from_year,
                                     to_year=t.target.to_year, value=t.target.value,
                                     baseline=t.baseline, changed=t.changed,
                                     baseline_share=t.baseline_share,
                                     changed_share=t.changed_share) for t in sim.targets],
        inflow=records(_inflow(sim.baseline_inflow.frame(), sim.changed_inflow.frame())))
