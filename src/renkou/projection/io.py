"""Input directory of ``renkou project`` (人口预测输入): settings, tables, validation.

An input directory holds ``population``, ``asfr``, ``mortality``, ``srb`` and optionally
``migration`` and ``internal_migration`` tables, each as CSV, as Parquet with the same stem,
or as a sheet of that name in one XLSX workbook, plus ``projection.toml``. Every problem is
reported as an :class:`~renkou.errors.InputError` naming the file, the spreadsheet-style
row (header = row 1) and the column.

Rules the contract leaves open, decided here (docs/methods.md):

* Rates (asfr, mortality, srb) must be given for the base year; years after the last one given
  reuse the last year's rates (a warning says so); a gap between given years is an error.
  Years before the base year or from the end year on are ignored.
* Migration tables may be sparse: a missing (year, region, sex, age) is zero; years after the
  last year given reuse that year's values (with a warning).
* SRB values above 20 are read as males per 100 females (NBS style, e.g. 111.3).
* ``sex`` accepts male/female, m/f, 男/女 and 1/2; ``age`` may be written "100+" or "30岁".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from renkou.demography.projection import (
    FERTILE_AGE_MAX,
    FERTILE_AGE_MIN,
    N_FERTILE,
    ProjectionInputs,
)
from renkou.errors import InputError
from renkou.projection.arrays import (
    load_internal,
    load_migration,
    require_complete,
    scatter,
    year_map,
)
from renkou.projection.config import (
    CONFIG_FILE,
    MAX_OPEN_AGE,
    MIN_OPEN_AGE,
    ProjectionConfig,
    read_config,
)
from renkou.projection.tables import (
    OPTIONAL_TABLES,
    SEX_NAMES,
    TABLES,
    Table,
    find_table,
    numbers,
    prepare_table,
    region_index,
    sex_codes,
)
from renkou.tables import sheet_row
from renkou.types import FloatArray

__all__ = ["CONFIG_FILE", "MAX_OPEN_AGE", "MIN_OPEN_AGE", "TABLES", "LoadedProjection",
           "ProjectionConfig", "load_projection", "read_config"]

SRB_PER_100_THRESHOLD = 20.0
# No real population has a mean death rate of 5 % a year at ages 10–40 (the most extreme
# modern cases are below 1 %); rates per 1000 would still pass the per-value check.
YOUNG_MX_LIMIT = 0.05
#: No region holds 10¹⁰ people in one cell; beyond it sums overflow long before 1e308.
MAX_POPULATION = 1e10


def _at_most(t: Table, values: FloatArray, limit: float, message: str) -> None:
    """The first row whose |value| exceeds ``limit`` is an InputError (``message`` is told
    the value)."""
    out = np.abs(values) > limit
    if out.any():
        i = int(np.argmax(out))
        raise InputError(message.format(value=t.df["value"].iloc[i]), file=t.label,
                         row=sheet_row(i), column="value")


@dataclass
class LoadedProjection:
    """Validated inputs plus what the user should be told about them."""

    inputs: ProjectionInputs
    config: ProjectionConfig
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Frame:
    """What every table is checked against: the regions and ages of the base population and
    the projection steps."""

    region_codes: tuple[str, ...]
    regions: dict[str, int]
    open_age: int
    base: int
    end: int

    @property
    def steps(self) -> int:
        return self.end - self.base

    @property
    def n_regions(self) -> int:
        return len(self.region_codes)


def _read_tables(d: Path) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    for stem, columns in TABLES.items():
        t = find_table(d, stem)
        if t is None:
            if stem in OPTIONAL_TABLES:
                continue
            raise InputError(f"缺少输入表 {stem}（{stem}.csv、{stem}.parquet 或 XLSX 工作表"
                             f"“{stem}”）", file=f"{stem}.csv")
        prepare_table(t, columns)
        tables[stem] = t
    return tables


def _population(pt: Table, config: ProjectionConfig) -> tuple[_Frame, FloatArray]:
    """The base population; it defines the regions and the open age."""
    region_codes = tuple(dict.fromkeys(pt.df["region"].astype(str).str.strip()))
    if any(not r for r in region_codes):
        i = int(np.argmax((pt.df["region"].astype(str).str.strip() == "").to_numpy()))
        raise InputError("地区为空", file=pt.label, row=sheet_row(i), column="region")
    regions = {code: i for i, code in enumerate(region_codes)}
    top = config.open_age if config.open_age else MAX_OPEN_AGE
    ages = numbers(pt, "age", integer=True, lo=0, hi=top, what=f"0–{top}")
    open_age = config.open_age if config.open_age is not None else int(ages.max())
    if open_age < MIN_OPEN_AGE:
        raise InputError(f"最高年龄组为 {open_age}，至少需要到 {MIN_OPEN_AGE} 岁（开放组）",
                         file=pt.label, column="age")
    frame = _Frame(region_codes, regions, open_age, config.base_year, config.end_year)
    values = numbers(pt, "value", lo=0, what="人口数")
    _at_most(pt, values, MAX_POPULATION, "人口数 {value} 超过 "
             f"{MAX_POPULATION:.0f}（单个地区、性别、年龄的人数不可能这么多）")
    population = np.full((frame.n_regions, 2, open_age + 1), np.nan)
    population[region_index(pt, "region", regions), sex_codes(pt), ages.astype(np.int64)] = (
        values)
    require_complete(pt, population, region_codes, "population")
    return frame, population


def _fertility(at: Table, f: _Frame, warnings: list[str]) -> FloatArray:
    ages = numbers(at, "age", integer=True, lo=0, hi=f.open_age, what=f"0–{f.open_age}")
    values = numbers(at, "value", lo=0, what="生育率")
    outside = (ages < FERTILE_AGE_MIN) | (ages > FERTILE_AGE_MAX)
    if np.any(outside & (values > 0)):
        i = int(np.argmax(outside & (values > 0)))
        raise InputError(f"生育率只适用于 {FERTILE_AGE_MIN}–{FERTILE_AGE_MAX} 岁，"
                         f"年龄 {int(ages[i])} 的生育率应为 0 或不列出",
                         file=at.label, row=sheet_row(i), column="age")
    if np.any(values > 1.0):
        i = int(np.argmax(values > 1.0))
        raise InputError(f"生育率 {values[i]} 大于 1（应为每名妇女每年生育数，不是‰）",
                         file=at.label, row=sheet_row(i), column="value")
    years = numbers(at, "year", integer=True)
    ymap = year_map(at, years, f.base, f.end, required=True, warnings=warnings)
    keep = ~outside
    asfr = np.full((f.steps, f.n_regions, N_FERTILE), np.nan)
    scatter(asfr, (region_index(at, "region", f.regions)[keep],
                   ages[keep].astype(np.int64) - FERTILE_AGE_MIN),
            values[keep], years[keep], ymap, f.base)
    require_complete(at, asfr, f.region_codes, "asfr", f.base, FERTILE_AGE_MIN)
    return asfr


def _mortality(mt: Table, f: _Frame, mx_max: float, warnings: list[str]) -> FloatArray:
    ages = numbers(mt, "age", integer=True, lo=0, hi=f.open_age, what=f"0–{f.open_age}")
    values = numbers(mt, "value", lo=0, what="死亡率")
    if mx_max <= 1.0:
        _at_most(mt, values, mx_max, "死亡率 {value} 大于 1：单岁组的中心死亡率 mx "
                 "应为每人年死亡数（如 0.0012），不是‰；确实超过 1 时在 projection.toml "
                 "中写明 mx_max（最大 2）")
    else:
        _at_most(mt, values, mx_max, f"死亡率 {{value}} 大于 mx_max = {mx_max:g}")
    years = numbers(mt, "year", integer=True)
    ymap = year_map(mt, years, f.base, f.end, required=True, warnings=warnings)
    mx = np.full((f.steps, f.n_regions, 2, f.open_age + 1), np.nan)
    scatter(mx, (region_index(mt, "region", f.regions), sex_codes(mt), ages.astype(np.int64)),
            values, years, ymap, f.base)
    require_complete(mt, mx, f.region_codes, "mortality", f.base)
    if (mx[..., -1] <= 0).any():
        raise InputError(f"开放年龄组（{f.open_age}+）的死亡率必须大于 0", file=mt.label,
                         column="value")
    young = mx[..., 10:41].mean(axis=-1)
    if np.any(young > YOUNG_MX_LIMIT):
        y, r, sx = (int(v) for v in np.argwhere(young > YOUNG_MX_LIMIT)[0])
        raise InputError(f"{f.base + y} 年 {f.region_codes[r]} {SEX_NAMES[sx]} 10–40 岁的平均"
                         f"死亡率为 {young[y, r, sx]:.3f}，过高；死亡率应为每人年死亡数 mx"
                         "（如 0.0012），不是‰", file=mt.label, column="value")
    return mx


def _srb_values(st: Table, warnings: list[str]) -> FloatArray:
    """SRB as males per female, read per 100 when every value looks like it."""
    values = numbers(st, "value", lo=0, what="出生性别比")
    if np.any(values == 0):
        i = int(np.argmax(values == 0))
        raise InputError("出生性别比不能为 0", file=st.label, row=sheet_row(i), column="value")
    if np.all(values > SRB_PER_100_THRESHOLD):
        values = values / 100.0
        warnings.append(f"{st.label}：出生性别比按“每 100 名女婴对应的男婴数”读取（如 106 → 1.06）")
    elif np.any(values > SRB_PER_100_THRESHOLD):
        i = int(np.argmax(values > SRB_PER_100_THRESHOLD))
        raise InputError("出生性别比的单位不一致（有的像 1.06，有的像 106）", file=st.label,
                         row=sheet_row(i), column="value")
    if np.any((values < 0.5) | (values > 2.0)):
        i = int(np.argmax((values < 0.5) | (values > 2.0)))
        raise InputError(f"出生性别比 {st.df['value'].iloc[i]} 不合理", file=st.label,
                         row=sheet_row(i), column="value")
    return values


def _srb(st: Table, f: _Frame, warnings: list[str]) -> FloatArray:
    values = _srb_values(st, warnings)
    years = numbers(st, "year", integer=True)
    ymap = year_map(st, years, f.base, f.end, required=True, warnings=warnings)
    srb = np.full((f.steps, f.n_regions), np.nan)
    scatter(srb, (region_index(st, "region", f.regions),), values, years, ymap, f.base)
    require_complete(st, srb, f.region_codes, "srb", f.base)
    return srb


def load_projection(directory: Path | str) -> LoadedProjection:
    """Read and validate an input directory into :class:`ProjectionInputs`."""
    d = Path(directory)
    if not d.is_dir():
        raise InputError("输入目录不存在或不是目录", file=str(d))
    config = read_config(d)
    warnings: list[str] = []
    tables = _read_tables(d)
    frame, population = _population(tables["population"], config)
    asfr = _fertility(tables["asfr"], frame, warnings)
    mx = _mortality(tables["mortality"], frame, config.mx_max, warnings)
    srb = _srb(tables["srb"], frame, warnings)
    args = (frame.regions, frame.open_age, frame.base, frame.end, warnings)
    net_mig = load_migration(tables.get("migration"), *args)
    internal = load_internal(tables.get("internal_migration"), *args)
    inputs = ProjectionInputs(
        base_year=frame.base, end_year=frame.end, population=population, asfr=asfr, mx=mx,
        srb=srb, net_migration=net_mig, internal_rates=internal,
        migration_timing=config.migration_timing, region_codes=frame.region_codes,
        a0_rule=config.a0_rule,  # type: ignore[arg-type]
    )
    return LoadedProjection(inputs=inputs, config=config, warnings=warnings)
