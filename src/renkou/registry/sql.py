"""SQL builders (查询语句生成) for calibers, 人户分离 and flows over the derived tables.

Every function returns a DuckDB SQL string, so tests can inspect and run them on small
hand-made tables. Dates are inlined as ``DATE 'YYYY-MM-DD'`` literals built from
:class:`datetime.date` objects (never from user text), levels and captions are whitelisted.
Definitions follow docs/registry-contract.md ("Calibers at reference date D")."""

from __future__ import annotations

import re
from datetime import date

from renkou.errors import InputError
from renkou.jurisdictions import Jurisdiction
from renkou.types import OPEN_AGE

CALIBERS = ("hukou", "resident", "employed", "active")
LEVELS = ("city", "district", "street")
BY_COLUMNS = ("region", "sex", "age")
# Further breakdowns where the records have them (户口性质, 受教育程度).
EXTRA_BY = ("hukou_kind", "education")
EDUCATION_LEVELS = ("none", "primary", "junior_secondary", "senior_secondary",
                    "junior_college", "bachelor", "postgraduate")
ACTIVE_WINDOW_MONTHS = 6
_DIGITS = re.compile(r"[0-9]+")


def lit(d: date) -> str:
    if not isinstance(d, date):
        raise InputError(f"日期无效：{d!r}")
    return f"DATE '{d.isoformat()}'"


def months_before(d: date, months: int) -> str:
    """``D - INTERVAL n MONTH`` as in the contract (end-of-month days are clamped)."""
    return f"({lit(d)} - INTERVAL {int(months)} MONTH)::DATE"


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise InputError(f"未知的区域层级 {level}（可选 city、district、street）")
    return level


def check_caliber(caliber: str) -> str:
    if caliber not in CALIBERS:
        raise InputError(f"未知的统计口径 {caliber}（可选 {'、'.join(CALIBERS)}）")
    return caliber


