"""Quarantine (隔离) across rows and the batch report (批次报告).

Row checks live in :mod:`validate`, duplicates and conflicts in :mod:`staging`; here is the
check of events after the person's death (which needs every feed of the batch) and the
report of a batch: counts by file and
reason, a few examples with masked ID numbers, as Chinese text or JSON."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

import pyarrow as pa

from renkou.registry.feeds import FeedSchema
from renkou.registry.store import Store
from renkou.registry.validate import REASON_ZH, q


@dataclass(frozen=True)
class FileReport:
    """What happened to one delivered file."""

    file: str
    feed: str
    rows_read: int
    accepted: int
    quarantined: int
    skipped: bool = False  # already ingested earlier (same content hash)
    error: str = ""  # the file could not be read at all (not recorded; retried next run)
    note: str = ""  # read but nothing to record (empty, header only)
    by_reason: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchReport:
    """The batch report (批次报告): counts by file and reason, examples with masked IDs."""

    batch_id: int | None
    files: tuple[FileReport, ...]
    examples: tuple[dict[str, object], ...]
    ignored: tuple[str, ...] = ()  # table files whose name matches no feed
    notices: tuple[str, ...] = ()  # e.g. a key file created for a new store

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files if not f.skipped)

    @property
    def failed_files(self) -> int:
        return sum(1 for f in self.files if f.error)

    @property
    def accepted(self) -> int:
        return sum(f.accepted for f in self.files if not f.skipped)

    @property
    def quarantined(self) -> int:
        return sum(f.quarantined for f in self.files if not f.skipped)

    @property
    def by_reason(self) -> dict[str, int]:
        total: Counter[str] = Counter()
        for f in self.files:
            total.update(f.by_reason)
        return dict(sorted(total.items()))

    def to_json(self) -> str:
        return json.dumps({
            "batch_id": self.batch_id, "rows_read": self.rows_read, "accepted": self.accepted,
            "quarantined": self.quarantined, "by_reason": self.by_reason,
            "files": [f.__dict__ for f in self.files], "examples": list(self.examples),
            "ignored": list(self.ignored), "notices": list(self.notices),
        }, ensure_ascii=False, default=str)


def retract_after_death(store: Store, schemas: dict[str, FeedSchema], keys: list[str],
                        batch_id: int) -> dict[str, pa.Table]:
    """Move this batch's records dated after the person's death (the ``deaths`` table:
    resolved by source precedence over everything now stored) to the quarantine, as
    ``event_after_death``; in the record table they stay with ``active = NULL`` (see
    :mod:`renkou.registry.records`). Runs once every feed of the batch is written,
    because a death may arrive after the events it invalidates; the death records
    themselves are exempt (feed schemas), so ``deaths`` does not change by it. Returns, per
    feed that lost rows, their record ids (the active version must be chosen again)."""
    moved: dict[str, pa.Table] = {}
    for key in keys:
        schema = schemas[key]
        if schema.after_death_exempt_all:
            continue
        exempt = "FALSE"
        if schema.after_death_exempt_field:
            vals = ", ".join(f"'{v}'" for v in schema.after_death_exempt_values)
            exempt = f"r.{q(schema.after_death_exempt_field)} IN ({vals})"
        event = q(schema.event_date)  # months are stored as their first day, as checked
        store.execute(
            f"CREATE OR REPLACE TEMP TABLE retract AS SELECT r.file_name, r.row_no, "
            f"r.record_id, r.pid FROM rec_{key} r JOIN deaths d ON r.pid = d.pid "
            f"WHERE r.batch_id = {batch_id} AND r.active IS NOT NULL "
            f"AND r.{event} > d.death_date AND NOT ({exempt})")
        if not store.scalar("SELECT count(*) FROM retract"):
            continue
        store.execute(
            f"INSERT INTO quarantine SELECT {batch_id}, '{key}', t.file_name, t.row_no, "
            f"t.record_id, 'event_after_death', NULL, i.id_masked FROM retract t "
            f"LEFT JOIN identity i USING (pid)")
        store.execute(
            f"UPDATE rec_{key} SET active = NULL WHERE batch_id = {batch_id} "
            f"AND (file_name, row_no) IN (SELECT (file_name, row_no) FROM retract)")
        moved[key] = store.arrow("SELECT DISTINCT record_id FROM retract")
    return moved


def report_text(report: BatchReport) -> str:
    """The batch report as Chinese text (masked IDs only)."""
    lines = [f"批次 {report.batch_id}：读取 {report.rows_read} 行，接收 {report.accepted} 行，"
             f"隔离 {report.quarantined} 行"]
    for f in report.files:
        if f.skipped:
            lines.append(f"  {f.file}：已导入过（内容相同），跳过")
        elif f.error:
            lines.append(f"  {f.file}：无法读取，未导入（{f.error}）")
        elif f.note:
            lines.append(f"  {f.file}：{f.note}，未记录")
        else:
            reasons = "，".join(f"{k} {v}" for k, v in f.by_reason.items()) or "无"
            lines.append(f"  {f.file}（{f.feed}）：读取 {f.rows_read}，接收 {f.accepted}，"
                         f"隔离 {f.quarantined}（{reasons}）")
    for name in report.ignored:
        lines.append(f"  {name}：文件名不以任何接口名开头（如 police_hukou_），未导入")
    lines.extend(report.notices)
    if report.by_reason:
        lines.append("隔离原因：")
        for reason, n in report.by_reason.items():
            lines.append(f"  {reason}（{REASON_ZH.get(reason, reason)}）：{n}")
        lines.append("示例：")
        for ex in report.examples:
            lines.append(f"  {ex['file']} 第 {ex['row']} 行 {ex['reason']} "
                         f"{ex.get('field') or ''} {ex.get('id_masked') or ''}".rstrip())
    return "\n".join(lines)
