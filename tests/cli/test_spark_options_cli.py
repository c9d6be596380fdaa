"""The resources of the Spark session a registry command starts: the defaults when no
option is given, the master URL, driver memory and shuffle partitions passed on, and a
misspelt size refused before any session starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from renkou.app.scale import spark_options
from renkou.cli.main import app
from renkou.errors import InputError
from renkou.registry.spark.session import SparkOptions


def test_no_option_keeps_the_local_defaults() -> None:
    assert spark_options() is None


def test_options_replace_only_what_they_name() -> None:
    got = spark_options("spark://gateway:7077", None, 64)
    assert got == SparkOptions(master="spark://gateway:7077", shuffle_partitions=64)
    assert spark_options(driver_memory="512m") == SparkOptions(driver_memory="512m")


@pytest.mark.parametrize(("master", "memory", "partitions", "column"), [
    ("  ", None, None, "--spark-master"),
    (None, "lots", None, "--spark-driver-memory"),
    (None, "2 g", None, "--spark-driver-memory"),
    (None, None, 0, "--spark-partitions"),
])
def test_bad_resources_are_refused(master: str | None, memory: str | None,
                                   partitions: int | None, column: str) -> None:
    with pytest.raises(InputError) as err:
        spark_options(master, memory, partitions)
    assert err.value.column == column


def test_the_command_refuses_a_bad_size_before_starting_spark(tmp_path: Path) -> None:
    got = CliRunner().invoke(app, ["registry", "stats", "--engine", "spark", "--parquet",
                                   str(tmp_path), "--as-of", "2024-12-31", "--caliber",
                                   "resident", "--out", str(tmp_path / "x.csv"),
                                   "--spark-driver-memory", "lots"])
    assert got.exit_code != 0
    assert "驱动进程内存" in str(got.exception) or "驱动进程内存" in got.output


def test_link_hands_the_options_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``registry link --engine spark`` hands the options on to the linkage it runs."""
    import renkou.app.linkage as linkage

    seen: dict[str, object] = {}

    def fake_run_link(db: Path, settings: object, **kw: object) -> tuple[object, None]:
        seen.update(kw)
        raise InputError("停在这里")

    monkeypatch.setattr(linkage, "run_link", fake_run_link)
    got = CliRunner().invoke(app, ["registry", "link", "--db", str(tmp_path / "s.duckdb"),
                                   "--engine", "spark", "--spark-master", "local[1]",
                                   "--spark-partitions", "3"])
    assert got.exit_code != 0
    assert seen["engine"] == "spark"
    assert seen["spark"] == SparkOptions(master="local[1]", shuffle_partitions=3)
