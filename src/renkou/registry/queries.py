"""Query builders of the facade's person-level breakdowns (城乡, 受教育程度, person lists) and
store facts, beside the caliber builders of :mod:`renkou.registry.sql`: each returns DuckDB
SQL (dates as literals from :class:`datetime.date`, levels whitelisted), testable on small
hand-made tables."""

from __future__ import annotations

from datetime import date

from renkou.errors import InputError
from renkou.jurisdictions import Jurisdiction
from renkou.registry.sql import (
    age_sql,
    alive_sql,
    education_at_sql,
    employed_at_sql,
    hukou_at_sql,
    lit,
    located_sql,
    region_sql,
    residence_at_sql,
    resident_at_sql,
)

URBAN_CALIBERS = ("resident", "hukou")

# The latest 登记日期 of the 公安 户籍 and 居住 registers (数据截止日期).
DATA_THROUGH_SQL = (
    "SELECT max(d) FROM (SELECT max(record_date) AS d FROM rec_police_hukou "
    "WHERE active IS NOT NULL UNION ALL SELECT max(record_date) "
    "FROM rec_police_residence WHERE active IS NOT NULL)")

# District codes that occur as hukou or residence places.
REGIONS_PRESENT_SQL = (
    "SELECT DISTINCT substr(street, 1, 6) AS d FROM hukou_spells UNION "
    "SELECT DISTINCT substr(street, 1, 6) FROM residence_spells ORDER BY 1")


def urban_sql(d: date) -> str:
    """Urban (城镇) flag of each resident: the latest census answer given at the street
    the person now counts in, else the gazetteer's flag of that street (``street_urban``)."""
    return (f"WITH res AS ({resident_at_sql(d)}), "
            f"cen AS (SELECT pid, arg_max(urban, census_date) AS urban, "
            f"arg_max(substr(residence_code, 1, 9), census_date) AS street "
            f"FROM census_facts WHERE census_date <= {lit(d)} GROUP BY pid) "
            f"SELECT res.pid, res.code, coalesce(CASE WHEN cen.street = substr(res.code, 1, 9) "
            f"THEN cen.urban = 'urban' END, su.urban) AS urban FROM res "
            f"LEFT JOIN cen USING (pid) LEFT JOIN street_urban su "
            f"ON su.street = substr(res.code, 1, 9)")


def hukou_urban_sql(d: date) -> str:
    """Urban flag of each hukou registrant: the hukou street's urban class. A street is
    urban by the gazetteer where it says, else when most people the census enumerated
    living in it answered 城镇 (the criterion the primer asks to state for 户籍城镇化率)."""
    return (f"WITH h AS ({hukou_at_sql(d)}), "
            f"cs AS (SELECT substr(residence_code, 1, 9) AS street, "
            f"avg(CASE WHEN urban = 'urban' THEN 1.0 ELSE 0.0 END) AS share "
            f"FROM census_facts WHERE census_date <= {lit(d)} AND urban IS NOT NULL "
            f"GROUP BY ALL) "
            f"SELECT h.pid, h.street AS code, coalesce(su.urban, cs.share >= 0.5) AS urban "
            f"FROM h LEFT JOIN street_urban su ON su.street = h.street "
            f"LEFT JOIN cs ON cs.street = h.street")


def urban_split_sql(d: date, level: str, caliber: str, jurisdiction: Jurisdiction) -> str:
    """Residents (or hukou registrants) by region and urban (NULL when unknown)."""
    if caliber not in URBAN_CALIBERS:
        raise InputError(f"城乡划分只支持常住人口或户籍人口口径，不支持 {caliber}")
    inner = urban_sql(d) if caliber == "resident" else hukou_urban_sql(d)
    region = region_sql("u.code", level, jurisdiction)
    return (f"SELECT {region} AS region, u.urban, count(*) AS value "
            f"FROM ({inner}) u GROUP BY ALL HAVING region IS NOT NULL ORDER BY ALL")


