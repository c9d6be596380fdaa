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

import itertools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from renkou.demography.lifetable import A0_RULES
from renkou.demography.projection import (
    FERTILE_AGE_MAX,
    FERTILE_AGE_MIN,
    MIGRATION_TIMINGS,
    N_FERTILE,
    ProjectionInputs,
)
from renkou.errors import InputError
from renkou.projection_tables import (
    SEX_NAMES,
    Table,
    find_table,
    numbers,
    prepare_table,
    region_index,
    sex_codes,
)
from renkou.tables import require_columns, sheet_row
from renkou.types import FloatArray, IntArray

CONFIG_FILE = "projection.toml"
TABLES: dict[str, tuple[str, ...]] = {
    "population": ("region", "sex", "age", "value"),
    "asfr": ("year", "region", "age", "value"),
    "mortality": ("year", "region", "sex", "age", "value"),
    "srb": ("year", "region", "value"),
    "migration": ("year", "region", "sex", "age", "value"),
    "internal_migration": ("year", "origin", "destination", "sex", "age", "value"),
}
OPTIONAL_TABLES = ("migration", "internal_migration")
MIN_OPEN_AGE = FERTILE_AGE_MAX + 1
MAX_OPEN_AGE = 130
SRB_PER_100_THRESHOLD = 20.0


@dataclass(frozen=True)
class ProjectionConfig:
    """Settings from ``projection.toml``."""

    base_year: int
    end_year: int
    open_age: int | None = None
    migration_timing: str = "mid-year"
    a0_rule: str = "andreev-kingkade"


@dataclass
class LoadedProjection:
    """Validated inputs plus what the user should be told about them."""

    inputs: ProjectionInputs
    config: ProjectionConfig
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------
# Configuration


def _config_sheet(directory: Path) -> dict[str, Any] | None:
    """Settings from a sheet ``projection`` (columns key, value) of an XLSX input, if any."""
    t = find_table(directory, "projection")
    if t is None:
        return None
    require_columns(t.df, ["key", "value"], t.label)
    data: dict[str, Any] = {}
    for key, value in zip(t.df["key"], t.df["value"], strict=True):
        k, v = str(key).strip(), str(value).strip()
        if k:
            data[k] = int(v) if v.lstrip("-").isdigit() else v
    return data


def read_config(directory: Path) -> ProjectionConfig:
    """Settings from ``projection.toml`` (or, failing that, an XLSX sheet ``projection``)."""
    path = directory / CONFIG_FILE
    if path.exists():
        try:
            data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"TOML 格式错误：{exc}", file=CONFIG_FILE) from None
    else:
        sheet = _config_sheet(directory)
        if sheet is None:
            raise InputError("缺少配置文件（需要 base_year 和 end_year）", file=CONFIG_FILE)
        data = sheet
    section = data.get("projection")
    if isinstance(section, dict):  # allow a [projection] table as well as top-level keys
        data = {**data, **section}

    def integer(key: str, required: bool) -> int | None:
        v = data.get(key)
        if v is None:
            if required:
                raise InputError(f"缺少 {key}", file=CONFIG_FILE)
            return None
        if isinstance(v, bool) or not isinstance(v, int | str):
            raise InputError(f"{key} 应为整数，而不是 {v!r}", file=CONFIG_FILE)
        try:
            return int(v)
        except ValueError:
            raise InputError(f"{key} 应为整数，而不是 {v!r}", file=CONFIG_FILE) from None

    base = integer("base_year", True)
    end = integer("end_year", True)
    assert base is not None and end is not None
    if not 1000 <= base <= 3000:
        raise InputError(f"base_year {base} 不合理", file=CONFIG_FILE)
    if end <= base:
        raise InputError(f"end_year（{end}）必须晚于 base_year（{base}）", file=CONFIG_FILE)
    if end - base > 500:
        raise InputError("预测期超过 500 年", file=CONFIG_FILE)
    open_age = integer("open_age", False)
    if open_age is not None and not MIN_OPEN_AGE <= open_age <= MAX_OPEN_AGE:
        raise InputError(f"open_age 应在 {MIN_OPEN_AGE}–{MAX_OPEN_AGE} 之间，而不是 {open_age}",
                         file=CONFIG_FILE)
    timing = str(data.get("migration_timing", "mid-year")).strip()
    aliases = {"mid": "mid-year", "midyear": "mid-year", "mid_year": "mid-year",
               "beginning": "start", "end-year": "end"}
    timing = aliases.get(timing, timing)
    if timing not in MIGRATION_TIMINGS:
        raise InputError(f"migration_timing 应为 {' / '.join(MIGRATION_TIMINGS)}，"
                         f"而不是 {timing!r}", file=CONFIG_FILE)
    a0_rule = str(data.get("a0_rule", "andreev-kingkade")).strip()
    if a0_rule not in A0_RULES:
        raise InputError(f"a0_rule 应为 {' / '.join(A0_RULES)}", file=CONFIG_FILE)
    return ProjectionConfig(base_year=base, end_year=end, open_age=open_age,
                            migration_timing=timing, a0_rule=a0_rule)


