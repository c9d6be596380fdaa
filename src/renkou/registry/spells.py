"""Derived interval tables (状态区间表) rebuilt from the active records after each ingest.

Caliber queries at any date then become interval look-ups (start ≤ D < end) over a few
tables instead of replays of the event log, which keeps them fast at 14 million persons.

Department precedence (部门优先规则) applied here, each disagreement recorded in
``decisions`` with both sources:

* identity (sex, birth date): the ID number itself (公安); rows contradicting it are
  quarantined at ingest, so no decision is needed;
* hukou location: 公安 户籍 only (统计's 户口登记地 is a census-time answer, not a register);
* death date: 卫健 死亡医学证明 over 公安 死亡注销 over 民政 殡葬;
* education attainment and 城乡: 统计 census/survey answers, raised by later 教育
  graduations (a graduation is a fact the census could not yet know)."""

from __future__ import annotations

from renkou.registry.sql import EDUCATION_LEVELS
from renkou.registry.store import Store

_PERSON = ", sex VARCHAR, birth_date DATE, death_date DATE"
_DERIVED = {
    "deaths": "pid UBIGINT, death_date DATE, source VARCHAR",
    "persons": "pid UBIGINT, sex VARCHAR, birth_date DATE, death_date DATE",
    "hukou_spells": "pid UBIGINT, street VARCHAR, start_date DATE, end_date DATE, "
                    "hukou_kind VARCHAR" + _PERSON,
    "residence_spells": "pid UBIGINT, street VARCHAR, code VARCHAR, start_date DATE, "
                        "end_date DATE, spell_start DATE" + _PERSON,
    "work_spells": "pid UBIGINT, code VARCHAR, start_date DATE, end_date DATE" + _PERSON,
    "insurance_spells": "pid UBIGINT, code VARCHAR, scheme VARCHAR, start_date DATE, "
                        "end_date DATE" + _PERSON,
    "school_spells": "pid UBIGINT, code VARCHAR, stage VARCHAR, start_date DATE, "
                     "end_date DATE, leave_kind VARCHAR" + _PERSON,
    "resident_spells": "pid UBIGINT, code VARCHAR, start_date DATE, end_date DATE, "
                       "hukou_only BOOLEAN" + _PERSON,
    "active_spells": "pid UBIGINT, district VARCHAR, start_date DATE, end_date DATE" + _PERSON,
    "employed_spells": "pid UBIGINT, code VARCHAR, start_date DATE, end_date DATE"
                       + _PERSON,
    "attainment_events": "pid UBIGINT, valid_date DATE, level INTEGER, source VARCHAR",
    "census_facts": "pid UBIGINT, census_date DATE, urban VARCHAR, residence_code VARCHAR",
}

# School stage → rank in EDUCATION_LEVELS (a graduation raises the attainment).
_STAGE_LEVEL = {"primary": 1, "junior_secondary": 2, "senior_secondary": 3,
                "vocational_secondary": 3, "junior_college": 4, "bachelor": 5,
                "postgraduate": 6}

DEATHS_SQL = """
SELECT pid, arg_min(death_date, (prio, death_date)) AS death_date,
       arg_min(source, (prio, death_date)) AS source
FROM (
  SELECT pid, death_date, 0 AS prio, 'health_death' AS source FROM rec_health_death WHERE active
  UNION ALL
  SELECT pid, change_date, 1, 'police_hukou' FROM rec_police_hukou
   WHERE active AND change_type = 'death_cancel'
  UNION ALL
  SELECT pid, death_date, 2, 'civil_funeral' FROM rec_civil_funeral WHERE active
) GROUP BY pid
"""

DECISIONS_SQL = """
SELECT {batch}, c.pid, 'death_date', CAST(d.death_date AS VARCHAR), d.source,
       CAST(c.death_date AS VARCHAR), c.source,
       '死亡日期以卫健死亡医学证明为准，其次公安死亡注销，再次民政殡葬'
FROM (
  SELECT pid, death_date, 'health_death' AS source FROM rec_health_death WHERE active
  UNION ALL
  SELECT pid, change_date, 'police_hukou' FROM rec_police_hukou
   WHERE active AND change_type = 'death_cancel'
  UNION ALL
  SELECT pid, death_date, 'civil_funeral' FROM rec_civil_funeral WHERE active
) c JOIN deaths d USING (pid)
WHERE c.death_date <> d.death_date
"""

