"""Placing the rows of an input table into projection arrays (year step × region × sex ×
age): which source year each step uses, completeness, and the two migration tables."""

from __future__ import annotations

import itertools

import numpy as np

from renkou.errors import InputError
from renkou.projection.tables import (
    SEX_NAMES,
    TABLES,
    Table,
    numbers,
    region_index,
    sex_codes,
)
from renkou.tables import sheet_row
from renkou.types import FloatArray, IntArray

#: As many migrants as any population may hold (io.MAX_POPULATION).
MAX_MIGRANTS = 1e10


def year_map(t: Table, years: FloatArray, base: int, end: int, *, required: bool,
             warnings: list[str]) -> dict[int, int]:
    """Map each projection step year to the source year whose values it uses."""
    given = [int(y) for y in np.unique(years) if base <= y < end]  # unique first: millions of rows
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


def scatter(target: FloatArray, index: tuple[IntArray, ...], values: FloatArray,
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


def require_complete(t: Table, arr: FloatArray, region_codes: tuple[str, ...], stem: str,
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


def load_migration(t: Table | None, regions: dict[str, int], open_age: int, base: int,
                   end: int, warnings: list[str]) -> FloatArray | None:
    """External net migrants (year step, region, sex, age); sparse rows are zero."""
    if t is None:
        return None
    ages = numbers(t, "age", integer=True, lo=0, hi=open_age, what=f"0–{open_age}")
    vals = numbers(t, "value")
    big = np.abs(vals) > MAX_MIGRANTS
    if big.any():
        i = int(np.argmax(big))
        raise InputError(f"净迁移人数 {t.df['value'].iloc[i]} 超过 {MAX_MIGRANTS:.0f}",
                         file=t.label, row=sheet_row(i), column="value")
    years = numbers(t, "year", integer=True)
    ymap = year_map(t, years, base, end, required=False, warnings=warnings)
    out = np.zeros((end - base, len(regions), 2, open_age + 1))
    scatter(out, (region_index(t, "region", regions), sex_codes(t), ages.astype(np.int64)),
            vals, years, ymap, base)
    if not ymap:
        warnings.append(f"{t.label}：没有预测期内的年份，按零迁移处理")
    return out


def load_internal(t: Table | None, regions: dict[str, int], open_age: int, base: int,
                  end: int, warnings: list[str]) -> FloatArray | None:
    """Annual moving probabilities (year step, origin, destination, sex, age)."""
    if t is None:
        return None
    ages = numbers(t, "age", integer=True, lo=0, hi=open_age, what=f"0–{open_age}")
    vals = numbers(t, "value", lo=0, hi=1, what="迁移概率应在 0–1 之间")
    years = numbers(t, "year", integer=True)
    ymap = year_map(t, years, base, end, required=False, warnings=warnings)
    r = len(regions)
    origin = region_index(t, "origin", regions)
    dest = region_index(t, "destination", regions)
    out = np.zeros((end - base, r, r, 2, open_age + 1))
    scatter(out, (origin, dest, sex_codes(t), ages.astype(np.int64)), vals, years, ymap, base)
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
