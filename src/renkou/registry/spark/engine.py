"""The registry's aggregates on Spark over a Parquet export (分布式计算引擎).

:class:`SparkRegistry` answers the caliber, 人户分离 and flow questions of
:class:`renkou.registry.Registry` with the very same functions
(:mod:`renkou.registry.calibers`, :mod:`~renkou.registry.separation`,
:mod:`~renkou.registry.flows`): each builds its query once, in the store's dialect, and the
engine runs it rendered for Spark SQL (:func:`renkou.registry.dialect.render`). The export's
tables are registered as views under their store names with their store columns, so the
query text needs no change between engines."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from renkou.errors import InputError, StoreError
from renkou.jurisdictions import Jurisdiction, get_jurisdiction
from renkou.registry import flows as _flows
from renkou.registry.calibers import caliber_counts
from renkou.registry.dialect import render
from renkou.registry.export import read_manifest
from renkou.registry.separation import separation_counts
from renkou.registry.spark.session import SparkOptions, start_session
from renkou.registry.sql import BY_COLUMNS

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


class SparkRegistry:
    """Calibers, 人户分离 and flows of one Parquet export, computed by Spark."""

    dialect = "spark"

    def __init__(self, root: Path, session: SparkSession | None = None,
                 options: SparkOptions | None = None) -> None:
        self.manifest = read_manifest(root)
        if session is None:
            from pyspark.sql import SparkSession

            # A session already running in this process (a test's, a notebook's) is joined
            # and left running; one started here is stopped by close().
            self._own = SparkSession.getActiveSession() is None
            session = start_session(options)
        else:
            self._own = False
        self.session = session
        for name, columns in self.manifest.tables.items():
            path = Path(root) / name
            if not path.is_dir():
                raise InputError(f"导出目录缺少表 {name}", file=str(path))
            # Only the table's own columns: the partition columns added by the export
            # (province, district) are layout, except where the table has them itself.
            frame = self.session.read.parquet(str(path)).select(*columns)
            frame.createOrReplaceTempView(name)

    def jurisdiction(self) -> Jurisdiction:
        return get_jurisdiction(self.manifest.jurisdiction)

    def frame(self, sql: str) -> pd.DataFrame:
        """Run a query written in the store's dialect on Spark."""
        from pyspark.errors import PySparkException

        try:
            table = self.session.sql(render(sql, self.dialect)).toArrow()
        except PySparkException as exc:
            raise StoreError(f"Spark 查询失败：{exc}") from exc
        return table.to_pandas()

    # -- the aggregates (same signatures as renkou.registry.Registry) ----------------------
    def caliber(self, as_of: date, caliber: str, level: str = "district",
                by: tuple[str, ...] = BY_COLUMNS) -> pd.DataFrame:
        return caliber_counts(self, as_of, caliber, level, tuple(by),
                              jurisdiction=self.jurisdiction())

    def separation(self, as_of: date, level: str = "district") -> pd.DataFrame:
        return separation_counts(self, as_of, level, jurisdiction=self.jurisdiction())

    def births(self, start: date, end: date, level: str = "district",
               caliber: str = "all") -> pd.DataFrame:
        if caliber not in _flows.BIRTH_CALIBERS:
            raise InputError(f"出生统计只支持 all 或 hukou 口径，不支持 {caliber}")
        return _flows.births(self, start, end, level, caliber,
                             jurisdiction=self.jurisdiction())

    def deaths(self, start: date, end: date, level: str = "district",
               caliber: str = "all") -> pd.DataFrame:
        if caliber not in ("all", "hukou"):
            raise InputError(f"死亡统计只支持 all 或 hukou 口径，不支持 {caliber}")
        return _flows.deaths(self, start, end, level, caliber,
                             jurisdiction=self.jurisdiction())

    def flows(self, start: date, end: date, level: str = "district") -> pd.DataFrame:
        return _flows.flows(self, start, end, level, jurisdiction=self.jurisdiction())

    def close(self) -> None:
        """Drop the views; stop the session when this object started it."""
        for name in self.manifest.tables:
            self.session.catalog.dropTempView(name)
        if self._own:
            self.session.stop()

    def __enter__(self) -> SparkRegistry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
