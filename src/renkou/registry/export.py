"""Parquet export of the registry (数据导出): the tables the caliber, 人户分离 and flow
queries read, for a distributed engine (Spark) to run the same queries at national size.

What leaves the store: person keys (``pid``, the keyed pseudonym's first 64 bits) and the
facts the aggregates need — sex, dates, division codes, hukou kind, education level. What
never leaves: ID numbers, names, the masked IDs, the encrypted identity, the full pseudonym
and the department record IDs (a record ID can be looked up in the department's own file).
Record tables are exported with their active rows only and only the columns the queries
read.

Layout (Hive partitions, so an engine reads only the areas a query needs and a cluster
spreads the work by area): every table with a place is partitioned by the province and
district of that place (``province=12/district=120101/``; a row without a place lands in
the engine's default partition); tables keyed by person alone (``persons``, ``deaths``,
``attainment_events``) are split into files of a bounded size. ``manifest.json`` names the
jurisdiction, the tables, their columns and row counts; the Spark engine reads it first."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from renkou.errors import InputError
from renkou.registry.origin import store_jurisdiction
from renkou.registry.store import Store

MANIFEST = "manifest.json"
FORMAT = "renkou-registry-parquet"
FORMAT_VERSION = 1
# Parquet files of person-keyed tables are cut at this size (a Spark input split).
FILE_SIZE = "128MB"
# UBIGINT keys become signed BIGINT (Spark has no unsigned 64-bit type): shifted by 2^63,
# which keeps them distinct and ordered, so joins on them are unchanged.
_SHIFT = "9223372036854775808"

_PERSON = ("sex", "birth_date", "death_date")


@dataclass(frozen=True)
class ExportTable:
    """One exported table: its columns (in order), the column whose division code
    partitions it (None: person-keyed), the person-key columns, and a row filter."""

    name: str
    columns: tuple[str, ...]
    place: str | None
    keys: tuple[str, ...] = ("pid",)
    where: str = ""


TABLES: tuple[ExportTable, ...] = (
    ExportTable("persons", ("pid", *_PERSON), None),
    ExportTable("deaths", ("pid", "death_date"), None),
    ExportTable("hukou_spells", ("pid", "street", "start_date", "end_date", "hukou_kind",
                                 *_PERSON), "street"),
    ExportTable("residence_spells", ("pid", "street", "code", "start_date", "end_date",
                                     "spell_start", *_PERSON), "street"),
    ExportTable("work_spells", ("pid", "code", "start_date", "end_date", *_PERSON), "code"),
    ExportTable("insurance_spells", ("pid", "code", "start_date", "end_date", *_PERSON),
                "code"),
    ExportTable("school_spells", ("pid", "code", "start_date", "end_date", *_PERSON), "code"),
    ExportTable("resident_spells", ("pid", "code", "start_date", "end_date", *_PERSON),
                "code"),
    ExportTable("employed_spells", ("pid", "code", "start_date", "end_date", *_PERSON),
                "code"),
    ExportTable("active_spells", ("pid", "district", "start_date", "end_date", *_PERSON),
                "district"),
    ExportTable("attainment_events", ("pid", "valid_date", "level"), None),
    ExportTable("rec_health_birth", ("pid", "mother_pid", "birth_date", "birth_place",
                                     "active"), "birth_place", ("pid", "mother_pid"),
                "active"),
    ExportTable("rec_health_death", ("pid", "death_place", "record_date", "active"),
                "death_place", where="active"),
    ExportTable("rec_police_hukou", ("pid", "change_type", "change_date", "hukou_code",
                                     "other_code", "active"), "hukou_code", where="active"),
)
TABLE_NAMES = tuple(t.name for t in TABLES)
# The columns that partition the place tables (added to them, not part of the table).
PARTITION_COLUMNS = ("province", "district")


@dataclass(frozen=True)
class ExportReport:
    out: Path
    jurisdiction: str
    rows: dict[str, int]


def _select(t: ExportTable) -> str:
    cols = [f"CAST(CAST({c} AS HUGEINT) - {_SHIFT} AS BIGINT) AS {c}" if c in t.keys else c
            for c in t.columns]
    if t.place is not None:
        part = (f"substr({t.place}, 1, 2) AS province, substr({t.place}, 1, 6) AS district"
                if t.place != "district" else "substr(district, 1, 2) AS province")
        cols.append(part)
    where = f" WHERE {t.where}" if t.where else ""
    return f"SELECT {', '.join(cols)} FROM {t.name}{where}"


def _copy_sql(t: ExportTable, target: Path, rows: int) -> str:
    path = str(target).replace("'", "''")
    # An empty table is written as one file without partitions: it still carries the
    # schema, which an engine cannot infer from a directory holding no file.
    if t.place is None or rows == 0:
        return (f"COPY ({_select(t)}) TO '{path}' (FORMAT parquet, COMPRESSION zstd, "
                f"FILE_SIZE_BYTES '{FILE_SIZE}')")
    return (f"COPY ({_select(t)}) TO '{path}' (FORMAT parquet, COMPRESSION zstd, "
            f"PARTITION_BY ({', '.join(PARTITION_COLUMNS)}))")


def export_parquet(store: Store, out: Path) -> ExportReport:
    """Write the export of ``store`` to the new directory ``out`` (refused when it exists
    and is not empty). Written beside ``out`` first and renamed at the end, so a failed
    export leaves no half-written directory behind."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError("导出目录已存在且不为空", file=str(out))
    missing = [t.name for t in TABLES if not store.table_exists(t.name)]
    if missing:
        raise InputError(f"数据库缺少表 {', '.join(missing)}（请先运行 renkou registry ingest）")
    jurisdiction = store_jurisdiction(store).key
    partial = out.with_name(f".{out.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        rows: dict[str, int] = {}
        tables: dict[str, object] = {}
        for t in TABLES:
            target = partial / t.name
            where = f" WHERE {t.where}" if t.where else ""
            rows[t.name] = int(store.scalar(f"SELECT count(*) FROM {t.name}{where}") or 0)
            store.execute(_copy_sql(t, target, rows[t.name]))
            tables[t.name] = {"columns": list(t.columns),
                              "partition_by": list(PARTITION_COLUMNS)
                              if t.place and rows[t.name] else [],
                              "rows": rows[t.name]}
        manifest = {"format": FORMAT, "version": FORMAT_VERSION,
                    "jurisdiction": jurisdiction,
                    "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "tables": tables}
        (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2),
                                        encoding="utf-8")
        if out.exists():
            out.rmdir()
        partial.rename(out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return ExportReport(out, jurisdiction, rows)


@dataclass(frozen=True)
class Manifest:
    """What an export directory holds (read from its ``manifest.json``)."""

    root: Path
    jurisdiction: str
    tables: dict[str, tuple[str, ...]]


def read_manifest(root: Path) -> Manifest:
    path = Path(root) / MANIFEST
    if not path.is_file():
        raise InputError("不是数据导出目录（缺少 manifest.json，请用 renkou registry export 生成）",
                         file=str(root))
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("format") != FORMAT or int(raw.get("version", 0)) != FORMAT_VERSION:
            raise ValueError(f"格式 {raw.get('format')} 版本 {raw.get('version')} 不受支持")
        tables = {str(k): tuple(str(c) for c in v["columns"])
                  for k, v in raw["tables"].items()}
        missing = [n for n in TABLE_NAMES if n not in tables]
        if missing:
            raise ValueError(f"缺少表 {', '.join(missing)}")
        return Manifest(Path(root), str(raw["jurisdiction"]), tables)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"导出目录的 manifest.json 无效：{exc}", file=str(path)) from None
