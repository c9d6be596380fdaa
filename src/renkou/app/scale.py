"""Application layer of scale-out (规模扩展): export a store to partitioned Parquet, and
compute calibers and 人户分离 with the Spark engine over such an export — the same tables
the store's own engine gives (``renkou registry stats|separation --engine spark``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from renkou.app.stores import open_registry
from renkou.errors import InputError
from renkou.registry.dialect import check_engine
from renkou.registry.export import ExportReport, export_parquet
from renkou.registry.spark.session import SparkOptions
from renkou.registry.sql import check_by, check_caliber, check_level


def export_store(db: Path, out: Path) -> ExportReport:
    """Write the pseudonymised, partitioned Parquet export of the store ``db`` to ``out``."""
    with open_registry(db) as reg:
        return export_parquet(reg.store, out)


def _spark_source(engine: str, db: Path | None, parquet: Path | None) -> Path | None:
    """The export directory for the Spark engine (None: the store's own engine)."""
    check_engine(engine)
    if engine == "duckdb":
        if db is None:
            raise InputError("请给出 --db 数据库文件", column="--db")
        return None
    if parquet is None:
        raise InputError("Spark 引擎需要 --parquet 导出目录（renkou registry export 生成）",
                         column="--parquet")
    if not parquet.is_dir():
        raise InputError("导出目录不存在", file=str(parquet))
    return parquet


def caliber_table(engine: str, as_of: date, caliber: str, level: str, by: tuple[str, ...],
                  *, db: Path | None = None, parquet: Path | None = None,
                  spark: SparkOptions | None = None) -> pd.DataFrame:
    """Counts of ``caliber`` at ``as_of`` by ``by`` — from the store (``duckdb``) or from
    its export (``spark``); the two give the same table."""
    # Checked before a Spark session is started (seconds) for a misspelt argument.
    check_caliber(caliber)
    check_level(level)
    check_by(by)
    root = _spark_source(engine, db, parquet)
    if root is None:
        assert db is not None
        with open_registry(db) as reg:
            return reg.caliber(as_of, caliber, level=level, by=by)
    from renkou.registry.spark.engine import SparkRegistry

    with SparkRegistry(root, options=spark) as reg:
        return reg.caliber(as_of, caliber, level=level, by=by)


def separation_table(engine: str, as_of: date, level: str, *, db: Path | None = None,
                     parquet: Path | None = None,
                     spark: SparkOptions | None = None) -> pd.DataFrame:
    """人户分离 by residence area and kind, from the store or from its export."""
    check_level(level)
    root = _spark_source(engine, db, parquet)
    if root is None:
        assert db is not None
        with open_registry(db) as reg:
            return reg.separation(as_of, level=level)
    from renkou.registry.spark.engine import SparkRegistry

    with SparkRegistry(root, options=spark) as reg:
        return reg.separation(as_of, level=level)