# ---------------------------------------------------------------------------------------
# Years


def _year_map(t: Table, years: FloatArray, base: int, end: int, *, required: bool,
              warnings: list[str]) -> dict[int, int]:
    """Map each projection step year to the source year whose values it uses."""
    given = sorted({int(y) for y in years if base <= y < end})
    if not given or given[0] != base:
        if required:
            raise InputError(f"缺少基年 {base} 的数据（预测步 {base}–{end - 1} 都需要；"
                             f"文件中的年份：{_span(years)}）", file=t.label, column="year")
        if not given:
            return {}
    for a, b in itertools.pairwise(given):
        if b != a + 1:
            raise InputError(f"年份不连续：有 {a} 和 {b}，缺少 {a + 1}–{b - 1}", file=t.label,
                             column="year")
    last = given[-1]
    if last < end - 1:
        warnings.append(f"{t.label}：只提供到 {last} 年，"
                        f"{last + 1}–{end - 1} 年沿用 {last} 年的数值")
    first = given[0]
    return {y: min(max(y, first), last) for y in range(base, end) if y >= first}


def _span(years: FloatArray) -> str:
    ys = np.unique(years.astype(np.int64))
    if ys.size == 0:
        return "无"
    return f"{ys[0]}–{ys[-1]}" if ys.size > 1 else str(ys[0])


# ---------------------------------------------------------------------------------------
# Loading