# Hukou location changes. A move out to elsewhere in Tianjin does not change the location
# (the 迁入 record at the destination does); a move out of Tianjin or a cancellation ends it.
# On one day, endings sort before new registrations, so a same-day out+in lands at the new
# place.
HUKOU_SPELLS_SQL = """
WITH ev AS (
  SELECT pid, change_date AS d, record_id, hukou_kind,
         CASE WHEN change_type IN ('birth_register', 'hukou_in', 'hukou_register')
              THEN hukou_code END AS street,
         CASE WHEN change_type IN ('hukou_out', 'death_cancel') THEN 0 ELSE 1 END AS rank
  FROM rec_police_hukou
  WHERE active AND NOT (change_type = 'hukou_out' AND coalesce(substr(other_code, 1, 2), '')
                        = '12')
)
SELECT pid, street, d AS start_date,
       lead(d) OVER (PARTITION BY pid ORDER BY d, rank, record_id) AS end_date, hukou_kind
FROM ev
QUALIFY street IS NOT NULL
"""

# Residence spells: each 居住登记/签发/续签 lasts until the next residence event of the
# person, a 居住注销, or (permits) the day after 有效期至. ``spell_start`` is the start of the
# uninterrupted run at the same street (a renewal continues the spell; a gap breaks it).
RESIDENCE_SPELLS_SQL = """
WITH ev AS (
  SELECT pid, start_date AS d, business, residence_code AS code,
         substr(residence_code, 1, 9) AS street, valid_until, record_id,
         CASE WHEN business = 'residence_cancel' THEN 0 ELSE 1 END AS rank
  FROM rec_police_residence WHERE active
), ordered AS (
  SELECT *, lead(d) OVER (PARTITION BY pid ORDER BY d, rank, record_id) AS next_d FROM ev
), sp AS (
  SELECT pid, street, code, d AS start_date, record_id, rank,
         least(next_d, CASE WHEN business IN ('residence_permit_issue', 'residence_permit_renew')
                            THEN valid_until + 1 END) AS end_date
  FROM ordered WHERE business <> 'residence_cancel'
), marked AS (
  SELECT *, CASE WHEN lag(street) OVER w = street AND lag(end_date) OVER w = start_date
                 THEN 0 ELSE 1 END AS new_run
  FROM sp WINDOW w AS (PARTITION BY pid ORDER BY start_date, rank, record_id)
), runs AS (
  SELECT *, sum(new_run) OVER (PARTITION BY pid ORDER BY start_date, rank, record_id
                               ROWS UNBOUNDED PRECEDING) AS run_no FROM marked
)
SELECT pid, street, code, start_date, end_date,
       min(start_date) OVER (PARTITION BY pid, run_no) AS spell_start
FROM runs
"""

WORK_SPELLS_SQL = """
SELECT pid, work_code AS code, start_date, end_date FROM rec_hrss_employment WHERE active
"""

INSURANCE_SPELLS_SQL = """
SELECT pid, insured_code AS code, scheme, start_month AS start_date,
       last_day(end_month) AS end_date FROM rec_hrss_insurance WHERE active
"""

SCHOOL_SPELLS_SQL = """
SELECT pid, school_code AS code, stage, enrol_date AS start_date, leave_date AS end_date,
       leave_kind FROM rec_edu_school WHERE active
"""

# 就业人口 location as intervals (precomputed so the caliber is one range filter at any D).
# The location changes only where a work spell or an employee-insurance spell starts or
# ends (the day after its inclusive end), so it is constant on the elementary intervals
# between consecutive such breakpoints; on each, it is the covering work spell with the latest
# start (ties: greatest code), else the covering employee insurance spell likewise — the same
# pick as a per-date query. A NULL start never counts; a NULL work end is open, a NULL
# insurance end never counts (as in the per-date rule).
EMPLOYED_SPELLS_SQL = """
WITH src AS (
  SELECT pid, code, start_date, end_date, 0 AS prio FROM work_spells
  WHERE start_date IS NOT NULL
  UNION ALL
  -- DISTINCT: 职工养老 and 职工医疗 usually repeat the same period; each extra row multiplies
  -- the range join below.
  SELECT DISTINCT pid, code, start_date, end_date, 1 FROM insurance_spells
  WHERE scheme IN ('employee_pension', 'employee_medical') AND start_date IS NOT NULL
    AND end_date IS NOT NULL
), bp AS (
  SELECT DISTINCT pid, d FROM (
    SELECT pid, start_date AS d FROM src
    UNION ALL
    SELECT pid, end_date + 1 FROM src WHERE end_date IS NOT NULL)
), el AS (
  SELECT pid, d AS start_date, lead(d) OVER (PARTITION BY pid ORDER BY d) AS end_date FROM bp
), picked AS (
  SELECT e.pid, e.start_date, e.end_date,
         arg_max(s.code, (s.start_date, s.code)) FILTER (WHERE s.prio = 0) AS emp_code,
         arg_max(s.code, (s.start_date, s.code)) FILTER (WHERE s.prio = 1) AS ins_code
  FROM el e JOIN src s ON s.pid = e.pid AND s.start_date <= e.start_date
   AND (s.end_date IS NULL OR s.end_date >= e.start_date)
  GROUP BY e.pid, e.start_date, e.end_date
)
SELECT pid, coalesce(emp_code, ins_code) AS code, start_date, end_date FROM picked
"""

