"""Generated reports kept beside a store (已生成的报告): the evaluation report of a plan
(midterm or final, Word or HTML), the annual population report (Word) and the population
impact assessment of a decision (Word), written by the same use cases as ``renkou report
evaluate|annual`` and ``renkou impact assess`` into the store's private report folder
``.<store>.reports/`` (mode 0700) and listed there with who generated them and when."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import threading
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from renkou.app.annual import annual_report
from renkou.app.jobs import JobContext, Work
from renkou.app.reports import FORMATS, STAGES, evaluation_report
from renkou.app.stores import StoreRef
from renkou.errors import InputError, NotFoundError
from renkou.impact.decision import Decision

Kind = Literal["evaluation", "annual", "impact"]
KIND_ZH = {"evaluation": "规划实施评估报告", "annual": "年度人口发展形势分析与预警报告",
           "impact": "重大决策人口影响评估报告"}
STAGE_ZH = {"midterm": "中期", "final": "终期"}
INDEX = "index.jsonl"
MAX_TRAJECTORIES = 200
_ID = re.compile(r"^[0-9a-f]{32}$")
_lock = threading.Lock()
# Characters a decision's name may hold that do not belong in a file name.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


@dataclass(frozen=True)
class ReportFile:
    """One generated report and who asked for it."""

    id: str
    kind: str
    plan: str | None
    year: int | None
    stage: str | None
    format: str
    filename: str
    size: int
    created_at: str
    created_by: str
    role: str

    @property
    def kind_name(self) -> str:
        return KIND_ZH.get(self.kind, self.kind)


def reports_dir(db: Path) -> Path:
    """The store's private report folder (created with mode 0700)."""
    folder = Path(db).with_name(f".{Path(db).name}.reports")
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _check(kind: str, stage: str, fmt: str, trajectories: int) -> None:
    if kind not in KIND_ZH:
        raise InputError(f"报告类型应为 evaluation 或 annual，实际为 {kind}", column="kind")
    if stage not in STAGES:
        raise InputError(f"评估阶段应为 midterm 或 final，实际为 {stage}", column="stage")
    if fmt not in FORMATS or (kind == "annual" and fmt != "docx"):
        raise InputError("年度报告只能生成 Word（docx）；评估报告可为 docx 或 html",
                         column="format")
    if not 10 <= trajectories <= MAX_TRAJECTORIES:
        raise InputError(f"随机预测条数应在 10—{MAX_TRAJECTORIES} 之间", column="trajectories")


def generate(store: StoreRef, db: Path, kind: str, *, plan: str | None = None,
             year: int | None = None, stage: str = "midterm", fmt: str = "docx",
             trajectories: int = 100, created_by: str, role: str) -> ReportFile:
    """Write the report from ``store`` (a registry or the store at ``db``) into ``db``'s
    report folder and list it."""
    _check(kind, stage, fmt, trajectories)
    rid = uuid.uuid4().hex
    folder = reports_dir(db)
    out = folder / f"{rid}.{fmt}"
    try:
        if kind == "evaluation":
            evaluation_report(store, plan, year, "final" if stage == "final" else "midterm",
                              "html" if fmt == "html" else "docx", out,
                              trajectories=trajectories)
        else:
            annual_report(store, year, out, plan_code=plan, trajectories=trajectories)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    label = (f"{plan or '默认规划'}-{STAGE_ZH[stage]}评估" if kind == "evaluation"
             else f"{year}年度人口报告" if year else "年度人口报告")
    return _listed(ReportFile(id=rid, kind=kind, plan=plan, year=year,
                              stage=stage if kind == "evaluation" else None, format=fmt,
                              filename=f"{label}.{fmt}", size=out.stat().st_size,
                              created_at=_now(), created_by=created_by, role=role), folder)


def generate_impact(db: Path, decision: Decision, *, created_by: str, role: str
                    ) -> ReportFile:
    """Assess ``decision`` against the store's baseline and write its Word report (as
    ``renkou impact assess --out``) into the store's report folder, listed."""
    from renkou.app.impact import assess_decision, write_report

    rid = uuid.uuid4().hex
    folder = reports_dir(db)
    out = folder / f"{rid}.docx"
    try:
        write_report(assess_decision(db, decision), out)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    name = _UNSAFE.sub("_", decision.name).strip(" ._") or "决策"
    return _listed(ReportFile(id=rid, kind="impact", plan=None, year=decision.horizon,
                              stage=None, format="docx",
                              filename=f"{name[:80]}-人口影响评估.docx",
                              size=out.stat().st_size, created_at=_now(),
                              created_by=created_by, role=role), folder)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _listed(report: ReportFile, folder: Path) -> ReportFile:
    with _lock:
        index = folder / INDEX
        with index.open("a", encoding="utf-8") as f:
            f.write(json.dumps(asdict(report), ensure_ascii=False) + "\n")
        os.chmod(index, 0o600)
    return report


def list_reports(db: Path) -> list[ReportFile]:
    """Every report generated beside the store whose file is still there, newest first."""
    index = reports_dir(db) / INDEX
    if not index.exists():
        return []
    out: list[ReportFile] = []
    for line in index.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            r = ReportFile(**json.loads(line))
        except (ValueError, TypeError):
            continue  # a line cut short by a crash: the report is not listed
        if (index.parent / f"{r.id}.{r.format}").exists():
            out.append(r)
    return sorted(out, key=lambda r: r.created_at, reverse=True)


def report_file(db: Path, report_id: str) -> tuple[ReportFile, Path]:
    """A listed report and its file."""
    if not _ID.match(report_id):
        raise NotFoundError("报告不存在")
    for r in list_reports(db):
        if r.id == report_id:
            return r, reports_dir(db) / f"{r.id}.{r.format}"
    raise NotFoundError("报告不存在")


def report_work(db: Path, kind: str, *, plan: str | None, year: int | None, stage: str,
                fmt: str, trajectories: int, created_by: str, role: str) -> Work:
    """The generation as a job of the server's job runner: checked now, run later; its
    result names the report to download."""
    _check(kind, stage, fmt, trajectories)

    def run(ctx: JobContext) -> dict[str, Any]:
        ctx.progress(0.05, f"正在生成{KIND_ZH[kind]}（评估规划、随机预测 {trajectories} 条）")
        r = generate(db, db, kind, plan=plan, year=year, stage=stage, fmt=fmt,
                     trajectories=trajectories, created_by=created_by, role=role)
        ctx.check()
        return {"report_id": r.id, "filename": r.filename, "size": r.size,
                "download_url": f"/api/reports/{r.id}/download"}

    return run


def title_of(kind: str, plan: str | None, year: int | None, stage: str) -> str:
    if kind == "evaluation":
        when = f"（{year}年）" if year else ""
        return f"{plan or ''}{STAGE_ZH.get(stage, stage)}评估报告{when}"
    return f"{year or '最近'}年度人口发展形势分析与预警报告"
