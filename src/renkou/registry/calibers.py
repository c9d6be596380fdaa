"""Statistical calibers (统计口径) at a reference date: 户籍人口 (hukou), 常住人口 (resident),
就业人口 (employed), 实际活动人口 (active); definitions in docs/registry-contract.md."""

from __future__ import annotations

from datetime import date

import pandas as pd

from renkou.jurisdictions import Jurisdiction
from renkou.registry.dialect import QueryEngine
from renkou.registry.sql import BY_COLUMNS, caliber_sql, check_by


def caliber_counts(store: QueryEngine, as_of: date, caliber: str, level: str = "district",
                   by: tuple[str, ...] = BY_COLUMNS, *,
                   jurisdiction: Jurisdiction) -> pd.DataFrame:
    """Counts of ``caliber`` at ``as_of``: columns ``by`` (subset of region, sex, age, in
    that order) and ``value`` over the jurisdiction's areas; age is completed years,
    OPEN_AGE (100) = 100 and over."""
    cols = check_by(by)
    df = store.frame(caliber_sql(caliber, as_of, level, cols, jurisdiction=jurisdiction))
    if "age" in df.columns:
        df["age"] = df["age"].astype("int64")
    df["value"] = df["value"].astype("int64")
    return df.reset_index(drop=True)
