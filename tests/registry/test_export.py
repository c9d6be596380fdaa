"""``renkou registry export``: partitioned Parquet without clear identities, from which the
store's own queries give the store's answers."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from renkou.cli.main import app
from renkou.errors import InputError
from renkou.jurisdictions import get_jurisdiction
from renkou.registry.export import MANIFEST, TABLES, export_parquet, read_manifest
from renkou.registry.flows import flows_sql
from renkou.registry.loader import csv_encoding
from renkou.registry.sql import CALIBERS, caliber_sql, separation_sql
from renkou.registry.store import Store

PERSONS, SEED = 1_500, 5
ID_LIKE = re.compile(r"\d{15}|\d{17}[\dXx]")


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """Feeds (with dirty IDs and variant names), the store built from them, its export."""
    from renkou.registry.ingest import ingest_directory
    from renkou.registry.synth import generate_city, write_feeds

    root = tmp_path_factory.mktemp("export")
    feeds = root / "feeds"
    write_feeds(generate_city(PERSONS, SEED), feeds, dirty_ids=0.05)
    db = root / "store.duckdb"
    with Store(db) as store:
        ingest_directory(store, feeds)
    out = root / "parquet"
    result = CliRunner().invoke(app, ["registry", "export", "--db", str(db), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "persons" in result.output
    return feeds, db, out


def _identities(feeds: Path) -> set[str]:
    """Every ID number, name and record ID the department files carry."""
    found: set[str] = set()
    for path in sorted(feeds.iterdir()):
        if path.suffix == ".csv":
            df = pd.read_csv(path, dtype=str, keep_default_na=False,
                             encoding=csv_encoding(path))
        elif path.suffix == ".parquet":
            df = pd.read_parquet(path).astype(str)
        elif path.suffix == ".xlsx":
            df = pd.read_excel(path, dtype=str).fillna("")
        else:
            continue
        for col in df.columns:
            if "号码" in col or "姓名" in col or col == "记录编号":
                found |= {v for v in df[col] if v}
    return found


def _export_values(out: Path) -> tuple[set[str], set[str]]:
    columns: set[str] = set()
    values: set[str] = set()
    for path in out.rglob("*.parquet"):
        table = pq.read_table(path)
        columns |= set(table.column_names)
        for name in table.column_names:
            # Text columns only: person keys are 64-bit integers, not text of 18 digits.
            if table.schema.field(name).type in (pa.string(), pa.large_string()):
                values |= {v for v in table.column(name).to_pylist() if v is not None}
    for path in out.rglob("*"):  # partition directory names are values too
        if path.is_dir() and "=" in path.name:
            values.add(path.name.split("=", 1)[1])
    return columns, values


def test_export_holds_no_id_number_name_or_record_id(city: tuple[Path, Path, Path]) -> None:
    feeds, _, out = city
    identities = _identities(feeds)
    assert len(identities) > PERSONS  # the check below has something to find
    columns, values = _export_values(out)
    assert not columns & {"id_number", "id_masked", "pii_enc", "pseudonym", "name",
                          "record_id", "file_name", "row_no"}
    assert not values & identities
    assert not [v for v in values if ID_LIKE.fullmatch(v)]
    text = (out / MANIFEST).read_text(encoding="utf-8")
    assert not [v for v in identities if len(v) >= 2 and v in text]


def test_place_tables_are_partitioned_by_province_and_district(
        city: tuple[Path, Path, Path]) -> None:
    _, db, out = city
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["jurisdiction"] == "tianjin"
    for t in TABLES:
        entry = manifest["tables"][t.name]
        assert entry["columns"] == list(t.columns)
        if t.place is None or not entry["rows"]:
            continue
        assert entry["partition_by"] == ["province", "district"], t.name
        parts = [p for p in (out / t.name).glob("province=*/district=*") if p.is_dir()]
        assert parts, t.name
        for p in parts:
            province, district = p.parent.name[9:], p.name[9:]
            assert district.startswith(province) or "__HIVE_DEFAULT" in district, p
    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute("SELECT count(*) FROM hukou_spells").fetchone()
        exported = con.execute(
            f"SELECT count(*) FROM read_parquet('{out}/hukou_spells/**/*.parquet', "
            "hive_partitioning = true)").fetchone()
    assert stored == exported
    assert manifest["tables"]["hukou_spells"]["rows"] == stored[0]


class _ParquetDuckDB:
    """DuckDB over the export's files, views named as the store's tables: the export must
    carry everything the store's own queries read."""

    def __init__(self, out: Path) -> None:
        self.con = duckdb.connect()
        for name, columns in read_manifest(out).tables.items():
            self.con.execute(
                f"CREATE VIEW {name} AS SELECT {', '.join(columns)} FROM "
                f"read_parquet('{out}/{name}/**/*.parquet', hive_partitioning = true, "
                "hive_types_autocast = false)")

    def frame(self, sql: str) -> pd.DataFrame:
        return self.con.execute(sql).df()


def test_the_store_queries_give_the_same_answers_on_the_export(
        city: tuple[Path, Path, Path]) -> None:
    _, db, out = city
    j = get_jurisdiction("tianjin")
    on_export = _ParquetDuckDB(out)
    d = date(2024, 12, 31)
    queries = [caliber_sql(c, d, "street", jurisdiction=j) for c in CALIBERS]
    queries += [separation_sql(d, jurisdiction=j),
                flows_sql(date(2020, 1, 1), d, jurisdiction=j)]
    with Store(db, read_only=True) as store:
        for sql in queries:
            expected = store.frame(sql)
            assert len(expected), sql[:80]
            pd.testing.assert_frame_equal(on_export.frame(sql), expected, check_dtype=False)


def test_export_refuses_a_directory_that_is_not_empty(city: tuple[Path, Path, Path],
                                                      tmp_path: Path) -> None:
    _, db, _ = city
    (tmp_path / "old.txt").write_text("x", encoding="utf-8")
    with Store(db, read_only=True) as store, pytest.raises(InputError, match="不为空"):
        export_parquet(store, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["old.txt"]


def test_a_directory_without_manifest_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"manifest\.json"):
        read_manifest(tmp_path)
