"""Staging of delivered files (数据暂存): read, check and split one group of a feed's files.

The work runs on a :class:`~renkou.registry.store.Scratch` database, outside the store's
batch transaction (inside it DuckDB would keep every replaced staging table until COMMIT);
the store only receives what the batch keeps — accepted records and quarantine rows — and is
asked, read-only, which candidate rows it already holds (duplicates, conflicts, corrections).

Per group (:meth:`Staging.run`):

1. each file is loaded as delivered (a file that cannot be read is reported and skipped);
2. the group's new ID numbers join the batch's ID map (check, sex, birth date, pseudonym:
   parsed and hashed once per person, not once per row — most of the ingest's speed);
3. every row is mapped to canonical fields, parsed once, row-checked, typed and hashed
   (``cand``);
4. cross-row flags: a row equal to an earlier one of the group or of the store is a
   ``duplicate``; a row with the record id and 登记日期 of an earlier one but other content
   is a ``conflict`` (first delivered wins, as in one pass over the whole batch);
5. accepted rows go to ``rec_<feed>``, the others to ``quarantine``; record ids delivered
   again are remembered (the active version is chosen at the end of the batch), and the
   first name delivered for each person (feeds run in name-precedence order)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from renkou.errors import InputError
from renkou.jurisdictions import Jurisdiction
from renkou.logs import get_logger
from renkou.registry import crypto
from renkou.registry.delivery import header_problems
from renkou.registry.feeds import FeedSchema
from renkou.registry.loader import file_facts, line_problem, load_raw
from renkou.registry.prefetch import Prefetch
from renkou.registry.quarantine import FileReport
from renkou.registry.records import META_COLUMNS, rec_columns
from renkou.registry.staging_sql import (
    ACCEPTED,
    Delivered,
    batch_steps,
    candidate_steps,
    flag_steps,
    id_map_steps,
    name_steps,
    text_sql,
)
from renkou.registry.store import Scratch, Store
from renkou.registry.validate import masked_sql, q
from renkou.tables import XLSX_MAX_UNZIPPED_MB, row_limit_message

log = get_logger("registry.staging")

_TRANSFER_ROWS = 1_000_000  # Arrow batch size from the scratch to the store
_IDENTITY_PARTS = 4  # the new persons' identity rows are built in this many parts


def delivered_columns(con: Scratch | Store, raw: str) -> Delivered:
    """Header (trimmed) → (column name as delivered, DuckDB type)."""
    described = con.rows(f"SELECT column_name, column_type FROM (DESCRIBE {raw})")
    return {str(n).strip(): (str(n), str(t)) for n, t in described}


@dataclass
class Staging:
    """The staging state of one batch: the scratch database with the batch's ID map, the
    names found so far and the record ids delivered again, per feed."""

    scratch: Scratch
    store: Store
    batch_id: int
    jurisdiction: Jurisdiction  # division codes are checked against its areas
    keys: crypto.Keys  # the pseudonym key hashes the ID numbers
    prefetch: Prefetch | None = None  # files hashed and converted ahead (ingest)
    rows_by_file: dict[str, tuple[str, int]] = field(default_factory=dict)
    # Files that refuse the batch (unreadable, header not as declared, too many rows): once
    # one is found, later groups are only loaded and checked, so that all are listed.
    problems: list[str] = field(default_factory=list)
    max_rows: int = 50_000_000
    max_cell_chars: int = 200
    xlsx_max_mb: int = XLSX_MAX_UNZIPPED_MB
    workdir: Path | None = None  # private folder for transcoded copies (default: prefetch's)
    _repaired: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        if self.workdir is None:
            if self.prefetch is None:
                raise ValueError("Staging needs a private workdir or a prefetch")
            self.workdir = self.prefetch.workdir
        crypto.register_sql_functions(self.scratch, self.keys)
        self.scratch.run_steps(batch_steps())

    # -- one group ------------------------------------------------------------------------
    def run(self, schema: FeedSchema, group: list[tuple[str, Path, int]],
            reports: list[FileReport]) -> bool:
        """Stage and write one group of a feed's files; False if none could be read."""
        # Loading keeps file order (rowid + 2 is the spreadsheet row); every later table
        # carries the row number itself, so DuckDB may then write rows in any order.
        self.scratch.execute("SET preserve_insertion_order = true")
        raws = self._load(schema, group, reports)
        self.scratch.execute("SET preserve_insertion_order = false")
        if self.problems or not raws:
            for raw, _, _ in raws:
                self.scratch.execute(f"DROP TABLE IF EXISTS {raw}")
            return False
        delivered = [(raw, delivered_columns(self.scratch, raw)) for raw, _, _ in raws]
        texts = [text_sql(schema, raw, name, i, cols, raw in self._repaired)
                 for (raw, name, i), (_, cols) in zip(raws, delivered, strict=True)]
        self.scratch.run_steps(id_map_steps(schema, delivered, self.keys))
        self.scratch.run_steps(candidate_steps(schema, texts, [raw for raw, _ in delivered],
                                               self.batch_id, self.jurisdiction,
                                               self.max_cell_chars))
        self._flag(schema)
        self._write(schema)
        return True

    def _load(self, schema: FeedSchema, group: list[tuple[str, Path, int]],
              reports: list[FileReport]) -> list[tuple[str, str, int]]:
        raws = []
        assert self.workdir is not None  # set in __post_init__
        for key, path, i in group:
            prepared = self.prefetch.take(path) if self.prefetch else None
            try:
                loaded = load_raw(self.scratch, path, f"raw_{i}", self.workdir, prepared,
                                  self.xlsx_max_mb, self.max_rows)
            except InputError as exc:
                # Refuses the batch; the next run retries the file.
                log.warning("cannot read %s: %s", path.name, exc)
                self.problems.append(f"{path.name}：{exc.args[0] if exc.args else exc}")
                reports.append(FileReport(path.name, key, 0, 0, 0, error=str(exc)))
                continue
            finally:
                if self.prefetch:
                    self.prefetch.done(prepared)
            if loaded.repaired:
                self._repaired.add(f"raw_{i}")
            wrong = header_problems(schema, path.name, loaded.headers)
            n = int(self.scratch.scalar(f"SELECT count(*) FROM raw_{i}"))
            if n > self.max_rows:  # the reader stopped at the first row over the limit
                wrong.append(f"{path.name}：{row_limit_message(self.max_rows)}")
            elif path.suffix.lower() == ".csv":
                facts = self.prefetch.facts(path) if self.prefetch else file_facts(path)
                lost = line_problem(self.scratch, f"raw_{i}", path, n, facts)
                wrong += [lost] if lost else []
            if wrong or n == 0:
                self.scratch.execute(f"DROP TABLE raw_{i}")
                self.problems.extend(wrong)
                reports.append(FileReport(path.name, key, 0, 0, 0, error="；".join(wrong),
                                          note="" if wrong else "只有表头，没有数据行"))
                continue
            self.rows_by_file[path.name] = (key, n)
            raws.append((f"raw_{i}", path.name, i))
        return raws

    def _flag(self, schema: FeedSchema) -> None:
        """Cross-row flags of the rows that passed the row checks: ``flagged`` holds the
        ``duplicate`` and ``conflict`` rows."""
        s, key = self.scratch, schema.key
        # What the store already holds (earlier batches and earlier groups of this batch):
        # asked read-only, so the batch transaction holds no staging data. One join on the
        # record id answers all three questions (duplicate: equal content hash under the
        # same record id; a missing 登记日期 equals a missing one, as in the group's window).
        hits = None
        if self.store.scalar(f"SELECT count(*) > 0 FROM (SELECT 1 FROM rec_{key} "
                             "WHERE active IS NOT NULL LIMIT 1)"):
            keys = s.arrow("SELECT file_idx, row_no, record_id, record_date, content_hash "
                           "FROM cand WHERE reason IS NULL")
            hits = self.store.arrow_with(
                f"SELECT k.file_idx, k.row_no, "
                f"bool_or(r.content_hash = k.content_hash) AS dup, "
                f"bool_or(r.record_date IS NOT DISTINCT FROM k.record_date) AS conf, "
                f"TRUE AS seen FROM _data k JOIN rec_{key} r USING (record_id) "
                f"WHERE r.active IS NOT NULL GROUP BY k.file_idx, k.row_no", keys)
        if hits is None:
            hits = pa.table({"file_idx": pa.array([], pa.int32()),
                             "row_no": pa.array([], pa.int64()),
                             "dup": pa.array([], pa.bool_()), "conf": pa.array([], pa.bool_()),
                             "seen": pa.array([], pa.bool_())})
        s.register("_hits", hits)
        try:
            s.execute("CREATE OR REPLACE TABLE hits AS SELECT * FROM _hits")
        finally:
            s.unregister("_hits")
        self.scratch.run_steps(flag_steps(key))

    def _write(self, schema: FeedSchema) -> None:
        """Accepted rows into ``rec_<feed>`` (streamed), the rest into ``quarantine``."""
        s, m, key = self.scratch, self.store, schema.key
        names = [n for n, _ in META_COLUMNS] + [c.name for c in rec_columns(schema)]
        cols = ", ".join(q(n) for n in names)
        accepted = f"SELECT {cols} FROM {ACCEPTED}"
        m.execute_with(f"INSERT INTO rec_{key} ({cols}) SELECT {cols} FROM _data",
                       s.arrow_reader(accepted, _TRANSFER_ROWS))
        subject = masked_sql("_raw_" + schema.subject)
        quarantined = s.arrow(
            f"SELECT {self.batch_id} AS batch_id, '{key}' AS feed, file_name, row_no, "
            f"nullif(record_id, '') AS record_id, reason, rfield AS field, "
            f"{subject} AS id_masked FROM cand WHERE reason IS NOT NULL UNION ALL "
            f"SELECT {self.batch_id}, '{key}', c.file_name, c.row_no, c.record_id, f.flag, "
            f"NULL, {subject} FROM cand c JOIN flagged f USING (file_idx, row_no)")
        m.execute_with("INSERT INTO quarantine SELECT * FROM _data", quarantined)
        if schema.of_type("name"):
            s.run_steps(name_steps())

    # -- end of batch ---------------------------------------------------------------------
    def corrections(self, key: str) -> pa.Table:
        """Record ids of ``key`` delivered more than once (this batch or before)."""
        return self.scratch.arrow(
            f"SELECT DISTINCT record_id FROM corrections WHERE feed = '{key}'")

    def identities(self, pids: pa.Table, batch_id: int,
                   batch_rows: int) -> Iterator[pa.RecordBatch]:
        """The ``identity`` rows of the persons ``pids`` (column pid) — pid, pseudonym,
        masked ID, sex and birth date from the ID, first batch — with ``pii`` = the text to
        encrypt ('ID<TAB>name', the best name), streamed in record batches."""
        s = self.scratch
        s.register("_pids", pids)
        try:
            # In parts by pid: the joins of the whole batch's persons at once outgrew the
            # scratch's memory at 14 million persons (spilled, or failed with more memory).
            for part in range(_IDENTITY_PARTS):
                s.execute(
                    "CREATE OR REPLACE TABLE ident_todo AS SELECT i.pid, i.pseudonym, "
                    f"{masked_sql('id_number')} AS id_masked, "
                    "id_number || chr(9) || coalesce(n.name, '') AS pii, "
                    "CASE WHEN (ascii(substr(id_number, 17, 1)) - 48) % 2 = 1 "
                    "THEN 'male' ELSE 'female' END AS sex, "
                    "strptime(substr(id_number, 7, 8), '%Y%m%d')::DATE AS birth_date, "
                    f"{batch_id} AS first_batch FROM (SELECT m.pid, m.x AS id_number, "
                    "printf('%016x%016x', m.pid, m.lo) AS pseudonym FROM idmap m "
                    f"SEMI JOIN (SELECT pid FROM _pids WHERE pid % {_IDENTITY_PARTS} = {part}) "
                    f"USING (pid) WHERE m.ok AND m.pid % {_IDENTITY_PARTS} = {part}) i "
                    f"LEFT JOIN (SELECT * FROM id_names "
                    f"WHERE pid % {_IDENTITY_PARTS} = {part}) n USING (pid)")
                yield from s.arrow_reader("SELECT * FROM ident_todo", batch_rows)
        finally:
            s.unregister("_pids")
        s.execute("DROP TABLE IF EXISTS ident_todo")