# First date D with spell_start ≤ D − 6 months (the contract's 半年 rule, with DuckDB's
# end-of-month clamping): s + 6 months, or the day after when clamping made that too early
# (e.g. s = 08-30 → 02-28 − 6 months = 08-28 < s, so 03-01). Checked for every day
# 1899–2040 in tests/registry/test_interval_tables.py.
def six_months_reached(s: str) -> str:
    c = f"({s} + INTERVAL 6 MONTH)::DATE"
    return f"CASE WHEN ({c} - INTERVAL 6 MONTH)::DATE >= {s} THEN {c} ELSE {c} + 1 END"


# 常住人口 location as intervals: it changes only where a hukou or residence spell starts or
# ends, or a residence run reaches six months, so on the elementary intervals between those
# breakpoints it is the per-date rule evaluated at the interval's start (the hukou and
# residence spells of a person do not overlap, so each interval has at most one of each).
RESIDENT_SPELLS_SQL = f"""
WITH h AS (
  SELECT pid, street, start_date, end_date FROM hukou_spells WHERE start_date IS NOT NULL
), r AS (
  SELECT pid, street, start_date, end_date, {six_months_reached('spell_start')} AS settled
  FROM residence_spells WHERE start_date IS NOT NULL
), bp AS (
  SELECT DISTINCT pid, d FROM (
    SELECT pid, start_date AS d FROM h UNION ALL
    SELECT pid, end_date FROM h WHERE end_date IS NOT NULL UNION ALL
    SELECT pid, start_date FROM r UNION ALL
    SELECT pid, end_date FROM r WHERE end_date IS NOT NULL UNION ALL
    SELECT pid, settled FROM r WHERE settled IS NOT NULL)
), el AS (
  SELECT pid, d AS start_date, lead(d) OVER (PARTITION BY pid ORDER BY d) AS end_date FROM bp
)
SELECT e.pid, CASE
    WHEN r.street IS NULL THEN h.street
    WHEN r.street = h.street THEN r.street
    WHEN e.start_date >= r.settled THEN r.street
    ELSE h.street END AS code, e.start_date, e.end_date, r.pid IS NULL AS hukou_only
FROM el e
LEFT JOIN h ON h.pid = e.pid AND h.start_date <= e.start_date
  AND (h.end_date IS NULL OR h.end_date > e.start_date)
LEFT JOIN r ON r.pid = e.pid AND r.start_date <= e.start_date
  AND (r.end_date IS NULL OR r.end_date > e.start_date)
WHERE (h.pid IS NOT NULL OR r.pid IS NOT NULL) AND code IS NOT NULL
"""


# 实际活动人口 by district as intervals (docs/registry-contract.md, window of six months): a
# record makes its person active in its district on [start, until), where ``until`` is the
# first date D whose window [D − 6 months, D] no longer reaches the record (the same clamped
# month arithmetic as the per-date rule: six_months_reached of the exclusive end), and a
# current hukou without a current residence record makes the person active at the hukou
# street while it lasts. Overlapping intervals of a person and district are merged, so at
# any D a person is in at most one row per district: the caliber is a range filter and a
# count, with no DISTINCT over every record.
ACTIVE_SPELLS_SQL = f"""
WITH src AS (
  SELECT pid, code, start_date,
         CASE WHEN end_date IS NOT NULL THEN {six_months_reached('end_date')} END AS until
  FROM residence_spells
  UNION ALL
  SELECT pid, code, start_date,
         CASE WHEN end_date IS NOT NULL THEN {six_months_reached('end_date + 1')} END
  FROM work_spells
  UNION ALL
  SELECT pid, code, start_date, {six_months_reached('end_date + 1')} FROM insurance_spells
  WHERE end_date IS NOT NULL
  UNION ALL
  SELECT pid, code, start_date,
         CASE WHEN end_date IS NOT NULL THEN {six_months_reached('end_date + 1')} END
  FROM school_spells
  UNION ALL
  SELECT pid, code, start_date, end_date FROM resident_spells WHERE hukou_only
), d AS (
  -- DISTINCT: the two windows below order by (start_date, until); identical rows would be
  -- ties that each window may order differently, splitting an island in two.
  SELECT DISTINCT pid, substr(code, 1, 6) AS district, start_date,
         coalesce(until, DATE '9999-12-31') AS until
  FROM src
  WHERE start_date IS NOT NULL AND substr(code, 1, 2) = '12'
    AND (until IS NULL OR until > start_date)
), reach AS (
  SELECT *, max(until) OVER (PARTITION BY pid, district ORDER BY start_date, until
                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reached
  FROM d
), islands AS (
  SELECT *, sum(CASE WHEN reached IS NULL OR start_date > reached THEN 1 ELSE 0 END)
            OVER (PARTITION BY pid, district ORDER BY start_date, until
                  ROWS UNBOUNDED PRECEDING) AS island
  FROM reach
)
SELECT pid, district, min(start_date) AS start_date,
       nullif(max(until), DATE '9999-12-31') AS end_date
FROM islands GROUP BY pid, district, island
"""


