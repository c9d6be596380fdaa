"""Caliber interval tables (口径区间表) — 常住人口, 就业人口 and 实际活动人口 located as
intervals, so that a caliber at any date D is one range filter (start ≤ D < end).

Each is built by a sweep over a person's time line, one sorted window pass: the spells'
starts and ends become points ordered by date, and ``last_value(… IGNORE NULLS)`` carries the
spell in force forward to every point. A sweep sorts each point once; the former
break-point tables joined back to the spells by date range cost two to three times as much
at 14 million persons (docs/benchmarks.md). tests/registry/test_interval_tables.py checks
every table against the per-date rules of docs/registry-contract.md."""

from __future__ import annotations

from renkou.jurisdictions import Jurisdiction
from renkou.registry.sql import inside_sql
from renkou.registry.store import SqlStep, Store

_FAR = "DATE '9999-12-31'"  # an open end, so that "end > D" needs no NULL case
_NONE = "DATE '0001-01-01'"  # sorts a pure break point before starts on the same day


def six_months_reached(s: str) -> str:
    """First date D with s ≤ D − 6 months (the contract's 半年 rule, with DuckDB's
    end-of-month clamping): s + 6 months, or the day after when clamping made that too early
    (e.g. s = 08-30 → 02-28 − 6 months = 08-28 < s, so 03-01). Checked for every day
    1899–2040 in tests/registry/test_interval_tables.py."""
    c = f"({s} + INTERVAL 6 MONTH)::DATE"
    return f"CASE WHEN ({c} - INTERVAL 6 MONTH)::DATE >= {s} THEN {c} ELSE {c} + 1 END"


def _carried(*cols: str) -> str:
    return ", ".join(f"last_value({c} IGNORE NULLS) OVER (w ROWS UNBOUNDED PRECEDING) AS {c}"
                     for c in cols)


# 常住人口 location. Points: every hukou and residence spell start (carrying its street and
# exclusive end), each end not continued by the next spell of its kind (``continued``), and
# the day a residence run reaches six months, when that falls inside the spell. A person's
# hukou spells do not overlap, nor do the residence spells, so the spell in force at a point
# is the last one started, if its end is still ahead. On one day, a zero-length spell sorts
# before the real one (order by end). The last point of each day opens an interval, closed
# by the next day with a point; the per-date rule is evaluated at its start.
RESIDENT_SPELLS_SQL = f"""
WITH r AS (
  SELECT pid, street, start_date, end_date, continued,
         {six_months_reached('spell_start')} AS settled
  FROM residence_spells WHERE start_date IS NOT NULL
), pts AS (
  SELECT pid, start_date AS d, coalesce(end_date, {_FAR}) AS o, street AS hs,
         coalesce(end_date, {_FAR}) AS hx, NULL AS rs, NULL::DATE AS rx, NULL::DATE AS settled
  FROM hukou_spells WHERE start_date IS NOT NULL
  UNION ALL
  SELECT pid, end_date, {_NONE}, NULL, NULL, NULL, NULL, NULL FROM hukou_spells
  WHERE start_date IS NOT NULL AND end_date IS NOT NULL AND NOT continued
  UNION ALL
  SELECT pid, start_date, coalesce(end_date, {_FAR}), NULL, NULL, street,
         coalesce(end_date, {_FAR}), settled FROM r
  UNION ALL
  SELECT pid, end_date, {_NONE}, NULL, NULL, NULL, NULL, NULL FROM r
  WHERE end_date IS NOT NULL AND NOT continued
  UNION ALL
  SELECT pid, settled, {_NONE}, NULL, NULL, NULL, NULL, NULL FROM r
  WHERE settled > start_date AND (end_date IS NULL OR settled < end_date)
), swept AS (
  SELECT pid, d, lead(d) OVER w AS nd, {_carried('hs', 'hx', 'rs', 'rx', 'settled')}
  FROM pts WINDOW w AS (PARTITION BY pid ORDER BY d, o)
), cur AS (
  SELECT pid, d, nd, CASE WHEN hx > d THEN hs END AS hs, CASE WHEN rx > d THEN rs END AS rs,
         settled
  FROM swept WHERE nd IS NULL OR nd <> d
)
SELECT pid, CASE WHEN rs IS NULL THEN hs WHEN rs = hs THEN rs WHEN d >= settled THEN rs
                 ELSE hs END AS code, d AS start_date, nd AS end_date, rs IS NULL AS hukou_only
FROM cur WHERE (hs IS NOT NULL OR rs IS NOT NULL) AND code IS NOT NULL
"""

# 就业人口 location. The per-date pick is the covering work spell with the latest (start,
# code), else the covering employee-insurance spell likewise (a NULL work end is open; an
# insurance spell without both dates never counts). The sweep carries the last spell
# started of each kind, which is that pick whenever no earlier spell outlives a later one
# (ends non-decreasing in start order) — nearly everyone. ``outlived`` marks the others
# (nested spells); their intervals come from the break-point range join instead.
_EMPLOYED_SRC = """
  SELECT pid, code, start_date, end_date, 0 AS prio FROM work_spells
  WHERE start_date IS NOT NULL {only}
  UNION ALL
  -- DISTINCT: 职工养老 and 职工医疗 usually repeat the same period.
  SELECT DISTINCT pid, code, start_date, end_date, 1 FROM insurance_spells
  WHERE scheme IN ('employee_pension', 'employee_medical') AND start_date IS NOT NULL
    AND end_date IS NOT NULL {only}
"""

