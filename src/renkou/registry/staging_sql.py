"""Staging statements (暂存语句) of one batch, as ordered :class:`SqlStep` lists built by pure
functions from the feed schema, the group's loaded files and the jurisdiction; the
:class:`~renkou.registry.staging.Staging` runs them on its scratch database
(:meth:`~renkou.registry.store.Connection.run_steps`) between the steps that move data
between Python, the scratch and the store."""

from __future__ import annotations

from renkou.jurisdictions import Jurisdiction
from renkou.registry import crypto
from renkou.registry.feeds import FeedSchema
from renkou.registry.loader import as_text
from renkou.registry.records import content_hash_sql, rec_columns
from renkou.registry.store import SqlStep
from renkou.registry.validate import (
    id_map_sql,
    parsed_name,
    parsed_select,
    q,
    reason_case_sql,
    row_checks,
)

# Header (trimmed) → (column name as delivered, DuckDB type), per loaded file.
Delivered = dict[str, tuple[str, str]]
# The group's accepted rows: passed the row checks and not flagged duplicate or conflict.
ACCEPTED = "(SELECT * FROM cand ANTI JOIN flagged USING (file_idx, row_no) WHERE reason IS NULL)"


def batch_steps() -> list[SqlStep]:
    """The batch's tables on the scratch: the ID map — ``h`` (DuckDB's 64-bit hash of x) is
    the look-up key of the per-group slice, so that slicing scans fixed-width columns only;
    ``lo`` is the pseudonym's second half (the first is ``pid``), needed once, for new
    identities — the names found, the persons with a valid ID and no name yet (the only
    ones a group may still name) and the record ids delivered again."""
    return [
        SqlStep("idmap", "CREATE OR REPLACE TABLE idmap (h UBIGINT, x VARCHAR, ok BOOLEAN, "
                         "male BOOLEAN, birth DATE, pid UBIGINT, lo UBIGINT)"),
        SqlStep("id_names", "CREATE OR REPLACE TABLE id_names (pid UBIGINT, name VARCHAR)"),
        SqlStep("unnamed", "CREATE OR REPLACE TABLE unnamed (pid UBIGINT)"),
        SqlStep("corrections",
                "CREATE OR REPLACE TABLE corrections (feed VARCHAR, record_id VARCHAR)"),
    ]


def text_sql(schema: FeedSchema, raw: str, file_name: str, file_idx: int,
             delivered: dict[str, tuple[str, str]], repaired: bool = False) -> str:
    """A loaded file's columns mapped to the feed's canonical fields, as trimmed text;
    ``_bad_enc``: for a file whose undecodable bytes were replaced, the first field holding
    a replacement character (the row is quarantined as ``bad_encoding``)."""
    text = [f"{file_idx} AS file_idx", "'" + file_name.replace("'", "''") + "' AS file_name",
            "rowid + 2 AS row_no"]
    bad = [f"WHEN contains({q(delivered[f.header][0])}, '\ufffd') THEN '{f.field}'"
           for f in schema.fields if f.header in delivered]
    text.append(f"CASE {' '.join(bad)} END AS _bad_enc" if repaired and bad
                else "NULL::VARCHAR AS _bad_enc")
    for f in schema.fields:
        if f.header in delivered:
            name, dtype = delivered[f.header]
            expr = as_text(name, dtype)
            text.append(f"{'upper(' + expr + ')' if f.type == 'id' else expr} AS {q(f.field)}")
        else:
            text.append(f"'' AS {q(f.field)}")
    return f"SELECT {', '.join(text)} FROM {raw}"


def candidates_sql(schema: FeedSchema, texts: list[str], batch_id: int,
                   jurisdiction: Jurisdiction, max_cell_chars: int = 200) -> str:
    """One pass over a group of loaded files: parse each value once (IDs through the
    group's ID map ``gidmap``), run the row checks (division codes against the
    jurisdiction), type the record columns, hash the row."""
    parsed, joins = parsed_select(schema, "gidmap")
    index, reason, rfield = reason_case_sql(row_checks(schema, jurisdiction, max_cell_chars))
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