def _attainment_sql() -> str:
    census = " ".join(f"WHEN '{lvl}' THEN {i}" for i, lvl in enumerate(EDUCATION_LEVELS))
    stage = " ".join(f"WHEN '{s}' THEN {i}" for s, i in _STAGE_LEVEL.items())
    return f"""
SELECT pid, census_date AS valid_date, CASE education {census} END AS level, 'stats_census'
FROM rec_stats_census WHERE active AND education IS NOT NULL
UNION ALL
SELECT pid, leave_date, CASE stage {stage} END, 'edu_school'
FROM rec_edu_school WHERE active AND leave_kind = 'graduate' AND leave_date IS NOT NULL
  AND stage <> 'preschool'
"""


CENSUS_FACTS_SQL = """
SELECT pid, census_date, urban, residence_code FROM rec_stats_census WHERE active
"""


def ensure_derived(store: Store) -> None:
    """Create the derived tables empty when missing (read paths can then always query)."""
    for name, cols in _DERIVED.items():
        store.execute(f"CREATE TABLE IF NOT EXISTS {name} ({cols})")


def rebuild_deaths(store: Store) -> None:
    """``deaths``: each person's death date resolved by source precedence."""
    store.execute(f"CREATE OR REPLACE TABLE deaths AS {DEATHS_SQL}")


def rebuild(store: Store, batch_id: int) -> None:
    """Recompute every derived table from the active records (inside the ingest
    transaction, so readers never see a half-built state)."""
    rebuild_deaths(store)
    store.execute("DELETE FROM decisions")
    store.execute(f"INSERT INTO decisions {DECISIONS_SQL.format(batch=batch_id)}")
    store.execute(
        "CREATE OR REPLACE TABLE persons AS SELECT i.pid, i.sex, i.birth_date, d.death_date "
        "FROM identity i LEFT JOIN deaths d USING (pid)")
    # Interval tables carry sex, birth and death of the person (denormalised), so that a
    # caliber is a filter on one table plus at most one join, even at 14 million persons.
    for name, sql in (("hukou_spells", HUKOU_SPELLS_SQL),
                      ("residence_spells", RESIDENCE_SPELLS_SQL),
                      ("work_spells", WORK_SPELLS_SQL),
                      ("insurance_spells", INSURANCE_SPELLS_SQL),
                      ("school_spells", SCHOOL_SPELLS_SQL)):
        store.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT s.*, p.sex, p.birth_date, "
                      f"p.death_date FROM ({sql}) s JOIN persons p USING (pid)")
    store.execute("CREATE OR REPLACE TABLE resident_spells AS SELECT s.*, p.sex, p.birth_date, "
                  f"p.death_date FROM ({RESIDENT_SPELLS_SQL}) s JOIN persons p USING (pid)")
    store.execute("CREATE OR REPLACE TABLE employed_spells AS SELECT s.*, p.sex, p.birth_date, "
                  f"p.death_date FROM ({EMPLOYED_SPELLS_SQL}) s JOIN persons p USING (pid)")
    store.execute("CREATE OR REPLACE TABLE active_spells AS SELECT s.*, p.sex, p.birth_date, "
                  f"p.death_date FROM ({ACTIVE_SPELLS_SQL}) s JOIN persons p USING (pid)")
    for name, sql in (("attainment_events", _attainment_sql()),
                      ("census_facts", CENSUS_FACTS_SQL)):
        store.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")