EMPLOYED_SWEEP_SQL = f"""
WITH src AS ({_EMPLOYED_SRC.format(only='')}), pts AS (
  SELECT pid, start_date AS d, 1 AS o, code, coalesce(end_date + 1, {_FAR}) AS x, prio
  FROM src
  UNION ALL
  SELECT pid, end_date + 1, 0, NULL, NULL, NULL FROM src WHERE end_date IS NOT NULL
), swept AS (
  SELECT pid, d, lead(d) OVER w AS nd,
    last_value(CASE WHEN prio = 0 THEN code END IGNORE NULLS)
      OVER (w ROWS UNBOUNDED PRECEDING) AS wc,
    last_value(CASE WHEN prio = 0 THEN x END IGNORE NULLS)
      OVER (w ROWS UNBOUNDED PRECEDING) AS wx,
    last_value(CASE WHEN prio = 1 THEN code END IGNORE NULLS)
      OVER (w ROWS UNBOUNDED PRECEDING) AS ic,
    last_value(CASE WHEN prio = 1 THEN x END IGNORE NULLS)
      OVER (w ROWS UNBOUNDED PRECEDING) AS ix,
    coalesce(max(CASE WHEN prio = 0 THEN x END)
               OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
             > CASE WHEN prio = 0 THEN x END
             OR max(CASE WHEN prio = 1 THEN x END)
               OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
             > CASE WHEN prio = 1 THEN x END, FALSE) AS outlived
  FROM pts WINDOW w AS (PARTITION BY pid ORDER BY d, o, code, x)
)
SELECT pid, coalesce(CASE WHEN wx > d THEN wc END, CASE WHEN ix > d THEN ic END) AS code,
       d AS start_date, nd AS end_date, outlived
FROM swept WHERE outlived OR ((nd IS NULL OR nd <> d) AND (wx > d OR ix > d))
"""

# The general pick for the persons with nested spells: elementary intervals between
# consecutive break points, each joined to the spells covering its start.
EMPLOYED_NESTED_SQL = f"""
WITH src AS ({_EMPLOYED_SRC.format(only='AND pid IN (SELECT pid FROM employed_nested)')}),
bp AS (
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


# 实际活动人口 by district (docs/registry-contract.md, window of six months): a record makes
# its person active in its district on [start, until), ``until`` being the first date D
# whose window [D − 6 months, D] no longer reaches the record (six_months_reached of the
# exclusive end); a current hukou without a current residence record makes the person
# active at the hukou street while it lasts. Overlapping intervals of a person and district
# are merged into islands, so at any D a person is in at most one row per district.
# Records outside the jurisdiction (``{inside}``: its prefix comparison) take no part.
# Islands in one pass: a row starts an island when it begins after every earlier row's
# ``until`` (``reached``); the island ends at the next island start's ``reached`` (or the
# partition's last ``until``). Ties in the order cannot split an island: of identical rows,
# only the first can start one, and island starts are strictly increasing.
_ACTIVE_SPELLS_SQL = f"""
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
  SELECT pid, substr(code, 1, 6) AS district, start_date, coalesce(until, {_FAR}) AS until
  FROM src
  WHERE start_date IS NOT NULL AND {{inside}}
    AND (until IS NULL OR until > start_date)
), reach AS (
  SELECT pid, district, start_date,
         max(until) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reached,
         max(until) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
           AS last_until
  FROM d WINDOW w AS (PARTITION BY pid, district ORDER BY start_date, until)
)
SELECT pid, district, start_date,
       nullif(coalesce(lead(reached) OVER (PARTITION BY pid, district ORDER BY start_date),
                       last_until), {_FAR}) AS end_date
FROM reach WHERE reached IS NULL OR start_date > reached
"""

_WITH_PERSON = ("CREATE OR REPLACE TABLE {name} AS SELECT s.*, p.sex, p.birth_date, "
                "p.death_date FROM ({sql}) s JOIN persons p USING (pid)")


def active_spells_sql(jurisdiction: Jurisdiction) -> str:
    return _ACTIVE_SPELLS_SQL.format(inside=inside_sql("code", jurisdiction))


def resident_steps() -> list[SqlStep]:
    """``resident_spells`` from ``hukou_spells`` and ``residence_spells``."""
    return [SqlStep("resident_spells",
                    _WITH_PERSON.format(name="resident_spells", sql=RESIDENT_SPELLS_SQL))]


def employed_steps() -> list[SqlStep]:
    """``employed_spells`` from ``work_spells`` and ``insurance_spells``: the sweep, then
    the general pick for the persons with nested spells."""
    sql = ("SELECT pid, code, start_date, end_date FROM employed_swept "
           "ANTI JOIN employed_nested USING (pid) "
           f"UNION ALL SELECT * FROM ({EMPLOYED_NESTED_SQL})")
    return [
        SqlStep("employed: sweep",
                f"CREATE OR REPLACE TEMP TABLE employed_swept AS {EMPLOYED_SWEEP_SQL}"),
        SqlStep("employed: nested", "CREATE OR REPLACE TEMP TABLE employed_nested AS "
                                    "SELECT DISTINCT pid FROM employed_swept WHERE outlived"),
        SqlStep("employed_spells", _WITH_PERSON.format(name="employed_spells", sql=sql)),
        SqlStep("employed: drop sweep", "DROP TABLE employed_swept"),
        SqlStep("employed: drop nested", "DROP TABLE employed_nested"),
    ]


def active_steps(jurisdiction: Jurisdiction) -> list[SqlStep]:
    """``active_spells`` from the residence, work, insurance, school and resident tables."""
    return [SqlStep("active_spells", _WITH_PERSON.format(
        name="active_spells", sql=active_spells_sql(jurisdiction)))]


def rebuild_resident(store: Store) -> None:
    store.run_steps(resident_steps())


def rebuild_employed(store: Store) -> None:
    store.run_steps(employed_steps())


def rebuild_active(store: Store, jurisdiction: Jurisdiction) -> None:
    store.run_steps(active_steps(jurisdiction))
