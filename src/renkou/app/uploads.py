"""Uploads of department feeds and reporting templates (数据上传) and the quarantine browser.

A batch of feed files is written only into its job's private folder beside the store (see
:func:`renkou.app.jobs.jobs_dir`), then ingested by the server's job runner with the
registry's validated readers — the same all-or-nothing batch as ``renkou registry ingest``
— and removed once the job ends. The job's result is the validation report: per file the
rows read, accepted and quarantined by reason; a refused batch lists every problem with its
file and column and writes nothing. A ``department`` user may send only its own
department's feeds and report only its own department's indicators."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from renkou.app.jobs import Job, JobContext, JobFailed, JobState, Work
from renkou.app.stores import data_changed, hosted, registry_at
from renkou.auth.redact import redact_ids
from renkou.errors import InputError, RenkouError
from renkou.settings import Settings

FEEDS = "feeds"
# A delivered file's name: no folder part, no leading dot (feeds are named by their feed key).
_SAFE_NAME = re.compile(r"^[^/\\\x00]+$")


def feed_departments() -> dict[str, str]:
    """The department code of every feed (the feed's department resolved among the plans'
    departments, e.g. 卫健 → wjw)."""
    from renkou.plans.model.catalog import resolve_department
    from renkou.registry.feeds import feed_schemas

    out: dict[str, str] = {}
    for key, schema in feed_schemas().items():
        try:
            out[key] = resolve_department(schema.department).code
        except RenkouError:
            out[key] = ""
    return out


def feeds_of_department(department: str) -> tuple[str, ...]:
    return tuple(k for k, d in feed_departments().items() if d == department)


@dataclass(frozen=True)
class UploadCheck:
    """The files of an upload by feed, and those a department may not send."""

    feeds: dict[str, str]  # file name → feed key
    foreign: tuple[str, ...]  # files of another department's feeds


def check_names(names: Iterable[str], department: str | None = None) -> UploadCheck:
    """Refuse (with every problem listed) names that are no feed file; note the files of
    feeds outside ``department`` (None: any department may be sent)."""
    from renkou.registry.feeds import FEED_SUFFIXES, feed_of

    problems: list[str] = []
    feeds: dict[str, str] = {}
    names = list(names)
    if not names:
        raise InputError("没有上传任何文件")
    for name in names:
        if not name or not _SAFE_NAME.match(name) or name.startswith(".") or name in feeds:
            problems.append(f"{name or '（无名）'}：文件名不合法或重复")
            continue
        if Path(name).suffix.lower() not in FEED_SUFFIXES:
            problems.append(f"{name}：不支持的文件类型（只接受 CSV、XLSX、Parquet）")
            continue
        feed = feed_of(Path(name))
        if feed is None:
            problems.append(f"{name}：文件名不以任何接口名开头（如 police_hukou_2024.csv）")
            continue
        feeds[name] = feed
    if problems:
        listed = "\n".join(f"  {p}" for p in problems)
        raise InputError(f"本批次未接收：{len(problems)} 个问题\n{listed}")
    owners = feed_departments()
    foreign = tuple(n for n, f in feeds.items()
                    if department is not None and owners.get(f) != department)
    return UploadCheck(feeds=feeds, foreign=foreign)


def place_files(folder: Path, received: Iterable[tuple[str, Path]]) -> Path:
    """Move the received files (checked names) into ``folder/feeds``, the batch directory the
    ingest reads; everything stays in the job's private folder."""
    target = folder / FEEDS
    target.mkdir(mode=0o700, exist_ok=True)
    for name, path in received:
        if not _SAFE_NAME.match(name) or name.startswith("."):
            raise InputError(f"{name}：文件名不合法")
        path.replace(target / name)
    return target


def _problem(line: str) -> dict[str, str]:
    """One listed problem of a refused batch as file, column and problem."""
    text = line.strip()
    file, sep, rest = text.partition("：")
    if not sep:
        file, rest = "", text
    column = ""
    m = re.search(r"列“([^”]+)”", rest)
    if m:
        column = m.group(1)
    return {"file": file, "column": column, "problem": redact_ids(rest)}


