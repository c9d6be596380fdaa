"""Population flows for a period (人口变动): births by mother's age, deaths by age and sex,
hukou moves in and out, residence arrivals and departures — the inputs of rates and
projections. Periods are inclusive [start, end]; ages are completed years at the event.

Areas: births at the 出生地 on the birth certificate (``caliber='all'``) or at the mother's
hukou street on the birth date (``caliber='hukou'``: births to hukou mothers, 户籍人口出生);
deaths at the 死亡地 of the 卫健 certificate, else the hukou street held when dying; hukou
moves at the street registered or left; residence arrivals/departures at the street of the
residence run (a renewal at the same street is not a move). At district or city level a
move whose other end lies in the same area is internal and not counted.

The functions take any :class:`~renkou.registry.dialect.QueryEngine`: the store, or the
Spark engine over its Parquet export, which runs the same SQL rendered for Spark."""

from __future__ import annotations

from datetime import date

import pandas as pd

from renkou.jurisdictions import Jurisdiction
from renkou.registry.dialect import QueryEngine
from renkou.registry.sql import age_sql, lit, region_sql

BIRTH_CALIBERS = ("all", "hukou")


def births_sql(start: date, end: date, level: str = "district", caliber: str = "all", *,
               jurisdiction: Jurisdiction, by_year: bool = False) -> str:
    """Births by the 出生地 of the certificate (``all``), or (``hukou``) births to mothers
    whose hukou is in the area on the birth date — the mother's hukou spell covering that
    date, the same rule as the hukou caliber at a date (start ≤ D < end). Births whose mother
    is unknown or has no hukou in the jurisdiction that day are not hukou births anywhere.
    ``by_year``: a column ``year`` (calendar year of birth), so that several years come from
    one query."""
    if caliber not in BIRTH_CALIBERS:
        raise ValueError(f"births caliber must be one of {BIRTH_CALIBERS}, not {caliber!r}")
    if caliber == "hukou":
        place = "hm.street"
        # At most one hukou spell covers a date, so the join adds no rows.
        join = ("JOIN hukou_spells hm ON hm.pid = b.mother_pid "
                "AND hm.start_date <= b.birth_date "
                "AND (hm.end_date IS NULL OR hm.end_date > b.birth_date) ")
    else:
        place, join = "b.birth_place", ""
    region = region_sql(place, level, jurisdiction)
    year = "year(b.birth_date) AS year, " if by_year else ""
    return (f"SELECT {year}{region} AS region, "
            f"{age_sql('m.birth_date', 'b.birth_date')} AS mother_age, "
            f"c.sex, count(DISTINCT b.pid) AS value FROM rec_health_birth b "
            f"JOIN persons c ON c.pid = b.pid LEFT JOIN persons m ON m.pid = b.mother_pid "
            f"{join}"
            f"WHERE b.active AND b.birth_date BETWEEN {lit(start)} AND {lit(end)} "
            f"GROUP BY ALL HAVING region IS NOT NULL ORDER BY ALL")


def deaths_sql(start: date, end: date, level: str = "district", caliber: str = "all", *,
               jurisdiction: Jurisdiction, by_year: bool = False) -> str:
    """Deaths by place of death (``all``), or by the hukou street held when dying
    (``hukou``: only registrants, the numerator of hukou life expectancy); ``by_year``: a
    column ``year`` (calendar year of death)."""
    place = "hk.street" if caliber == "hukou" else "coalesce(hd.place, hk.street)"
    region = region_sql(place, level, jurisdiction)
    year = "year(d.death_date) AS year, " if by_year else ""
    return (f"WITH hd AS (SELECT pid, arg_max(death_place, record_date) AS place "
            f"FROM rec_health_death WHERE active GROUP BY pid) "
            f"SELECT {year}{region} AS region, p.sex, "
            f"{age_sql('p.birth_date', 'd.death_date')} AS age, "
            f"count(*) AS value FROM deaths d JOIN persons p USING (pid) "
            f"LEFT JOIN hd USING (pid) LEFT JOIN hukou_spells hk ON hk.pid = d.pid "
            f"AND hk.start_date < d.death_date "
            f"AND (hk.end_date IS NULL OR hk.end_date >= d.death_date) "
            f"WHERE d.death_date BETWEEN {lit(start)} AND {lit(end)} "
            f"GROUP BY ALL HAVING region IS NOT NULL ORDER BY ALL")


# Residence runs (uninterrupted stays at one street) with the previous/next run, as one
# CTE list: written once at the top of the query, since a CTE nested in a subquery used
# twice would be hoisted twice (under one name) when the query is rendered for Spark.
_RUNS_CTES = (
    "spans AS (SELECT pid, street, spell_start AS run_start, "
    "max(coalesce(end_date, DATE '9999-12-31')) AS run_end FROM residence_spells "
    "GROUP BY pid, street, spell_start), "
    "runs AS (SELECT *, lag(street) OVER w AS prev_street, lag(run_end) OVER w AS prev_end, "
    "lead(street) OVER w AS next_street, lead(run_start) OVER w AS next_start "
    "FROM spans WINDOW w AS (PARTITION BY pid ORDER BY run_start))")


def flows_sql(start: date, end: date, level: str = "district", *,
              jurisdiction: Jurisdiction) -> str:
    s, e = lit(start), lit(end)
    here = region_sql("x.code", level, jurisdiction)
    there = region_sql("x.other", level, jurisdiction)
    moves = (
        "SELECT pid, 'hukou_in' AS flow, change_date AS d, hukou_code AS code, "
        "other_code AS other FROM rec_police_hukou WHERE active AND change_type = 'hukou_in' "
        "UNION ALL SELECT pid, 'hukou_out', change_date, hukou_code, other_code "
        "FROM rec_police_hukou WHERE active AND change_type = 'hukou_out' "
        "UNION ALL SELECT pid, 'residence_arrival', run_start, street, "
        "CASE WHEN prev_end = run_start THEN prev_street END FROM runs "
        "UNION ALL SELECT pid, 'residence_departure', run_end, street, "
        "CASE WHEN next_start = run_end THEN next_street END FROM runs "
        "WHERE run_end < DATE '9999-12-31'")
    age = age_sql("p.birth_date", "x.d")
    return (f"WITH {_RUNS_CTES} SELECT {here} AS region, x.flow, p.sex, {age} AS age, "
            f"count(*) AS value FROM ({moves}) x JOIN persons p USING (pid) "
            f"WHERE x.d BETWEEN {s} AND {e} AND ({there} IS NULL OR {there} <> {here}) "
            f"GROUP BY ALL HAVING region IS NOT NULL ORDER BY ALL")


def births(store: QueryEngine, start: date, end: date, level: str = "district",
           caliber: str = "all", *, jurisdiction: Jurisdiction) -> pd.DataFrame:
    """Births in [start, end]: region, mother_age, sex, value (see :func:`births_sql`)."""
    return store.frame(births_sql(start, end, level, caliber, jurisdiction=jurisdiction))


def deaths(store: QueryEngine, start: date, end: date, level: str = "district",
           caliber: str = "all", *, jurisdiction: Jurisdiction) -> pd.DataFrame:
    """Deaths in [start, end]: region, sex, age, value (age 0 = infant deaths)."""
    return store.frame(deaths_sql(start, end, level, caliber, jurisdiction=jurisdiction))


def flows(store: QueryEngine, start: date, end: date, level: str = "district", *,
          jurisdiction: Jurisdiction) -> pd.DataFrame:
    """Moves in [start, end]: region, flow, sex, age, value."""
    return store.frame(flows_sql(start, end, level, jurisdiction=jurisdiction))
