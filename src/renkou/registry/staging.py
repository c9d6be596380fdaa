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
from renkou.registry.feeds import FeedSchema
from renkou.registry.loader import as_text, load_raw
from renkou.registry.prefetch import Prefetch
from renkou.registry.quarantine import FileReport
from renkou.registry.records import META_COLUMNS, content_hash_sql, rec_columns
from renkou.registry.store import Scratch, Store
from renkou.registry.validate import (
    id_map_sql,
    masked_sql,
    parsed_name,
    parsed_select,
    q,
    reason_case_sql,
    row_checks,
)

log = get_logger("registry.staging")

_TRANSFER_ROWS = 1_000_000  # Arrow batch size from the scratch to the store
_IDENTITY_PARTS = 4  # the new persons' identity rows are built in this many parts
# The group's accepted rows: passed the row checks and not flagged duplicate or conflict.
_ACCEPTED = "(SELECT * FROM cand ANTI JOIN flagged USING (file_idx, row_no) WHERE reason IS NULL)"


def text_sql(schema: FeedSchema, raw: str, file_name: str, file_idx: int,
             delivered: dict[str, tuple[str, str]]) -> str:
    """A loaded file's columns mapped to the feed's canonical fields, as trimmed text."""
    text = [f"{file_idx} AS file_idx", "'" + file_name.replace("'", "''") + "' AS file_name",
            "rowid + 2 AS row_no"]
    for f in schema.fields:
        if f.header in delivered:
            name, dtype = delivered[f.header]
            expr = as_text(name, dtype)
            text.append(f"{'upper(' + expr + ')' if f.type == 'id' else expr} AS {q(f.field)}")
        else:
            text.append(f"'' AS {q(f.field)}")
    return f"SELECT {', '.join(text)} FROM {raw}"


def candidates_sql(schema: FeedSchema, texts: list[str], batch_id: int,
                   jurisdiction: Jurisdiction) -> str:
    """One pass over a group of loaded files: parse each value once (IDs through the
    group's ID map ``gidmap``), run the row checks (division codes against the
    jurisdiction), type the record columns, hash the row."""
    parsed, joins = parsed_select(schema, "gidmap")
    index, reason, rfield = reason_case_sql(row_checks(schema, jurisdiction))
    names = schema.of_type("name")
    out = ["file_idx", "file_name", "row_no", f"{reason} AS reason", f"{rfield} AS rfield",
           f"{batch_id} AS batch_id", "record_id",
           f"{parsed_name('d', 'record_date')} AS record_date", "TRUE AS active"]
    out += [f"{c.expr} AS {q(c.name)}" for c in rec_columns(schema)]
    out += [f"{q(f.field)} AS {q('_raw_' + f.field)}" for f in schema.of_type("id")]
    out.append(f"nullif({q(names[0].field)}, '') AS _name" if names else "NULL AS _name")
    return (f"SELECT *, {content_hash_sql(schema)} AS content_hash FROM ("
            f"SELECT {', '.join(out)} FROM ("
            f"SELECT *, {index} AS _check FROM ("
            f"SELECT {', '.join(parsed)} FROM ("
            f"{' UNION ALL BY NAME '.join(texts)}) s {' '.join(joins)})))")


