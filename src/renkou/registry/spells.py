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

from renkou.jurisdictions import Jurisdiction
from renkou.registry import sweeps
from renkou.registry.sql import EDUCATION_LEVELS, inside_sql
from renkou.registry.store import SqlStep, Store

_PERSON = ", sex VARCHAR, birth_date DATE, death_date DATE"
_DERIVED = {
    "deaths": "pid UBIGINT, death_date DATE, source VARCHAR",
    "persons": "pid UBIGINT, sex VARCHAR, birth_date DATE, death_date DATE",
    "hukou_spells": "pid UBIGINT, street VARCHAR, start_date DATE, end_date DATE, "
                    "hukou_kind VARCHAR, continued BOOLEAN" + _PERSON,
    "residence_spells": "pid UBIGINT, street VARCHAR, code VARCHAR, start_date DATE, "
                        "end_date DATE, spell_start DATE, continued BOOLEAN" + _PERSON,
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

# Hukou location changes. A move out to elsewhere in the jurisdiction does not change the
# location (the 迁入 record at the destination does); a move out of the jurisdiction or a
# cancellation ends it (``{inside}``: the prefix comparison of the other end's code).
# On one day, endings sort before new registrations, so a same-day out+in lands at the new
# place. ``continued``: the next event starts a new spell where this one ends (so the end
# is not a break point of its own in renkou.registry.sweeps).
_HUKOU_SPELLS_SQL = """
WITH ev AS (
  SELECT pid, change_date AS d, record_id, hukou_kind,
         CASE WHEN change_type IN ('birth_register', 'hukou_in', 'hukou_register')
              THEN hukou_code END AS street,
         CASE WHEN change_type IN ('hukou_out', 'death_cancel') THEN 0 ELSE 1 END AS rank
  FROM rec_police_hukou
  WHERE active AND NOT (change_type = 'hukou_out'
                        AND coalesce({inside}, FALSE))
)
SELECT pid, street, d AS start_date, lead(d) OVER w AS end_date, hukou_kind,
       lead(street) OVER w IS NOT NULL AS continued
FROM ev
WINDOW w AS (PARTITION BY pid ORDER BY d, rank, record_id)
QUALIFY street IS NOT NULL
"""



def hukou_spells_sql(jurisdiction: Jurisdiction) -> str:
    """Hukou spells of the jurisdiction's registrants (:data:`_HUKOU_SPELLS_SQL`)."""
    return _HUKOU_SPELLS_SQL.format(inside=inside_sql("other_code", jurisdiction))


# Residence spells: each 居住登记/签发/续签 lasts until the next residence event of the
# person, a 居住注销, or (permits) the day after 有效期至. ``spell_start`` is the start of the
# uninterrupted run at the same street (a renewal continues the spell; a gap breaks it): the
# latest run start so far, as starts only grow. Only narrow columns pass the windows (the
# business text and the other record columns made each sort twice as slow at 14 million).
RESIDENCE_SPELLS_SQL = """
WITH ev AS (
  SELECT pid, start_date AS d, residence_code AS code, record_id,
         CASE WHEN business IN ('residence_permit_issue', 'residence_permit_renew')
              THEN valid_until + 1 END AS permit_end,
         CASE WHEN business = 'residence_cancel' THEN 0 ELSE 1 END AS rank
  FROM rec_police_residence WHERE active
), ordered AS (
  SELECT *, lead(d) OVER w AS next_d, lead(rank) OVER w AS next_rank FROM ev
  WINDOW w AS (PARTITION BY pid ORDER BY d, rank, record_id)
), sp AS (
  SELECT pid, code, d AS start_date, record_id, least(next_d, permit_end) AS end_date,
         coalesce(next_rank = 1 AND (permit_end IS NULL OR next_d <= permit_end), FALSE)
           AS continued
  FROM ordered WHERE rank = 1
), marked AS (
  SELECT *, CASE WHEN substr(lag(code) OVER w, 1, 9) = substr(code, 1, 9)
                  AND lag(end_date) OVER w = start_date THEN NULL ELSE start_date END
              AS run_start
  FROM sp WINDOW w AS (PARTITION BY pid ORDER BY start_date, record_id)
)
SELECT pid, substr(code, 1, 9) AS street, code, start_date, end_date,
       max(run_start) OVER (PARTITION BY pid ORDER BY start_date, record_id
                            ROWS UNBOUNDED PRECEDING) AS spell_start, continued
FROM marked
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


def deaths_step() -> SqlStep:
    """``deaths``: each person's death date resolved by source precedence."""
    return SqlStep("deaths", f"CREATE OR REPLACE TABLE deaths AS {DEATHS_SQL}")


def rebuild_deaths(store: Store) -> None:
    store.run_steps([deaths_step()])


def rebuild_steps(batch_id: int, jurisdiction: Jurisdiction) -> list[SqlStep]:
    """The statements recomputing every derived table from the active records, in order."""
    steps = [deaths_step(),
             SqlStep("decisions: clear", "DELETE FROM decisions"),
             SqlStep("decisions", f"INSERT INTO decisions "
                                  f"{DECISIONS_SQL.format(batch=int(batch_id))}"),
             SqlStep("persons", "CREATE OR REPLACE TABLE persons AS SELECT i.pid, i.sex, "
                                "i.birth_date, d.death_date FROM identity i "
                                "LEFT JOIN deaths d USING (pid)")]
    # Interval tables carry sex, birth and death of the person (denormalised), so that a
    # caliber is a filter on one table plus at most one join, even at 14 million persons.
    for name, sql in (("hukou_spells", hukou_spells_sql(jurisdiction)),
                      ("residence_spells", RESIDENCE_SPELLS_SQL),
                      ("work_spells", WORK_SPELLS_SQL),
                      ("insurance_spells", INSURANCE_SPELLS_SQL),
                      ("school_spells", SCHOOL_SPELLS_SQL)):
        steps.append(SqlStep(name, f"CREATE OR REPLACE TABLE {name} AS SELECT s.*, p.sex, "
                                   f"p.birth_date, p.death_date FROM ({sql}) s "
                                   f"JOIN persons p USING (pid)"))
    steps += sweeps.resident_steps()
    steps += sweeps.employed_steps()
    steps += sweeps.active_steps(jurisdiction)
    for name, sql in (("attainment_events", _attainment_sql()),
                      ("census_facts", CENSUS_FACTS_SQL)):
        steps.append(SqlStep(name, f"CREATE OR REPLACE TABLE {name} AS {sql}"))
    return steps


def rebuild(store: Store, batch_id: int, jurisdiction: Jurisdiction) -> None:
    """Recompute every derived table from the active records (inside the ingest
    transaction, so readers never see a half-built state)."""
    store.run_steps(rebuild_steps(batch_id, jurisdiction))
