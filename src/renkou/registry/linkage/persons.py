"""The registry's persons in the linkage workspace, and the columns Splink compares.

Identities are decrypted a million at a time straight into the workspace (``person_raw``:
``pno``, the person's number in this run, pid, ID number, name, sex, birth date), the
districts each person was seen in come from the interval tables in one query, and the
written form and pinyin of every name are computed once per distinct name
(:mod:`renkou.registry.linkage.names`), for rows and persons together (``cmp_rows``,
``cmp_persons``). Nothing of it is written to the store."""

from __future__ import annotations

import pyarrow as pa

from renkou.registry.crypto import Keys, decrypt_many
from renkou.registry.linkage.names import normalise, pinyin
from renkou.registry.store import Connection, Store

BATCH = 1_000_000

# Where each person was registered or active: hukou and residence streets, the districts
# of their activity and of the census.
DISTRICTS_SQL = """
SELECT pid, list(DISTINCT d ORDER BY d) AS districts FROM (
  SELECT pid, left(street, 6) AS d FROM hukou_spells
  UNION ALL SELECT pid, left(code, 6) FROM residence_spells
  UNION ALL SELECT pid, district FROM active_spells
  UNION ALL SELECT pid, left(residence_code, 6) FROM census_facts
) WHERE d IS NOT NULL AND d <> '' GROUP BY pid"""

_TAB = "chr(9)"


def load_persons(store: Store, ws: Connection, keys: Keys) -> int:
    """Every person of the store into ``person_raw`` and ``person_districts``; returns the
    number of persons."""
    ws.execute("CREATE OR REPLACE TABLE person_raw (pno BIGINT, pid UBIGINT, id_number VARCHAR, "
               "name_raw VARCHAR, sex VARCHAR, birth VARCHAR)")
    reader = store.arrow_reader("SELECT pid, pii_enc, sex, CAST(birth_date AS VARCHAR) AS birth "
                                "FROM identity", BATCH)
    start = 0
    for batch in reader:
        clear = pa.array(decrypt_many(batch.column("pii_enc").to_pylist(), keys), pa.string())
        part = pa.table({"pno": pa.array(range(start, start + len(clear)), pa.int64()),
                         "pid": batch.column("pid"), "clear": clear,
                         "sex": batch.column("sex"), "birth": batch.column("birth")})
        # 'ID<TAB>name': the name is everything after the first tab
        ws.execute_with(
            f"INSERT INTO person_raw SELECT pno, pid, split_part(clear, {_TAB}, 1), "
            f"CASE WHEN strpos(clear, {_TAB}) > 0 THEN substr(clear, strpos(clear, {_TAB}) + 1) "
            f"ELSE '' END, sex, birth FROM _data", part)
        start += len(clear)
    ws.execute_with("CREATE OR REPLACE TABLE person_districts AS SELECT * FROM _data",
                    store.arrow_reader(DISTRICTS_SQL, BATCH))
    return start


def comparison_tables(ws: Connection) -> None:
    """``cmp_rows`` and ``cmp_persons`` from ``rows`` and ``person_raw``: unique_id (rid or
    pno), name (written form), name_py, surname_py, sex, birth, birth_year, districts, id17.
    The written form and pinyin are computed once per distinct name as delivered."""
    raw = ws.arrow("SELECT DISTINCT name_raw FROM (SELECT name_raw FROM rows UNION ALL "
                   "SELECT name_raw FROM person_raw) WHERE name_raw <> ''").column(0)
    written = [normalise(n) for n in raw.to_pylist()]
    ws.execute_with("CREATE OR REPLACE TABLE _names AS SELECT name_raw, nullif(name, '') AS "
                    "name, nullif(name_py, '') AS name_py FROM _data", pa.table({
                        "name_raw": raw, "name": pa.array(written, pa.string()),
                        "name_py": pa.array([pinyin(n) for n in written], pa.string())}))
    cols = ("n.name, n.name_py, split_part(n.name_py, ' ', 1) AS surname_py, t.sex, "
            "t.birth, left(t.birth, 4) AS birth_year")
    ws.execute(f"CREATE OR REPLACE TABLE cmp_rows AS SELECT t.rid AS unique_id, {cols}, "
               f"t.districts, t.id17 FROM rows t LEFT JOIN _names n USING (name_raw)")
    ws.execute(f"CREATE OR REPLACE TABLE cmp_persons AS SELECT t.pno AS unique_id, {cols}, "
               f"coalesce(d.districts, []) AS districts, left(t.id_number, 17) AS id17 "
               f"FROM person_raw t LEFT JOIN _names n USING (name_raw) "
               f"LEFT JOIN person_districts d USING (pid)")
    ws.execute("ALTER TABLE person_raw DROP COLUMN name_raw")
    for t in ("_names", "person_districts"):
        ws.execute(f"DROP TABLE {t}")