def refused_report(exc: InputError) -> dict[str, Any]:
    """The validation report of a refused batch: nothing written, every problem listed."""
    lines = exc.message.splitlines()
    problems = [_problem(x) for x in lines[1:] if x.strip()] or [_problem(exc.message)]
    return {"refused": True, "written": False, "summary": redact_ids(lines[0]),
            "problems": problems, "files": [], "rows_read": 0, "accepted": 0,
            "quarantined": 0, "by_reason": [], "examples": [], "ignored": [], "notices": []}


def batch_report(report: Any) -> dict[str, Any]:
    """A :class:`renkou.registry.quarantine.BatchReport` as the upload's validation report
    (reasons with their Chinese names, masked IDs only)."""
    from renkou.registry.validate import REASON_ZH

    def reasons(counts: dict[str, int]) -> list[dict[str, object]]:
        return [{"reason": k, "reason_name": REASON_ZH.get(k, k), "rows": int(v)}
                for k, v in sorted(counts.items())]

    return {
        "refused": False, "written": report.batch_id is not None,
        "batch_id": report.batch_id, "summary": "",
        "rows_read": report.rows_read, "accepted": report.accepted,
        "quarantined": report.quarantined, "by_reason": reasons(report.by_reason),
        "files": [{"file": f.file, "feed": f.feed, "rows_read": f.rows_read,
                   "accepted": f.accepted, "quarantined": f.quarantined,
                   "skipped": f.skipped, "note": f.note, "error": redact_ids(f.error),
                   "by_reason": reasons(f.by_reason)} for f in report.files],
        "examples": [{k: (redact_ids(str(v)) if isinstance(v, str) else v)
                      for k, v in ex.items()} for ex in report.examples],
        "ignored": list(report.ignored), "notices": list(report.notices), "problems": []}


def ingest_work(db: Path, settings: Settings, *, jurisdiction: str | None = None,
                source: Path | None = None, keep_source: bool = False) -> Work:
    """The job that ingests a batch: the files staged in the job's folder, or ``source``
    (a directory handed over by the command line, read where it is)."""

    def run(ctx: JobContext) -> dict[str, Any]:
        from renkou.registry.ingest import ingest_directory
        from renkou.registry.store import Store

        directory = source if source is not None else ctx.folder / FEEDS
        ctx.progress(0.02, "准备导入")

        def progress(message: str, step: int, total: int) -> None:
            ctx.progress(0.05 + 0.9 * step / max(total, 1), message)

        try:
            with Store(db, settings=settings, host=hosted(db)) as store:
                report = ingest_directory(store, directory, progress,
                                          jurisdiction=jurisdiction, settings=settings)
        except InputError as exc:
            raise JobFailed(str(exc).splitlines()[0], refused_report(exc)) from None
        finally:
            if source is None and not keep_source:
                shutil.rmtree(ctx.folder / FEEDS, ignore_errors=True)
        out = batch_report(report)
        if out["rows_read"] == 0 and all(not f["skipped"] for f in out["files"]):
            out["summary"] = "没有读到任何数据行"
        return out

    return run


def report_text(report: dict[str, Any]) -> str:
    """A validation report (:func:`batch_report`) as Chinese text, as the command line
    prints a batch it ingested itself."""
    lines = [f"批次 {report.get('batch_id')}：读取 {report['rows_read']} 行，"
             f"接收 {report['accepted']} 行，隔离 {report['quarantined']} 行"]
    for f in report["files"]:
        if f["skipped"]:
            lines.append(f"  {f['file']}：已导入过（内容相同），跳过")
        elif f["note"]:
            lines.append(f"  {f['file']}：{f['note']}，未记录")
        else:
            reasons = "，".join(f"{r['reason']} {r['rows']}" for r in f["by_reason"]) or "无"
            lines.append(f"  {f['file']}（{f['feed']}）：读取 {f['rows_read']}，接收 "
                         f"{f['accepted']}，隔离 {f['quarantined']}（{reasons}）")
    for name in report["ignored"]:
        lines.append(f"  {name}：文件名不以任何接口名开头（如 police_hukou_），未导入")
    lines.extend(report["notices"])
    if report["by_reason"]:
        lines.append("隔离原因：")
        lines.extend(f"  {r['reason']}（{r['reason_name']}）：{r['rows']}"
                     for r in report["by_reason"])
    return "\n".join(lines)


