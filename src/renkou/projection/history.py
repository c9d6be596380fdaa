"""Past death rates of an input directory (死亡率历史): the optional table
``mortality_history`` (year, sex, age, value) from which a stochastic run fits the age pattern
b(x) of its mortality deviations.

With at least :data:`MIN_YEARS` consecutive years the pattern is a Lee–Carter fit (Lee and
Carter 1992) by sex to these rates, single years of age (0, 1, 2 …) or abridged groups
(0, 1, 5, 10 …, spread stepwise over their single ages); otherwise the engine's default
pattern (China, WPP 2024) is used, and the run says which."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from renkou.demography.leecarter import fit_lee_carter
from renkou.demography.stochastic import ABRIDGED_STARTS, expand_abridged
from renkou.errors import InputError
from renkou.projection.config import MAX_MX
from renkou.projection.tables import find_table, numbers, prepare_table, sex_codes
from renkou.types import FloatArray

STEM = "mortality_history"
COLUMNS = ("year", "sex", "age", "value")
MIN_YEARS = 10
DEFAULT_PATTERN = "默认年龄模式（中国 1968–2023 年 Lee–Carter b(x)，WPP 2024）"


@dataclass(frozen=True)
class MortalityPattern:
    """b(x) (2, A) for the stochastic run, or None for the default; what to tell the user."""

    bx: FloatArray | None
    description: str


def mortality_pattern(directory: Path, n_ages: int) -> MortalityPattern:
    """The age pattern of mortality change for a stochastic run from ``directory``."""
    t = find_table(Path(directory), STEM)
    if t is None:
        return MortalityPattern(None, DEFAULT_PATTERN)
    prepare_table(t, COLUMNS)
    years = numbers(t, "year", integer=True).astype(np.int64)
    ages = numbers(t, "age", integer=True, lo=0, hi=n_ages - 1,
                   what=f"0–{n_ages - 1}").astype(np.int64)
    numbers(t, "value", lo=0, what="死亡率")  # parsed once: the next call reuses it
    values = numbers(t, "value", hi=MAX_MX, what=f"死亡率至多为 {MAX_MX:g}")
    sexes = sex_codes(t)
    span = np.unique(years)
    if span.size < MIN_YEARS or np.any(np.diff(span) != 1):
        return MortalityPattern(None, f"{DEFAULT_PATTERN}；{t.label} 的连续年份不足 "
                                      f"{MIN_YEARS} 年，未拟合")
    given = np.unique(ages)
    single = np.array_equal(given, np.arange(given.size))
    abridged = np.array_equal(given, np.array(ABRIDGED_STARTS[:given.size]))
    if not (single or abridged):
        raise InputError("年龄应为 0、1、2 …（单岁）或 0、1、5、10 …（简略组）", file=t.label,
                         column="age")
    grid = np.full((2, span.size, given.size), np.nan)
    grid[sexes, np.searchsorted(span, years), np.searchsorted(given, ages)] = values
    if np.isnan(grid).any() or (grid <= 0).any():
        raise InputError("每个性别、年份和年龄都需要一个大于 0 的死亡率", file=t.label)
    bx = np.empty((2, given.size))
    for s in range(2):
        try:
            bx[s] = fit_lee_carter(grid[s], span.astype(float), given.astype(float)).bx
        except ValueError as exc:
            raise InputError(f"Lee–Carter 拟合失败：{exc}", file=t.label) from None
    if abridged:
        bx = expand_abridged(bx, n_ages)
    elif given.size < n_ages:  # ages above the history's last one take its value
        bx = np.concatenate([bx, np.repeat(bx[:, -1:], n_ages - given.size, axis=1)], axis=1)
    return MortalityPattern(bx, f"Lee–Carter b(x) 由 {t.label} 的 {span[0]}–{span[-1]} 年"
                                f"死亡率拟合")
