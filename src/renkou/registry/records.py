"""Canonical record tables (规范化记录表) built from the declared feed schemas.

Each feed has one table ``rec_<feed>``: the accepted rows with typed canonical fields, the
ID numbers replaced by keyed person ids (``pid`` for the person the row is about,
``<role>_pid`` for others such as the mother), names removed (they live only encrypted in
``identity``), plus provenance (batch, file, row) and ``active``:

* TRUE — the current version of its record id;
* FALSE — superseded by a corrected re-delivery with a later 登记日期 (history is kept);
* NULL — quarantined after it was written (``event_after_death``: the death arrived later in
  the batch); the row is also in ``quarantine`` and counts only there. It stays in place
  because deleting from rows written in the same transaction made DuckDB rewrite the whole
  table at COMMIT (≈ 25 s of a 14-million ingest); an update costs a fraction of that.

Readers use ``WHERE active``; whoever asks which rows the store holds uses
``active IS NOT NULL``."""

from __future__ import annotations

from dataclasses import dataclass

from renkou.registry.feeds import FeedField, FeedSchema
from renkou.registry.validate import parsed_name, q

META_COLUMNS = (
    ("batch_id", "INTEGER"), ("file_name", "VARCHAR"), ("row_no", "BIGINT"),
    ("record_id", "VARCHAR"), ("record_date", "DATE"), ("active", "BOOLEAN"),
    ("content_hash", "UBIGINT"),  # DuckDB hash of the typed columns (schema version 3)
)

# Person the row is about → name source precedence (公安 first: identity facts).
NAME_PRIORITY = ("police_hukou", "police_residence", "health_birth", "health_death",
                 "stats_census", "edu_school", "hrss_employment", "civil_funeral")


@dataclass(frozen=True)
class RecColumn:
    """One typed column of a record table and how to compute it from staging text."""

    name: str
    sql_type: str
    expr: str


def pid_column(schema: FeedSchema, f: FeedField) -> str:
    if f.field == schema.subject:
        return "pid"
    return (f.field[:-3] if f.field.endswith("_id") else f.field) + "_pid"


def rec_columns(schema: FeedSchema) -> list[RecColumn]:
    """Typed columns (beyond the meta columns) of ``rec_<feed>``; the expressions read the
    parse layer of the ingest (:func:`renkou.registry.validate.parsed_select`)."""
    cols: list[RecColumn] = []
    for f in schema.fields:
        if f.field in ("record_id", "record_date") or f.type == "name":
            continue
        c = q(f.field)
        if f.type == "id":
            cols.append(RecColumn(pid_column(schema, f), "UBIGINT", parsed_name("pid", f.field)))
        elif f.type == "sex":
            cols.append(RecColumn(f.field, "VARCHAR",
                                  f"CASE {c} WHEN '男' THEN 'male' WHEN '女' THEN 'female' END"))
        elif f.type in ("date", "month"):
            cols.append(RecColumn(f.field, "DATE", parsed_name("d", f.field)))
        elif f.type == "enum":
            whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in f.values.items())
            cols.append(RecColumn(f.field, "VARCHAR", f"CASE {c} {whens} END"))
        else:  # text, code
            cols.append(RecColumn(f.field, "VARCHAR", f"nullif({c}, '')"))
    return cols


def create_rec_table_sql(schema: FeedSchema) -> str:
    cols = [f"{n} {t}" for n, t in META_COLUMNS]
    cols += [f"{q(c.name)} {c.sql_type}" for c in rec_columns(schema)]
    return f"CREATE TABLE IF NOT EXISTS rec_{schema.key} ({', '.join(cols)})"


def content_hash_sql(schema: FeedSchema) -> str:
    """Hash of everything the row says, record id and 登记日期 included: equal hashes for
    the same record id = the same row delivered twice (a ``duplicate``). A re-delivery under
    the same record id with a later 登记日期 is a correction, not a duplicate.

    DuckDB's own 64-bit hash of the typed columns: several times cheaper than MD5 over
    their text, and collisions only matter between rows of one record id (the duplicate
    checks always compare the record id too). It is not guaranteed across DuckDB versions,
    so the store keeps a probe value and recomputes the column when the probe changes
    (:data:`HASH_PROBE_SQL`)."""
    parts = ["record_id", "record_date"] + [q(c.name) for c in rec_columns(schema)]
    return f"hash({', '.join(parts)})"


# A fixed value through the same hash function: a different result means DuckDB's hash
# changed and the stored content hashes must be recomputed.
HASH_PROBE_SQL = ("SELECT CAST(hash('renkou', DATE '2020-11-01', CAST(NULL AS VARCHAR), "
                  "CAST(42 AS UBIGINT), TRUE) AS VARCHAR)")


def events_view_sql(schemas: dict[str, FeedSchema]) -> str:
    """The canonical temporal event log (事件日志) as a view over the active records:
    pid, event, valid_date, record_date, location, other_location, feed, record_id."""
    parts = []
    def sel(feed: str, event: str, valid: str, loc: str, other: str = "NULL",
            where: str = "TRUE", pid: str = "pid") -> str:
        return (f"SELECT {pid} AS pid, {event} AS event, {valid} AS valid_date, record_date, "
                f"{loc} AS location, {other} AS other_location, '{feed}' AS feed, record_id "
                f"FROM rec_{feed} WHERE active AND {where}")
    if "police_hukou" in schemas:
        parts.append(sel("police_hukou",
                         "CASE change_type WHEN 'birth_register' THEN 'hukou_register' "
                         "WHEN 'death_cancel' THEN 'hukou_cancel' ELSE change_type END",
                         "change_date", "hukou_code", "other_code"))
    if "police_residence" in schemas:
        parts.append(sel("police_residence", "business", "start_date", "residence_code"))
    if "health_birth" in schemas:
        parts.append(sel("health_birth", "'birth'", "birth_date", "birth_place"))
    if "health_death" in schemas:
        parts.append(sel("health_death", "'death'", "death_date", "death_place"))
    if "civil_marriage" in schemas:
        for role in ("pid", "wife_pid"):
            parts.append(sel("civil_marriage", "kind", "record_date", "office_code", pid=role))
    if "civil_funeral" in schemas:
        parts.append(sel("civil_funeral", "'death'", "death_date", "home_code"))
    if "edu_school" in schemas:
        parts.append(sel("edu_school", "'school_enrol'", "enrol_date", "school_code"))
        parts.append(sel("edu_school", "'school_leave'", "leave_date", "school_code",
                         where="leave_date IS NOT NULL"))
    if "hrss_employment" in schemas:
        parts.append(sel("hrss_employment", "'employment_start'", "start_date", "work_code"))
        parts.append(sel("hrss_employment", "'employment_end'", "end_date", "work_code",
                         where="end_date IS NOT NULL"))
    if "hrss_insurance" in schemas:
        parts.append(sel("hrss_insurance", "'insurance_period'", "start_month", "insured_code"))
    if "stats_census" in schemas:
        parts.append(sel("stats_census", "'census_enumeration'", "census_date",
                         "residence_code", "hukou_code"))
    return "CREATE OR REPLACE VIEW events AS " + " UNION ALL ".join(parts)