def id_map_steps(schema: FeedSchema, raws: list[tuple[str, Delivered]],
                 keys: crypto.Keys) -> list[SqlStep]:
    """Add the group's new ID numbers to ``idmap``; ``gidmap`` = the group's part (the
    candidates join the small group map, not the whole batch's). The pseudonym key's HMAC
    pads are bound as parameters, never written into the SQL text."""
    selects = []
    for raw, delivered in raws:
        for f in schema.of_type("id"):
            if f.header in delivered:
                name, dtype = delivered[f.header]
                selects.append(f"SELECT upper({as_text(name, dtype)}) AS x FROM {raw}")
    union = " UNION ".join(selects) if selects else "SELECT '' AS x"
    ipad, opad = crypto.hmac_pads(keys)
    new = id_map_sql(["SELECT x FROM gids ANTI JOIN gidmap USING (x)"],
                     crypto.pseudonym_sql(keys))
    return [
        SqlStep("ids: group", f"CREATE OR REPLACE TABLE gids AS SELECT x, hash(x) AS h FROM ("
                              f"SELECT DISTINCT x FROM ({union}) WHERE x <> '')"),
        # Known IDs by hash (a collision only adds a row the candidates' exact join on x
        # ignores), then the new ones by exact comparison with that slice.
        SqlStep("ids: known", "CREATE OR REPLACE TABLE gidmap AS SELECT x, ok, "
                              "CASE WHEN male THEN 'male' ELSE 'female' END AS sex, birth, pid "
                              "FROM idmap SEMI JOIN gids USING (h)"),
        SqlStep("ids: new", f"CREATE OR REPLACE TABLE newids AS SELECT x, ok, sex, birth, ps, "
                            f"{crypto.pid_sql('ps')} AS pid FROM ({new})",
                {"ipad": ipad, "opad": opad}),
        SqlStep("ids: into idmap",
                "INSERT INTO idmap SELECT hash(x), x, ok, sex = 'male', birth, pid, "
                "CASE WHEN ok THEN ('0x' || substr(ps, 17, 16))::UBIGINT END FROM newids"),
        SqlStep("ids: into gidmap", "INSERT INTO gidmap SELECT x, ok, sex, birth, pid FROM newids"),
        SqlStep("ids: unnamed", "INSERT INTO unnamed SELECT pid FROM newids WHERE ok"),
        SqlStep("ids: drop new", "DROP TABLE newids"),
    ]


def candidate_steps(schema: FeedSchema, texts: list[str], raws: list[str], batch_id: int,
                    jurisdiction: Jurisdiction, max_cell_chars: int = 200) -> list[SqlStep]:
    """``cand``: the group's rows checked, typed and hashed; then the loaded files go."""
    return [SqlStep("candidates", "CREATE OR REPLACE TABLE cand AS "
                    + candidates_sql(schema, texts, batch_id, jurisdiction,
                                     max_cell_chars))] + [
        SqlStep(f"drop {raw}", f"DROP TABLE {raw}") for raw in raws]


def flag_steps(key: str) -> list[SqlStep]:
    """Cross-row flags over ``cand`` and ``hits`` (what the store already holds).

    A duplicate: an equal row earlier in the group or in the store. Of the rest, a conflict:
    the record id and 登记日期 of an earlier row (group or store) with other content — first
    delivered wins, as in one pass over the whole batch. Only rows whose record id comes
    twice in the group or is in the store can be either, so the windows run over those few
    (``again``), and only flagged rows are kept (``flagged``): the accepted rows, the names
    and the corrections are then ``cand`` minus a small hash table, not a join of two big
    ones. Record ids delivered again (a correction, or twice in this group) go to
    ``corrections``: only these need the active version chosen again at the end."""
    return [
        SqlStep("flags: multi", "CREATE OR REPLACE TABLE multi AS SELECT record_id FROM cand "
                                "WHERE reason IS NULL GROUP BY record_id HAVING count(*) > 1"),
        SqlStep("flags: again",
                "CREATE OR REPLACE TABLE again AS SELECT c.file_idx, c.row_no, c.record_id, "
                "c.record_date, c.content_hash, coalesce(h.dup, FALSE) AS stored_dup, "
                "coalesce(h.conf, FALSE) AS stored_conf, h.seen IS NOT NULL AS seen "
                "FROM cand c LEFT JOIN hits h USING (file_idx, row_no) WHERE c.reason IS NULL "
                "AND (h.seen IS NOT NULL OR c.record_id IN (SELECT record_id FROM multi))"),
        SqlStep("flags: flagged",
                "CREATE OR REPLACE TABLE flagged AS WITH v AS ("
                "SELECT file_idx, row_no, record_id, record_date, stored_conf, "
                "row_number() OVER (PARTITION BY record_id, content_hash "
                "ORDER BY file_idx, row_no) > 1 OR stored_dup AS dup FROM again) "
                "SELECT file_idx, row_no, 'duplicate' AS flag FROM v WHERE dup "
                "UNION ALL SELECT file_idx, row_no, 'conflict' FROM v WHERE NOT dup "
                "QUALIFY row_number() OVER (PARTITION BY record_id, record_date "
                "ORDER BY file_idx, row_no) > 1 OR stored_conf"),
        SqlStep("flags: corrections",
                f"INSERT INTO corrections SELECT '{key}', record_id FROM again "
                "ANTI JOIN flagged USING (file_idx, row_no) "
                "GROUP BY record_id HAVING count(*) > 1 OR bool_or(seen)"),
    ]


def name_steps() -> list[SqlStep]:
    """The first accepted name of each person not named by an earlier group (feeds run in
    name-precedence order); ``unnamed`` shrinks as names arrive, so this never touches the
    whole batch's names."""
    return [
        SqlStep("names: group", "CREATE OR REPLACE TABLE gnames AS SELECT pid, "
                                "arg_min(_name, file_idx * 4294967296 + row_no) AS name "
                                f"FROM {ACCEPTED} WHERE _name IS NOT NULL "
                                "AND pid IN (SELECT pid FROM unnamed) GROUP BY pid"),
        SqlStep("names: keep", "INSERT INTO id_names SELECT * FROM gnames"),
        SqlStep("names: named", "DELETE FROM unnamed WHERE pid IN (SELECT pid FROM gnames)"),
        SqlStep("names: drop", "DROP TABLE gnames"),
    ]
