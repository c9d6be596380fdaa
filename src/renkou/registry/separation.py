"""人户分离 (people living away from their hukou place) at a reference date.

NBS measures it at the street (街镇) level: residents whose residence street differs from
their hukou street and who have been away six months or more. Kinds: ``same_district``,
``other_district`` (hukou in another district of the jurisdiction) and ``outside_city``
(hukou outside the jurisdiction, i.e. 流动人口).
市辖区内人户分离 = same_district + other_district."""

from __future__ import annotations

from datetime import date

import pandas as pd

from renkou.jurisdictions import Jurisdiction
from renkou.registry.dialect import QueryEngine
from renkou.registry.sql import separation_sql

KINDS = ("same_district", "other_district", "outside_city")


def separation_counts(store: QueryEngine, as_of: date, level: str = "district", *,
                      jurisdiction: Jurisdiction) -> pd.DataFrame:
    """Columns region (residence area), kind, value."""
    df = store.frame(separation_sql(as_of, level, jurisdiction=jurisdiction))
    df["value"] = df["value"].astype("int64")
    return df.reset_index(drop=True)