def load_projection(directory: Path | str) -> LoadedProjection:
    """Read and validate an input directory into :class:`ProjectionInputs`."""
    d = Path(directory)
    if not d.is_dir():
        raise InputError("输入目录不存在或不是目录", file=str(d))
    config = read_config(d)
    warnings: list[str] = []
    tables: dict[str, Table] = {}
    for stem in TABLES:
        t = find_table(d, stem)
        if t is None:
            if stem in OPTIONAL_TABLES:
                continue
            raise InputError(f"缺少输入表 {stem}（{stem}.csv、{stem}.parquet 或 XLSX 工作表"
                             f"“{stem}”）", file=f"{stem}.csv")
        prepare_table(t, TABLES[stem])
        tables[stem] = t
    base, end = config.base_year, config.end_year
    steps = end - base

    # Base population: it defines the regions and the open age.
    pt = tables["population"]
    region_codes = tuple(dict.fromkeys(pt.df["region"].astype(str).str.strip()))
    if any(not r for r in region_codes):
        i = int(np.argmax((pt.df["region"].astype(str).str.strip() == "").to_numpy()))
        raise InputError("地区为空", file=pt.label, row=sheet_row(i), column="region")
    regions = {code: i for i, code in enumerate(region_codes)}
    open_age = config.open_age
    ages_p = numbers(pt, "age", integer=True, lo=0, hi=open_age if open_age else MAX_OPEN_AGE,
                      what=f"0–{open_age if open_age else MAX_OPEN_AGE}")
    max_age = int(ages_p.max())
    if open_age is None:
        open_age = max_age
    if open_age < MIN_OPEN_AGE:
        raise InputError(f"最高年龄组为 {open_age}，至少需要到 {MIN_OPEN_AGE} 岁（开放组）",
                         file=pt.label, column="age")
    n_age = open_age + 1
    r = len(region_codes)
    pop_values = numbers(pt, "value", lo=0, what="人口数")
    population = np.full((r, 2, n_age), np.nan)
    population[region_index(pt, "region", regions), sex_codes(pt), ages_p.astype(np.int64)] = (
        pop_values)
    _require_complete(pt, population, region_codes, "population")

    # Fertility.
    at = tables["asfr"]
    ages_f = numbers(at, "age", integer=True, lo=0, hi=open_age, what=f"0–{open_age}")
    f_val = numbers(at, "value", lo=0, what="生育率")
    outside = (ages_f < FERTILE_AGE_MIN) | (ages_f > FERTILE_AGE_MAX)
    if np.any(outside & (f_val > 0)):
        i = int(np.argmax(outside & (f_val > 0)))
        raise InputError(f"生育率只适用于 {FERTILE_AGE_MIN}–{FERTILE_AGE_MAX} 岁，"
                         f"年龄 {int(ages_f[i])} 的生育率应为 0 或不列出",
                         file=at.label, row=sheet_row(i), column="age")
    if np.any(f_val > 1.0):
        i = int(np.argmax(f_val > 1.0))
        raise InputError(f"生育率 {f_val[i]} 大于 1（应为每名妇女每年生育数，不是‰）",
                         file=at.label, row=sheet_row(i), column="value")
    years_f = numbers(at, "year", integer=True)
    ymap = _year_map(at, years_f, base, end, required=True, warnings=warnings)
    reg_f = region_index(at, "region", regions)
    keep = ~outside
    asfr_src = np.full((steps, r, N_FERTILE), np.nan)
    _scatter(asfr_src, (reg_f[keep], ages_f[keep].astype(np.int64) - FERTILE_AGE_MIN),
             f_val[keep], years_f[keep], ymap, base)
    _require_complete(at, asfr_src, region_codes, "asfr", base, FERTILE_AGE_MIN)

    # Mortality.
    mt = tables["mortality"]
    ages_m = numbers(mt, "age", integer=True, lo=0, hi=open_age, what=f"0–{open_age}")
    m_val = numbers(mt, "value", lo=0, what="死亡率")
    years_m = numbers(mt, "year", integer=True)
    ymap_m = _year_map(mt, years_m, base, end, required=True, warnings=warnings)
    mx = np.full((steps, r, 2, n_age), np.nan)
    _scatter(mx, (region_index(mt, "region", regions), sex_codes(mt),
                        ages_m.astype(np.int64)), m_val, years_m, ymap_m, base)
    _require_complete(mt, mx, region_codes, "mortality", base)
    open_zero = mx[..., -1] <= 0
    if open_zero.any():
        raise InputError(f"开放年龄组（{open_age}+）的死亡率必须大于 0", file=mt.label,
                         column="value")
    if np.any(m_val > 10):
        i = int(np.argmax(m_val > 10))
        raise InputError(f"死亡率 {m_val[i]} 过大（应为每人年死亡数 mx，不是‰）",
                         file=mt.label, row=sheet_row(i), column="value")
    # Rates per 1000 would still be below 10 at young ages; no real population has a mean
    # death rate of 5 % a year at ages 10–40 (the most extreme modern cases are below 1 %).
    young = mx[..., 10:41].mean(axis=-1)
    if np.any(young > 0.05):
        y, r, sx = (int(v) for v in np.argwhere(young > 0.05)[0])
        raise InputError(f"{base + y} 年 {region_codes[r]} {SEX_NAMES[sx]} 10–40 岁的平均死亡率为 "
                         f"{young[y, r, sx]:.3f}，过高；死亡率应为每人年死亡数 mx"
                         "（如 0.0012），不是‰", file=mt.label, column="value")

    # Sex ratio at birth.
    st = tables["srb"]
    s_val = numbers(st, "value", lo=0, what="出生性别比")
    if np.any(s_val == 0):
        i = int(np.argmax(s_val == 0))
        raise InputError("出生性别比不能为 0", file=st.label, row=sheet_row(i), column="value")
    if np.all(s_val > SRB_PER_100_THRESHOLD):
        s_val = s_val / 100.0
        warnings.append(f"{st.label}：出生性别比按“每 100 名女婴对应的男婴数”读取（如 106 → 1.06）")
    elif np.any(s_val > SRB_PER_100_THRESHOLD):
        i = int(np.argmax(s_val > SRB_PER_100_THRESHOLD))
        raise InputError("出生性别比的单位不一致（有的像 1.06，有的像 106）", file=st.label,
                         row=sheet_row(i), column="value")
    if np.any((s_val < 0.5) | (s_val > 2.0)):
        i = int(np.argmax((s_val < 0.5) | (s_val > 2.0)))
        raise InputError(f"出生性别比 {st.df['value'].iloc[i]} 不合理", file=st.label,
                         row=sheet_row(i), column="value")
    years_s = numbers(st, "year", integer=True)
    ymap_s = _year_map(st, years_s, base, end, required=True, warnings=warnings)
    srb = np.full((steps, r), np.nan)
    _scatter(srb, (region_index(st, "region", regions),), s_val, years_s, ymap_s, base)
    _require_complete(st, srb, region_codes, "srb", base)

    net_mig = _load_migration(tables.get("migration"), regions, open_age, base, end, warnings)
    internal = _load_internal(tables.get("internal_migration"), regions, open_age, base, end,
                              warnings)
    inputs = ProjectionInputs(
        base_year=base, end_year=end, population=population, asfr=asfr_src, mx=mx, srb=srb,
        net_migration=net_mig, internal_rates=internal,
        migration_timing=config.migration_timing, region_codes=region_codes,
        a0_rule=config.a0_rule,  # type: ignore[arg-type]
    )
    return LoadedProjection(inputs=inputs, config=config, warnings=warnings)