def after_job(db: Path) -> Callable[[Job], None]:
    """What the server does when a job ends: a committed ingest changes the store's data,
    so the caches keyed by its version must not answer from before it."""

    def done(job: Job) -> None:
        if job.kind == "ingest" and job.state is JobState.done:
            data_changed(db)

    return done


# ---- reporting templates ------------------------------------------------------------------


def import_template_file(db: Path, path: Path, plan: str | None, *,
                         department: str | None = None) -> dict[str, Any]:
    """Import a filled reporting template (as ``renkou indicators import``) and return its
    validation report; a ``department`` user's rows of other departments are rejected."""
    import datetime as dt

    from renkou.plans.forms.indicator_form import Rejection
    from renkou.plans.forms.indicator_import import (
        Validated,
        parse_form,
        store_rows,
        validate_rows,
    )

    stamp = dt.datetime.now().replace(microsecond=0)
    form = parse_form(path, plan)
    checked = validate_rows(form, today=stamp.date())
    if department is not None:
        own = tuple(r for r in checked.accepted if r["department"] == department)
        others = tuple(Rejection(form.file, int(r["source_row"]), "填报单位",
                                 f"部门账户只能填报本部门（{department}）的指标")
                       for r in checked.accepted if r["department"] != department)
        checked = Validated(accepted=own, rejected=tuple(
            sorted((*checked.rejected, *others), key=lambda x: x.row)), blank=checked.blank)
    with registry_at(db, read_only=False) as registry:
        result = store_rows(registry, form, checked, stamp)
    if result.accepted:
        data_changed(db)  # the served assessments and warnings are of the earlier values
    return {"plan": result.plan, "year": result.year or None, "file": result.file,
            "accepted": result.accepted, "blank": result.blank,
            "rejected": [{"file": r.file, "row": r.row, "column": r.column,
                          "reason": redact_ids(r.reason)} for r in result.rejected]}


# ---- the quarantine browser ---------------------------------------------------------------


@dataclass(frozen=True)
class QuarantinePage:
    rows: list[dict[str, object]]
    total: int


def quarantine_rows(db: Path, *, batch: int | None = None, feed: str | None = None,
                    reason: str | None = None, department: str | None = None,
                    limit: int = 200, offset: int = 0) -> QuarantinePage:
    """Quarantined rows, ID numbers masked (also any that a record number might carry); a
    department sees only its own feeds' rows (another department's feed: refused)."""
    from renkou.registry.validate import REASON_ZH

    feeds: tuple[str, ...] | None = None
    if department is not None:
        feeds = feeds_of_department(department)
        if feed is not None and feed not in feeds:
            raise PermissionError(feed)
    if feed is not None:
        feeds = (feed,)
    with registry_at(db) as registry:
        frame, total = registry.quarantine(batch=batch, feeds=feeds, reason=reason,
                                           limit=limit, offset=offset)
    rows: list[dict[str, object]] = []
    for r in frame.astype(object).where(frame.notna(), None).to_dict("records"):
        rows.append({
            "batch_id": int(r["batch_id"]), "feed": str(r["feed"]),
            "file": str(r["file_name"]), "row": int(r["row_no"]),
            "record_id": redact_ids(str(r["record_id"])) if r["record_id"] else None,
            "reason": str(r["reason"]), "reason_name": REASON_ZH.get(str(r["reason"]),
                                                                      str(r["reason"])),
            "field": r["field"], "id_masked": redact_ids(str(r["id_masked"]))
            if r["id_masked"] else None})
    return QuarantinePage(rows=rows, total=total)