def delivered_columns(con: Scratch | Store, raw: str) -> dict[str, tuple[str, str]]:
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

    def __post_init__(self) -> None:
        s = self.scratch
        # The batch's ID map: ``h`` (DuckDB's 64-bit hash of x) is the look-up key of the
        # per-group slice, so that slicing scans fixed-width columns only; ``lo`` is the
        # pseudonym's second half (the first is ``pid``), needed once, for new identities.
        s.execute("CREATE OR REPLACE TABLE idmap (h UBIGINT, x VARCHAR, ok BOOLEAN, "
                  "male BOOLEAN, birth DATE, pid UBIGINT, lo UBIGINT)")
        s.execute("CREATE OR REPLACE TABLE id_names (pid UBIGINT, name VARCHAR)")
        # Persons with a valid ID and no name yet: the only ones a group may still name.
        s.execute("CREATE OR REPLACE TABLE unnamed (pid UBIGINT)")
        s.execute("CREATE OR REPLACE TABLE corrections (feed VARCHAR, record_id VARCHAR)")

    # -- one group ------------------------------------------------------------------------
    def run(self, schema: FeedSchema, group: list[tuple[str, Path, int]],
            reports: list[FileReport]) -> bool:
        """Stage and write one group of a feed's files; False if none could be read."""
        # Loading keeps file order (rowid + 2 is the spreadsheet row); every later table
        # carries the row number itself, so DuckDB may then write rows in any order.
        self.scratch.execute("SET preserve_insertion_order = true")
        raws = self._load(schema, group, reports)
        self.scratch.execute("SET preserve_insertion_order = false")
        if not raws:
            return False
        texts = [text_sql(schema, raw, name, i, delivered_columns(self.scratch, raw))
                 for raw, name, i in raws]
        self._extend_id_map(schema, [raw for raw, _, _ in raws])
        self.scratch.execute(f"CREATE OR REPLACE TABLE cand AS "
                             f"{candidates_sql(schema, texts, self.batch_id, self.jurisdiction)}")
        for raw, _, _ in raws:
            self.scratch.execute(f"DROP TABLE {raw}")
        self._flag(schema)
        self._write(schema)
        return True

    def _load(self, schema: FeedSchema, group: list[tuple[str, Path, int]],
              reports: list[FileReport]) -> list[tuple[str, str, int]]:
        raws = []
        for key, path, i in group:
            prepared = self.prefetch.take(path) if self.prefetch else None
            try:
                load_raw(self.scratch, path, f"raw_{i}", prepared)
            except InputError as exc:
                # Reported and skipped, not recorded: the next run retries the file.
                log.warning("cannot read %s: %s", path.name, exc)
                reports.append(FileReport(path.name, key, 0, 0, 0, error=str(exc)))
                continue
            finally:
                if self.prefetch:
                    self.prefetch.done(prepared)
            n = int(self.scratch.scalar(f"SELECT count(*) FROM raw_{i}"))
            self.rows_by_file[path.name] = (key, n)
            raws.append((f"raw_{i}", path.name, i))
        return raws

    def _extend_id_map(self, schema: FeedSchema, raws: list[str]) -> None:
        """Add the group's new ID numbers to ``idmap``; ``gidmap`` = the group's part (the
        candidates join the small group map, not the whole batch's)."""
        s = self.scratch
        selects = []
        for raw in raws:
            delivered = delivered_columns(s, raw)
            for f in schema.of_type("id"):
                if f.header in delivered:
                    name, dtype = delivered[f.header]
                    selects.append(f"SELECT upper({as_text(name, dtype)}) AS x FROM {raw}")
        union = " UNION ".join(selects) if selects else "SELECT '' AS x"
        s.execute(f"CREATE OR REPLACE TABLE gids AS SELECT x, hash(x) AS h FROM ("
                  f"SELECT DISTINCT x FROM ({union}) WHERE x <> '')")
        # Known IDs by hash (a collision only adds a row the candidates' exact join on x
        # ignores), then the new ones by exact comparison with that slice.
        s.execute("CREATE OR REPLACE TABLE gidmap AS SELECT x, ok, "
                  "CASE WHEN male THEN 'male' ELSE 'female' END AS sex, birth, pid "
                  "FROM idmap SEMI JOIN gids USING (h)")
        ipad, opad = crypto.hmac_pads(self.keys)
        pads: dict[str, object] = {"ipad": ipad, "opad": opad}
        s.execute(
            f"CREATE OR REPLACE TABLE newids AS SELECT x, ok, sex, birth, ps, "
            f"{crypto.pid_sql('ps')} AS pid FROM ("
            f"{id_map_sql(['SELECT x FROM gids ANTI JOIN gidmap USING (x)'], crypto.hmac_sql)})",
            pads)
        s.execute("INSERT INTO idmap SELECT hash(x), x, ok, sex = 'male', birth, pid, "
                  "CASE WHEN ok THEN ('0x' || substr(ps, 17, 16))::UBIGINT END FROM newids")
        s.execute("INSERT INTO gidmap SELECT x, ok, sex, birth, pid FROM newids")
        s.execute("INSERT INTO unnamed SELECT pid FROM newids WHERE ok")
        s.execute("DROP TABLE newids")

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
        # A duplicate: an equal row earlier in the group or in the store. Of the rest, a
        # conflict: the record id and 登记日期 of an earlier row (group or store) with other
        # content — first delivered wins, as in one pass over the whole batch. Only rows
        # whose record id comes twice in the group or is in the store can be either, so the
        # windows run over those few (``again``), and only flagged rows are kept
        # (``flagged``): the accepted rows, the names and the corrections are then ``cand``
        # minus a small hash table, not a join of two big ones.
        s.execute("CREATE OR REPLACE TABLE multi AS SELECT record_id FROM cand "
                  "WHERE reason IS NULL GROUP BY record_id HAVING count(*) > 1")
        s.execute(
            "CREATE OR REPLACE TABLE again AS SELECT c.file_idx, c.row_no, c.record_id, "
            "c.record_date, c.content_hash, coalesce(h.dup, FALSE) AS stored_dup, "
            "coalesce(h.conf, FALSE) AS stored_conf, h.seen IS NOT NULL AS seen "
            "FROM cand c LEFT JOIN hits h USING (file_idx, row_no) WHERE c.reason IS NULL "
            "AND (h.seen IS NOT NULL OR c.record_id IN (SELECT record_id FROM multi))")
        s.execute(
            "CREATE OR REPLACE TABLE flagged AS WITH v AS ("
            "SELECT file_idx, row_no, record_id, record_date, stored_conf, "
            "row_number() OVER (PARTITION BY record_id, content_hash "
            "ORDER BY file_idx, row_no) > 1 OR stored_dup AS dup FROM again) "
            "SELECT file_idx, row_no, 'duplicate' AS flag FROM v WHERE dup "
            "UNION ALL SELECT file_idx, row_no, 'conflict' FROM v WHERE NOT dup "
            "QUALIFY row_number() OVER (PARTITION BY record_id, record_date "
            "ORDER BY file_idx, row_no) > 1 OR stored_conf")
        # Record ids delivered again (a correction, or twice in this group): only these
        # need the active version chosen again at the end of the batch.
        s.execute(
            f"INSERT INTO corrections SELECT '{key}', record_id FROM again "
            "ANTI JOIN flagged USING (file_idx, row_no) "
            "GROUP BY record_id HAVING count(*) > 1 OR bool_or(seen)")

    def _write(self, schema: FeedSchema) -> None:
        """Accepted rows into ``rec_<feed>`` (streamed), the rest into ``quarantine``."""
        s, m, key = self.scratch, self.store, schema.key
        names = [n for n, _ in META_COLUMNS] + [c.name for c in rec_columns(schema)]
        cols = ", ".join(q(n) for n in names)
        accepted = f"SELECT {cols} FROM {_ACCEPTED}"
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
            # The first accepted name of each person not named by an earlier group (feeds
            # run in name-precedence order); ``unnamed`` shrinks as names arrive, so this
            # never touches the whole batch's names.
            s.execute(
                "CREATE OR REPLACE TABLE gnames AS SELECT pid, "
                "arg_min(_name, file_idx * 4294967296 + row_no) AS name "
                f"FROM {_ACCEPTED} WHERE _name IS NOT NULL "
                "AND pid IN (SELECT pid FROM unnamed) GROUP BY pid")
            s.execute("INSERT INTO id_names SELECT * FROM gnames")
            s.execute("DELETE FROM unnamed WHERE pid IN (SELECT pid FROM gnames)")
            s.execute("DROP TABLE gnames")

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
