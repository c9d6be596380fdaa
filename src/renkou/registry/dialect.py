"""One source of each query, rendered per engine (查询语句方言).

The caliber, 人户分离 and flow builders (:mod:`renkou.registry.sql`,
:mod:`renkou.registry.flows`) write every query once, in DuckDB's dialect — the engine of
the store. An engine that speaks another dialect (Spark SQL over the Parquet export) runs
the same text translated by SQLGlot, so the two engines can never drift apart by someone
editing one hand-kept copy. Features the translation cannot carry (SQLGlot raises at
``unsupported_level``) fail loudly instead of being dropped."""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

import pandas as pd

from renkou.errors import InputError

SOURCE_DIALECT = "duckdb"
ENGINES = ("duckdb", "spark")


class QueryEngine(Protocol):
    """What the aggregate functions need of an engine: run one query written in the
    source dialect and return its result (the store runs it as is, Spark translated)."""

    def frame(self, sql: str) -> pd.DataFrame: ...


def check_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise InputError(f"未知的计算引擎 {engine}（可选 {'、'.join(ENGINES)}）",
                         column="--engine")
    return engine


@lru_cache(maxsize=512)
def render(sql: str, dialect: str) -> str:
    """``sql`` (source dialect) as the engine ``dialect`` runs it. The source dialect is
    returned unchanged: the store keeps running exactly the text the builders wrote."""
    if dialect == SOURCE_DIALECT:
        return sql
    import sqlglot
    from sqlglot.errors import ErrorLevel

    out = sqlglot.transpile(sql, read=SOURCE_DIALECT, write=dialect,
                            unsupported_level=ErrorLevel.RAISE)
    if len(out) != 1:
        raise ValueError(f"expected one statement, got {len(out)}")
    return out[0]
