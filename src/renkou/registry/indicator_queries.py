"""SQL builders for plan indicators read from the records rather than a caliber table
(居住证持有率, 职住平衡率): counts for one area at a reference date D.

An area is given as division-code prefixes (the jurisdiction's prefix, district or 街镇
codes, or the members of an area group): a code lies in it when it starts with one of them.
Definitions follow docs/registry-contract.md ("Calibers at reference date D")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from renkou.errors import InputError
from renkou.registry.sql import employed_at_sql, hukou_at_sql, lit, resident_at_sql

PERMIT_BUSINESS = ("residence_permit_issue", "residence_permit_renew")


def _prefixes(areas: tuple[str, ...]) -> tuple[str, ...]:
    if not areas or any(not a.isdigit() or not 2 <= len(a) <= 12 for a in areas):
        raise InputError(f"地区代码无效：{'、'.join(areas) or '（空）'}")
    return areas


def in_area_sql(code: str, areas: tuple[str, ...]) -> str:
    """``code`` (an SQL expression) lies in the area (one of the prefixes)."""
    return "(" + " OR ".join(f"substr({code}, 1, {len(p)}) = '{p}'"
                             for p in _prefixes(areas)) + ")"


def maybe_in_area_sql(code: str, areas: tuple[str, ...]) -> str:
    """``code`` is coarser than the area (a district code for a 街镇 area) and could lie in
    it: whether the place is in the area is unknown at that level."""
    return "(" + " OR ".join(f"(length({code}) < {len(p)} AND "
                             f"substr('{p}', 1, length({code})) = {code})"
                             for p in _prefixes(areas)) + ")"


def current_residence_record_sql(d: date) -> str:
    """Each person's residence record current at D: the latest 居住登记/居住证/居住注销 row
    dated ≤ D, ordered as the residence spells are (a cancellation sorts before a new
    registration on the same day)."""
    key = "(start_date, CASE WHEN business = 'residence_cancel' THEN 0 ELSE 1 END, record_id)"
    return (f"SELECT pid, arg_max(business, {key}) AS business, "
            f"arg_max(valid_until, {key}) AS valid_until "
            f"FROM rec_police_residence WHERE active AND start_date <= {lit(d)} GROUP BY pid")


def permit_holding_sql(d: date, areas: tuple[str, ...]) -> str:
    """外来人口 and 居住证 holders among them at D in the area: residents (常住, counted at
    their residence) with no hukou in the jurisdiction; a holder's current residence record
    is a 居住证签发/续签 whose 有效期至 (inclusive) is not before D — a cancelled or lapsed
    permit is not held. Columns ``outsiders``, ``holders``."""
    business = ", ".join(f"'{b}'" for b in PERMIT_BUSINESS)
    return (f"SELECT count(*) AS outsiders, count(*) FILTER (WHERE c.business IN ({business}) "
            f"AND coalesce(c.valid_until >= {lit(d)}, TRUE)) AS holders "
            f"FROM ({resident_at_sql(d)}) r "
            f"ANTI JOIN ({hukou_at_sql(d)}) h ON h.pid = r.pid "
            f"LEFT JOIN ({current_residence_record_sql(d)}) c ON c.pid = r.pid "
            f"WHERE {in_area_sql('r.code', areas)}")


def jobs_housing_sql(d: date, areas: tuple[str, ...]) -> str:
    """Where the employed (就业人口) of the area work and live at D. Columns ``workers``
    (employed whose workplace is in the area), ``local`` (of these, residents of the area)
    and ``employed_residents`` (residents of the area who are employed and whose workplace
    is known at the area's level — a district-only insurance place is unknown for a
    街镇)."""
    w, r = in_area_sql("e.code", areas), in_area_sql("r.code", areas)
    unknown = maybe_in_area_sql("e.code", areas)
    return (f"SELECT count(*) FILTER (WHERE {w}) AS workers, "
            f"count(*) FILTER (WHERE {w} AND {r}) AS local, "
            f"count(*) FILTER (WHERE {r} AND NOT {unknown}) AS employed_residents "
            f"FROM ({employed_at_sql(d)}) e LEFT JOIN ({resident_at_sql(d)}) r "
            f"ON r.pid = e.pid")


def jobs_housing_many_sql(d: date, areas: Sequence[tuple[str, ...]]) -> str:
    """:func:`jobs_housing_sql` for several areas from one scan (e.g. every function zone of
    a store): columns ``workers_i``, ``local_i``, ``employed_residents_i`` for the i-th
    area, with the same definitions."""
    if not areas:
        raise InputError("至少需要一个地区")
    counts = []
    for i, area in enumerate(areas):
        w, r = in_area_sql("e.code", area), in_area_sql("r.code", area)
        unknown = maybe_in_area_sql("e.code", area)
        counts += [f"count(*) FILTER (WHERE {w}) AS workers_{i}",
                   f"count(*) FILTER (WHERE {w} AND {r}) AS local_{i}",
                   f"count(*) FILTER (WHERE {r} AND NOT {unknown}) AS employed_residents_{i}"]
    return (f"SELECT {', '.join(counts)} FROM ({employed_at_sql(d)}) e "
            f"LEFT JOIN ({resident_at_sql(d)}) r ON r.pid = e.pid")
