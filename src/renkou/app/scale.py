"""Application layer of scale-out (规模扩展): export a store to partitioned Parquet, and
compute calibers and 人户分离 with the Spark engine over such an export — the same tables
the store's own engine gives (``renkou registry stats|separation --engine spark``)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd

from renkou.app.stores import open_registry
from renkou.errors import InputError
from renkou.registry.dialect import check_engine
from renkou.registry.export import ExportReport, export_parquet
from renkou.registry.spark.session import SparkOptions
from renkou.registry.sql import check_by, check_caliber, check_level

_MEMORY = re.compile(r"^[1-9]\d*[kmgt]?$", re.IGNORECASE)  # Spark's size notation: 2g, 512m


def spark_options(master: str | None = None, driver_memory: str | None = None,
                  partitions: int | None = None) -> SparkOptions | None:
    """The resources of a Spark session a command starts (None: the local defaults) — a
    cluster's master URL, the driver's memory and the shuffle partitions."""
    if master is None and driver_memory is None and partitions is None:
        return None
    base = SparkOptions()
    if master is not None and not master.strip():
        raise InputError("Spark 主节点 URL 不能为空，例如 local[4]、spark://主机:7077 或 yarn",
                         column="--spark-master")
    if driver_memory is not None and not _MEMORY.match(driver_memory):
        raise InputError(f"驱动进程内存 {driver_memory!r} 的写法不对，应为数字加单位，如 2g、512m",
                         column="--spark-driver-memory")
    if partitions is not None and partitions < 1:
        raise InputError("shuffle 分区数应为正整数", column="--spark-partitions")
    return replace(base, master=(master or base.master).strip(),
                   driver_memory=driver_memory or base.driver_memory,
                   shuffle_partitions=partitions or base.shuffle_partitions)


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