def attainment_sql(d: date, level: str, jurisdiction: Jurisdiction) -> str:
    """Residents by region, sex, age and education ('unknown' when no source has it)."""
    region = region_sql("r.code", level, jurisdiction)
    return (f"SELECT {region} AS region, p.sex, {age_sql('p.birth_date', lit(d))} AS age, "
            f"coalesce(e.education, 'unknown') AS education, count(*) AS value "
            f"FROM ({resident_at_sql(d)}) r JOIN persons p USING (pid) "
            f"LEFT JOIN ({education_at_sql(d)}) e USING (pid) "
            f"GROUP BY ALL HAVING region IS NOT NULL ORDER BY ALL")


def persons_sql(d: date, caliber: str) -> str:
    """One row per person of the caliber at D: pseudonym (never the ID), sex, birth date,
    age, hukou / residence / resident places, urban, education, employed."""
    dl = lit(d)
    return (f"WITH sel AS (SELECT DISTINCT pid FROM ({located_sql(caliber, d)})), "
            f"h AS ({hukou_at_sql(d)}), r AS ({residence_at_sql(d)}), "
            f"res AS ({resident_at_sql(d)}), emp AS ({employed_at_sql(d)}), "
            f"u AS ({urban_sql(d)}), e AS ({education_at_sql(d)}) "
            f"SELECT i.pseudonym, p.sex, p.birth_date, {age_sql('p.birth_date', dl)} AS age, "
            f"substr(h.street, 1, 6) AS hukou_district, h.street AS hukou_street, "
            f"substr(r.street, 1, 6) AS residence_district, r.street AS residence_street, "
            f"substr(res.code, 1, 6) AS resident_district, u.urban, e.education, "
            f"emp.pid IS NOT NULL AS employed "
            f"FROM sel JOIN ({alive_sql(d)}) p USING (pid) JOIN identity i USING (pid) "
            f"LEFT JOIN h USING (pid) LEFT JOIN r USING (pid) LEFT JOIN res USING (pid) "
            f"LEFT JOIN emp USING (pid) LEFT JOIN u USING (pid) LEFT JOIN e USING (pid) "
            f"ORDER BY i.pseudonym")


def _settlement_side_sql(d: date) -> str:
    """The columns of :func:`persons_sql` (residents at D) that the settlers read, by pid."""
    dl = lit(d)
    return (f"WITH sel AS (SELECT DISTINCT pid FROM ({resident_at_sql(d)})), "
            f"h AS ({hukou_at_sql(d)}), r AS ({residence_at_sql(d)}), "
            f"res AS ({resident_at_sql(d)}) "
            f"SELECT pid, p.sex, {age_sql('p.birth_date', dl)} AS age, "
            f"h.street AS hukou_street, r.street AS residence_street, "
            f"substr(res.code, 1, 6) AS resident_district "
            f"FROM sel JOIN ({alive_sql(d)}) p USING (pid) JOIN identity i USING (pid) "
            f"LEFT JOIN h USING (pid) LEFT JOIN r USING (pid) LEFT JOIN res USING (pid)")


def settlers_sql(year: int, level: str) -> str:
    """Residents without local hukou on 31 December of YEAR − 1 who hold it, still
    residents, on 31 December of YEAR, counted by region, sex and age at the start. The
    region is the district of residence, or at a finer level the street of residence when it
    lies in that district (else none: such rows are left out)."""
    region = ("s.resident_district" if level == "district" else
              "CASE WHEN substr(s.residence_street, 1, 6) = s.resident_district "
              "THEN s.residence_street END")
    start, end = date(year - 1, 12, 31), date(year, 12, 31)
    return (f"SELECT region, sex, age, count(*)::DOUBLE AS value FROM ("
            f"SELECT {region} AS region, s.sex, s.age "
            f"FROM ({_settlement_side_sql(start)}) s JOIN ({_settlement_side_sql(end)}) e "
            f"USING (pid) WHERE s.hukou_street IS NULL AND s.resident_district IS NOT NULL "
            f"AND e.hukou_street IS NOT NULL) WHERE region IS NOT NULL "
            f"GROUP BY region, sex, age ORDER BY region, sex, age")
