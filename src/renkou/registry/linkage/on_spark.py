"""The linkage model on Spark (Splink's Spark backend), from the same definitions as on
DuckDB (:mod:`renkou.registry.linkage.model`).

The rows and persons are read, decrypted and their names prepared in the linkage workspace
as for DuckDB; their comparison columns (``cmp_rows``, ``cmp_persons``: normalised name,
pinyin, surname pinyin, sex, birth date, districts, the first 17 ID digits, with the row's
or the person's number in this run) are personal data. They reach Spark as a private
linkage extract — two Parquet files in the store's private linkage folder (mode 0700),
never in the pseudonymised aggregate export — together with Spark's scratch space and
Splink's intermediate tables, and are removed with that folder when the run ends. Spark
trains and predicts; the candidate pairs come back into the workspace as a table ``pairs``
of the same shape as on DuckDB, so the decisions and their settlement run unchanged."""

from __future__ import annotations

import logging
import shutil
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from renkou.errors import ConfigError, StoreError
from renkou.registry.dialect import render
from renkou.registry.linkage.model import SPARK_FUNCTIONS, Workspace, train_and_predict
from renkou.registry.spark.session import SparkOptions, similarity_jar, start_session

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DIALECT = "spark"


def linkage_options(folder: Path, options: SparkOptions | None = None) -> SparkOptions:
    """``options`` (local[2] by default) with Spark's scratch space in the private
    ``folder``: shuffle and spill files hold the extract's columns (and the catalog's
    warehouse directory, which Splink's table look-ups create, stays there too instead of
    appearing in the working directory)."""
    base = options or SparkOptions()
    scratch = folder / "spark"
    scratch.mkdir(mode=0o700, exist_ok=True)
    return replace(base, local_dir=scratch, warehouse_dir=scratch / "warehouse")


def _extract(ws: Workspace, table: str, path: Path) -> None:
    target = str(path).replace("'", "''")
    ws.execute(f"COPY {table} TO '{target}' (FORMAT parquet)")


def _check_functions(session: SparkSession) -> None:
    missing = sorted({f for f in SPARK_FUNCTIONS.values()
                      if not session.catalog.functionExists(f)})
    if missing:
        raise ConfigError(f"Spark 会话缺少相似度函数 {'、'.join(missing)}：启动会话时须用 "
                          f"spark.jars 加载 Splink 的相似度函数包（{similarity_jar()}）")


def _drop_splink_views(session: SparkSession) -> None:
    for t in session.catalog.listTables():
        if t.isTemporary and t.name.startswith("__splink"):
            session.catalog.dropTempView(t.name)
    session.catalog.clearCache()


def score_on_spark(ws: Workspace, rows: str, persons: str, n_rows: int, n_persons: int,
                   folder: Path, *, options: SparkOptions | None = None, seed: int = 1,
                   trained: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    """:func:`~renkou.registry.linkage.model.train_and_predict` on Spark over the tables
    ``rows`` and ``persons`` of ``ws``, handed over as an extract in ``folder`` (the
    store's private linkage folder). A Spark session already running in this process (a
    test's, a notebook's; started with the similarity jar) is joined and left running;
    otherwise one is started with ``options`` and stopped. Returns the name of the table
    of pairs in ``ws`` and the model."""
    from pyspark.errors import PySparkException
    from pyspark.sql import SparkSession
    from splink.backends.spark import SparkAPI

    extract = folder / "extract"
    extract.mkdir(mode=0o700)
    try:
        _extract(ws, rows, extract / "rows.parquet")
        _extract(ws, persons, extract / "persons.parquet")
        own = SparkSession.getActiveSession() is None
        session = start_session(linkage_options(folder, options)) if own else \
            SparkSession.getActiveSession()
        assert session is not None
        try:
            # Splink breaks long query plans by writing its intermediate tables as Parquet
            # under the checkpoint directory: the private folder, not Spark's default.
            checkpoints = folder / "checkpoints"
            checkpoints.mkdir(mode=0o700, exist_ok=True)
            session.sparkContext.setCheckpointDir(str(checkpoints))
            logging.getLogger("splink").setLevel(logging.ERROR)
            api = SparkAPI(spark_session=session, break_lineage_method="parquet")
            _check_functions(session)
            # Views under Splink's prefix: dropped with its tables, so that the next run in
            # a joined session registers its inputs afresh.
            views = []
            for name in ("rows", "persons"):
                view = f"__splink__renkou_{name}"
                session.read.parquet(str(extract / f"{name}.parquet")) \
                    .createOrReplaceTempView(view)
                views.append(view)
            sql, model = train_and_predict(api, DIALECT, views[0], views[1], n_rows,
                                           n_persons, seed=seed, trained=trained)
            pairs = session.sql(render(sql, DIALECT)).toArrow()
        except PySparkException as exc:
            raise StoreError(f"Spark 匹配失败：{exc}") from exc
        finally:
            _drop_splink_views(session)
            if own:
                session.stop()
        ws.execute_with("CREATE OR REPLACE TABLE pairs AS SELECT * FROM _data", pairs)
        return "pairs", model
    finally:
        shutil.rmtree(extract, ignore_errors=True)
        shutil.rmtree(folder / "checkpoints", ignore_errors=True)
