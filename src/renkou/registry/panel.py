"""Counts at several dates in one scan (多时点口径统计), for work that needs a caliber at a
series of dates (the cohort residual of a projection's base years, a census-day scale, the
population of a reference date by 街镇).

:func:`caliber_dates_sql` counts the hukou, resident or employed caliber at every date of a
list from one read of its interval table, under the rule of the caliber at one date
(:mod:`renkou.registry.sql`): an interval counts at D when start ≤ D < end and the person is
alive at D (born ≤ D < death), i.e. when D lies in [max(start, birth), min(end, death)).
Rather than one row per interval and date, each interval is grouped once by place (cut to
the 街镇), sex, year of birth and where the birthday falls among the dates' days of the year,
with one filtered count per date: the age at every date follows from the year of birth and
that class (:func:`caliber_dates`), so the work per interval does not grow with the number
of dates. :func:`hukou_cells_sql` gives the hukou population of a date by 街镇, urban class,
sex and age in one query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from renkou.errors import InputError
from renkou.jurisdictions import Jurisdiction
from renkou.registry.dialect import QueryEngine
from renkou.registry.sql import age_sql, hukou_at_sql, inside_sql, lit
from renkou.types import OPEN_AGE

# Caliber → (interval table, place column); "active" has no single interval table.
TABLES = {"hukou": ("hukou_spells", "street"), "resident": ("resident_spells", "code"),
          "employed": ("employed_spells", "code")}
_NEVER = "DATE '9999-12-31'"


def check_dates(dates: Sequence[date]) -> tuple[date, ...]:
    out = tuple(sorted(set(dates)))
    if not out:
        raise InputError("至少需要一个统计日期")
    return out


def _month_days(days: tuple[date, ...]) -> list[int]:
    """The dates' distinct days of the year as month·100 + day, ascending."""
    return sorted({d.month * 100 + d.day for d in days})


def caliber_dates_sql(caliber: str, dates: Sequence[date], *,
                      jurisdiction: Jurisdiction) -> str:
    """Columns code (the place cut to 9 digits), sex, birth_year, late (the number of the
    dates' days of the year the birthday falls after), n0 … n{k-1} (persons counted at the
    k-th date, ascending), over places inside the jurisdiction."""
    if caliber not in TABLES:
        raise InputError(f"多时点统计只支持 {'、'.join(TABLES)} 口径，不支持 {caliber}")
    days = check_dates(dates)
    table, place = TABLES[caliber]
    md = "(month(birth_date) * 100 + day(birth_date))"
    late = " + ".join(f"({md} > {m})::INTEGER" for m in _month_days(days))
    counts = ", ".join(f"count(*) FILTER (WHERE f <= {lit(d)} AND {lit(d)} < t) AS n{k}"
                       for k, d in enumerate(days))
    first, last = lit(days[0]), lit(days[-1])
    return (f"SELECT code, sex, birth_year, late, {counts} FROM ("
            f"SELECT substr({place}, 1, 9) AS code, sex, year(birth_date) AS birth_year, "
            f"{late} AS late, "
            # greatest() skips NULLs: an interval without a start or a birth date counts
            # nowhere, as in the one-date rule.
            f"CASE WHEN start_date IS NOT NULL AND birth_date IS NOT NULL "
            f"THEN greatest(start_date, birth_date) END AS f, "
            f"least(coalesce(end_date, {_NEVER}), coalesce(death_date, {_NEVER})) AS t "
            f"FROM {table} WHERE start_date <= {last} AND birth_date <= {last} "
            f"AND (end_date IS NULL OR end_date > {first}) "
            f"AND (death_date IS NULL OR death_date > {first}) "
            f"AND {inside_sql(place, jurisdiction)}) "
            f"GROUP BY ALL")


def caliber_dates(store: QueryEngine, caliber: str, dates: Sequence[date], *,
                  jurisdiction: Jurisdiction) -> pd.DataFrame:
    """The caliber at each date: as_of, code (the place cut to the 街镇), sex, age (completed
    years, OPEN_AGE = 100 and over), value — the counts :func:`renkou.registry.sql.
    caliber_sql` gives date by date, from one query."""
    days = check_dates(dates)
    wide = store.frame(caliber_dates_sql(caliber, days, jurisdiction=jurisdiction))
    mds = _month_days(days)
    codes, code_names = pd.factorize(wide["code"].astype(str), sort=True)
    sexes, sex_names = pd.factorize(wide["sex"].astype(str), sort=True)
    born = wide["birth_year"].to_numpy(dtype=np.int64)
    late = wide["late"].to_numpy(dtype=np.int64)
    cube = np.zeros((len(days), len(code_names), len(sex_names), OPEN_AGE + 1), np.int64)
    for i, d in enumerate(days):
        # Completed years: one fewer when the birthday falls after the date's day of year.
        after = late >= mds.index(d.month * 100 + d.day) + 1
        age = np.minimum(d.year - born - after, OPEN_AGE)
        np.add.at(cube[i], (codes, sexes, age), wide[f"n{i}"].to_numpy(dtype=np.int64))
    k, c, x, a = np.nonzero(cube)
    return pd.DataFrame({"as_of": np.asarray(days, dtype=object)[k],
                         "code": np.asarray(code_names, dtype=object)[c],
                         "sex": np.asarray(sex_names, dtype=object)[x],
                         "age": a.astype(np.int64), "value": cube[k, c, x, a]})


def hukou_cells_sql(d: date, *, jurisdiction: Jurisdiction) -> str:
    """Hukou registrants at D by 街镇 (the hukou place cut to 9 digits), urban class of that
    place (gazetteer flag, else most census answers there 城镇; NULL when neither — the class
    of :func:`renkou.registry.queries.hukou_urban_sql`), sex and age: columns code, urban,
    sex, age, value."""
    return (f"WITH h AS (SELECT substr(street, 1, 9) AS code, street, sex, "
            f"{age_sql('birth_date', lit(d))} AS age, count(*) AS value "
            f"FROM ({hukou_at_sql(d)}) WHERE {inside_sql('street', jurisdiction)} "
            f"GROUP BY ALL), "
            f"cs AS (SELECT substr(residence_code, 1, 9) AS street, "
            f"avg(CASE WHEN urban = 'urban' THEN 1.0 ELSE 0.0 END) AS share "
            f"FROM census_facts WHERE census_date <= {lit(d)} AND urban IS NOT NULL "
            f"GROUP BY ALL) "
            f"SELECT h.code, coalesce(su.urban, cs.share >= 0.5) AS urban, h.sex, h.age, "
            f"sum(h.value) AS value FROM h LEFT JOIN street_urban su ON su.street = h.street "
            f"LEFT JOIN cs ON cs.street = h.street GROUP BY ALL ORDER BY ALL")