def check_by(by: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    bad = [b for b in by if b not in BY_COLUMNS + EXTRA_BY]
    if bad:
        raise InputError(f"未知的分组字段 {', '.join(bad)}"
                         "（可选 region、sex、age、hukou_kind、education）")
    return tuple(b for b in BY_COLUMNS + EXTRA_BY if b in by)


def _digits(text: str) -> str:
    if not _DIGITS.fullmatch(text):
        raise InputError(f"区划代码无效：{text!r}")
    return text


def inside_sql(code: str, jurisdiction: Jurisdiction) -> str:
    """The division code ``code`` (an SQL expression) lies inside the jurisdiction: a
    prefix comparison (the province digits of a city, the whole code of a district)."""
    prefix = _digits(jurisdiction.prefix)
    return f"substr({code}, 1, {len(prefix)}) = '{prefix}'"


def region_sql(code: str, level: str, jurisdiction: Jurisdiction) -> str:
    """Area of a division code at ``level`` — ``city``: the whole jurisdiction (its code),
    ``district``: the 6-digit county code, ``street``: the 9-digit 街镇 code; NULL when the
    code is outside the jurisdiction or (for streets) not at least 9 digits."""
    check_level(level)
    inside = inside_sql(code, jurisdiction)
    if level == "city":
        return f"CASE WHEN {inside} THEN '{_digits(jurisdiction.code)}' END"
    if level == "district":
        return f"CASE WHEN {inside} THEN substr({code}, 1, 6) END"
    return f"CASE WHEN {inside} AND length({code}) >= 9 THEN substr({code}, 1, 9) END"


def age_sql(birth: str, at: str) -> str:
    """Completed years at ``at`` (an SQL date expression), capped at OPEN_AGE (= 100+)."""
    num = "(year({d}) * 10000 + month({d}) * 100 + day({d}))"
    return f"least({OPEN_AGE}, ({num.format(d=at)} - {num.format(d=birth)}) // 10000)"


def alive_sql(d: date) -> str:
    """Persons alive at D: born ≤ D and no death dated ≤ D."""
    return (f"SELECT pid, sex, birth_date FROM persons WHERE birth_date <= {lit(d)} "
            f"AND (death_date IS NULL OR death_date > {lit(d)})")


def education_at_sql(d: date) -> str:
    """Highest education attainment known at D (census answer or later graduation)."""
    names = " ".join(f"WHEN {i} THEN '{n}'" for i, n in enumerate(EDUCATION_LEVELS))
    return (f"SELECT pid, CASE max(level) {names} END AS education FROM attainment_events "
            f"WHERE valid_date <= {lit(d)} GROUP BY pid")


def alive_where(d: date, alias: str = "") -> str:
    """Condition 'alive at D' on a table carrying birth_date and death_date (the interval
    tables are denormalised with them, so calibers need no join to ``persons``)."""
    a = f"{alias}." if alias else ""
    return (f"{a}birth_date <= {lit(d)} AND ({a}death_date IS NULL "
            f"OR {a}death_date > {lit(d)})")


def hukou_at_sql(d: date) -> str:
    """Hukou street of each alive person at D (latest hukou location with valid date ≤ D)."""
    return (f"SELECT pid, street, hukou_kind, sex, birth_date FROM hukou_spells "
            f"WHERE start_date <= {lit(d)} AND (end_date IS NULL OR end_date > {lit(d)}) "
            f"AND {alive_where(d)}")


def residence_at_sql(d: date) -> str:
    """Current residence street and spell start of each alive person at D."""
    return (f"SELECT pid, street, spell_start, sex, birth_date FROM residence_spells "
            f"WHERE start_date <= {lit(d)} AND (end_date IS NULL OR end_date > {lit(d)}) "
            f"AND {alive_where(d)}")


def resident_parts_sql(d: date) -> str:
    """Alive persons with hukou street H, residence street R and spell start S at D."""
    return (f"SELECT coalesce(h.pid, r.pid) AS pid, h.street AS hukou, r.street AS residence, "
            f"r.spell_start, coalesce(h.sex, r.sex) AS sex, "
            f"coalesce(h.birth_date, r.birth_date) AS birth_date "
            f"FROM ({hukou_at_sql(d)}) h FULL OUTER JOIN ({residence_at_sql(d)}) r "
            f"ON h.pid = r.pid")


def resident_at_sql(d: date) -> str:
    """常住人口 location: the street each person counts in at D (census definition; read
    from ``resident_spells``, where ingest precomputed the rule as intervals)."""
    dl = lit(d)
    return (f"SELECT pid, code, sex, birth_date FROM resident_spells "
            f"WHERE start_date <= {dl} AND (end_date IS NULL OR end_date > {dl}) "
            f"AND {alive_where(d)}")


def employed_at_sql(d: date) -> str:
    """就业人口 location: current employment registration, else employee insurance (read
    from ``employed_spells``, where ingest precomputed that pick as intervals)."""
    dl = lit(d)
    return (f"SELECT pid, code, sex, birth_date FROM employed_spells "
            f"WHERE start_date <= {dl} AND (end_date IS NULL OR end_date > {dl}) "
            f"AND {alive_where(d)}")


def active_at_sql(d: date, window_months: int = ACTIVE_WINDOW_MONTHS) -> str:
    """实际活动人口: (pid, code) of every residence, work, insurance (any scheme) or school
    record overlapping [D − window, D], plus where the person lives at D (the hukou street
    when there is no current residence record)."""
    w0 = months_before(d, window_months)
    dl = lit(d)
    alive = alive_where(d)
    cols = "pid, code, sex, birth_date"
    return (f"SELECT h.pid, h.street AS code, h.sex, h.birth_date FROM ({hukou_at_sql(d)}) h "
            f"ANTI JOIN ({residence_at_sql(d)}) r ON h.pid = r.pid UNION ALL "
            f"SELECT {cols} FROM residence_spells WHERE start_date <= {dl} "
            f"AND (end_date IS NULL OR end_date > {w0}) AND {alive} UNION ALL "
            f"SELECT {cols} FROM work_spells WHERE start_date <= {dl} "
            f"AND (end_date IS NULL OR end_date >= {w0}) AND {alive} UNION ALL "
            f"SELECT {cols} FROM insurance_spells WHERE start_date <= {dl} "
            f"AND end_date >= {w0} AND {alive} UNION ALL "
            f"SELECT {cols} FROM school_spells WHERE start_date <= {dl} "
            f"AND (end_date IS NULL OR end_date >= {w0}) AND {alive}")


def active_by_district_sql(d: date) -> str:
    """实际活动人口 at D from the precomputed ``active_spells`` (merged per person and
    district): one row per person and district, as :func:`active_at_sql` de-duplicated."""
    dl = lit(d)
    return (f"SELECT pid, district AS code, sex, birth_date FROM active_spells "
            f"WHERE start_date <= {dl} AND (end_date IS NULL OR end_date > {dl}) "
            f"AND {alive_where(d)}")


def located_sql(caliber: str, d: date, level: str = "street") -> str:
    """(pid, code, sex, birth_date) rows of the caliber at D (one per person, except
    ``active``: one per person and district at the district and city levels, else one per
    record, de-duplicated per area by :func:`caliber_sql`)."""
    check_caliber(caliber)
    if caliber == "active" and level in ("district", "city"):
        return active_by_district_sql(d)
    if caliber == "hukou":
        return f"SELECT pid, street AS code, sex, birth_date FROM ({hukou_at_sql(d)})"
    if caliber == "resident":
        return resident_at_sql(d)
    if caliber == "employed":
        return employed_at_sql(d)
    return active_at_sql(d)


def caliber_sql(caliber: str, d: date, level: str = "district",
                by: tuple[str, ...] = BY_COLUMNS, *, jurisdiction: Jurisdiction) -> str:
    """Counts of the caliber at D by any subset of region, sex, age (columns by + value)
    in the jurisdiction's areas. Each person counts once per area (active may count a
    person in several areas)."""
    cols = check_by(by)
    region = region_sql("l.code", level, jurisdiction)
    extra, joins = "", ""
    if "hukou_kind" in cols:
        extra += ", coalesce(hk.hukou_kind, 'none') AS hukou_kind"
        joins += f" LEFT JOIN ({hukou_at_sql(d)}) hk ON hk.pid = l.pid"
    if "education" in cols:
        extra += ", coalesce(ed.education, 'unknown') AS education"
        joins += f" LEFT JOIN ({education_at_sql(d)}) ed ON ed.pid = l.pid"
    # Active rows are unique per person and district already (active_spells).
    distinct = "DISTINCT " if caliber == "active" and level != "district" else ""
    inner = (f"SELECT {distinct}l.pid, {region} AS region, l.sex, "
             f"{age_sql('l.birth_date', lit(d))} AS age{extra} "
             f"FROM ({located_sql(caliber, d, level)}) l{joins}")
    if not cols:
        return f"SELECT count(*) AS value FROM ({inner}) WHERE region IS NOT NULL"
    keys = ", ".join(cols)
    return (f"SELECT {keys}, count(*) AS value FROM ({inner}) WHERE region IS NOT NULL "
            f"GROUP BY {keys} ORDER BY {keys}")


def separation_sql(d: date, level: str = "district", *, jurisdiction: Jurisdiction) -> str:
    """人户分离 at D: residents living away (≥ six months) from their hukou street, by the
    residence area at ``level`` and kind (same_district, other_district, outside_city: no
    hukou in the jurisdiction)."""
    six = months_before(d, 6)
    region = region_sql("residence", level, jurisdiction)
    return (f"SELECT {region} AS region, CASE "
            f"WHEN hukou IS NULL THEN 'outside_city' "
            f"WHEN substr(hukou, 1, 6) = substr(residence, 1, 6) THEN 'same_district' "
            f"ELSE 'other_district' END AS kind, count(*) AS value "
            f"FROM ({resident_parts_sql(d)}) "
            f"WHERE residence IS NOT NULL AND residence IS DISTINCT FROM hukou "
            f"AND spell_start <= {six} GROUP BY ALL HAVING region IS NOT NULL ORDER BY ALL")