def _scatter(target: FloatArray, index: tuple[IntArray, ...], values: FloatArray,
             years: FloatArray, ymap: dict[int, int], base: int) -> None:
    """Put each row into its projection step; steps after the last year given take that
    year's values (``ymap`` maps every step year that is filled to its source year)."""
    if not ymap:
        return
    yrs = years.astype(np.int64)
    sel = (yrs >= base) & (yrs < base + target.shape[0])
    target[(yrs[sel] - base, *(ix[sel] for ix in index))] = values[sel]
    last = max(ymap.values())
    if last - base + 1 < target.shape[0]:
        target[last - base + 1:] = target[last - base]


def _require_complete(t: Table, arr: FloatArray, region_codes: tuple[str, ...], stem: str,
                      base: int = 0, ages_from: int = 0) -> None:
    """Every (year, region, sex, age) the projection needs must be present."""
    missing = np.argwhere(np.isnan(arr))
    if missing.size == 0:
        return
    names = [c for c in TABLES[stem] if c != "value"]
    parts = []
    for name, v in zip(names, missing[0], strict=True):
        if name == "region":
            parts.append(f"region={region_codes[int(v)]}")
        elif name == "sex":
            parts.append(f"sex={SEX_NAMES[int(v)]}")
        elif name == "age":
            parts.append(f"age={int(v) + ages_from}")
        elif name == "year":
            parts.append(f"year={base + int(v)}")
    raise InputError(f"缺少记录（{'，'.join(parts)}）；共缺少 {len(missing)} 条", file=t.label)


def _load_migration(t: Table | None, regions: dict[str, int], open_age: int, base: int,
                    end: int, warnings: list[str]) -> FloatArray | None:
    if t is None:
        return None
    ages = numbers(t, "age", integer=True, lo=0, hi=open_age, what=f"0–{open_age}")
    vals = numbers(t, "value")
    years = numbers(t, "year", integer=True)
    ymap = _year_map(t, years, base, end, required=False, warnings=warnings)
    out = np.zeros((end - base, len(regions), 2, open_age + 1))
    _scatter(out, (region_index(t, "region", regions), sex_codes(t), ages.astype(np.int64)),
             vals, years, ymap, base)
    if not ymap:
        warnings.append(f"{t.label}：没有预测期内的年份，按零迁移处理")
    return out


def _load_internal(t: Table | None, regions: dict[str, int], open_age: int, base: int,
                   end: int, warnings: list[str]) -> FloatArray | None:
    if t is None:
        return None
    ages = numbers(t, "age", integer=True, lo=0, hi=open_age, what=f"0–{open_age}")
    vals = numbers(t, "value", lo=0, hi=1, what="迁移概率应在 0–1 之间")
    years = numbers(t, "year", integer=True)
    ymap = _year_map(t, years, base, end, required=False, warnings=warnings)
    r = len(regions)
    origin = region_index(t, "origin", regions)
    dest = region_index(t, "destination", regions)
    out = np.zeros((end - base, r, r, 2, open_age + 1))
    _scatter(out, (origin, dest, sex_codes(t), ages.astype(np.int64)), vals, years, ymap,
             base)
    idx = np.arange(r)
    out[:, idx, idx] = 0.0
    leaving = out.sum(axis=2)
    if np.any(leaving > 1.0 + 1e-9):
        y, o, s, a = (int(v) for v in np.argwhere(leaving > 1.0 + 1e-9)[0])
        code = next(c for c, i in regions.items() if i == o)
        raise InputError(f"从 {code} 迁出的概率合计超过 1（{base + y} 年，{SEX_NAMES[s]}，"
                         f"{a} 岁：{leaving[y, o, s, a]:.4f}）", file=t.label)
    if not ymap:
        warnings.append(f"{t.label}：没有预测期内的年份，按无区间迁移处理")
    return out
