"""User scenario paths for ``renkou project`` (情景路径): TFR, e0 and net-migration paths read
from CSV / XLSX / Parquet files and applied on top of a variant.

Files (one row per year and region; ``region`` may be ``*`` for every region, and a row for
a named region overrides ``*`` in the same year):

* TFR — ``year,region,value``: total fertility; ASFR keeps each step's age pattern.
* e0 — ``year,region,sex,value``: life expectancy at birth; each step's mx is replaced by the
  Brass relational-logit transform of itself that has that e0.
* migration — ``year,region,value``: total external net migrants of the step, distributed by
  the input's age–sex pattern of that step and region, or by a Rogers–Castro profile
  (``fundamental``, half men) where the input has none.

``year`` labels the step from the reference date of that year to the next, as in the input
tables. Years may be milestones: between two given years the path is interpolated linearly,
after the last given year its last value is held, and steps before the first given year keep
the variant's values. Years before the base year are an error; years after the last step
only serve the interpolation.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from renkou.demography.lifetable import life_expectancy
from renkou.demography.migration_profile import age_profile, distribute_net_migration
from renkou.demography.projection import ProjectionInputs
from renkou.demography.variants import with_e0_path, with_migration_path, with_tfr_path
from renkou.errors import InputError
from renkou.projection.arrays import MAX_MIGRANTS
from renkou.projection.tables import (
    Table,
    lookup,
    numbers,
    prepare_table,
    sex_codes,
)
from renkou.tables import read_table, sheet_row
from renkou.types import FloatArray

ALL_REGIONS = "*"
# Plausibility bounds of the path values (checked row by row with file, row and column).
TFR_RANGE = (0.0, 10.0)
E0_RANGE = (20.0, 110.0)
PATH_MIGRATION_PROFILE = "fundamental"


@dataclass(frozen=True)
class ScenarioPath:
    """A path over the projection steps: ``values`` (Y, R, …) and ``given`` (Y, R, …), True
    where the path sets the value (False: keep the variant's)."""

    values: FloatArray
    given: np.ndarray
    warnings: tuple[str, ...] = ()


def _read(path: Path, columns: tuple[str, ...]) -> Table:
    t = Table(path.name, read_table(path))
    prepare_table(t, columns)
    return t


def _regions(t: Table, codes: tuple[str, ...]) -> np.ndarray:
    """Region index of each row, −1 for ``*``."""
    table = {code: i for i, code in enumerate(codes)}
    table[ALL_REGIONS] = len(codes)
    idx, bad = lookup(t, "region", table)
    if bad is not None:
        raise InputError(f"地区“{str(t.df['region'].iloc[bad]).strip()}”不在 population 的地区中"
                         f"（可用 {', '.join(codes)}，或 * 表示全部地区）", file=t.label,
                         row=sheet_row(bad), column="region")
    return np.where(idx == len(codes), -1, idx)


def _interpolate(points: dict[int, float], base: int, steps: int
                 ) -> tuple[FloatArray, np.ndarray]:
    """Values and a 'given' mask for steps base … base+steps−1 from milestone points."""
    years = np.array(sorted(points), dtype=np.float64)
    vals = np.array([points[int(y)] for y in years])
    step_years = base + np.arange(steps, dtype=np.float64)
    given = step_years >= years[0]
    return np.interp(step_years, years, vals), given


def _build(t: Table, year: np.ndarray, region: np.ndarray, value: FloatArray, base: int,
           steps: int, n_regions: int, what: str) -> ScenarioPath:
    """Per (step, region): the region's own rows where it has any, else the ``*`` rows."""
    values = np.zeros((steps, n_regions))
    given = np.zeros((steps, n_regions), dtype=bool)
    warnings: list[str] = []
    star = region < 0
    for r in range(n_regions):
        rows = region == r
        use = rows if rows.any() else star
        if not use.any():
            continue
        points = {int(y): float(v) for y, v in zip(year[use], value[use], strict=True)}
        values[:, r], given[:, r] = _interpolate(points, base, steps)
        last = max(points)
        if last < base + steps - 1:
            warnings.append(f"{t.label}：{what}只给到 {last} 年，之后沿用 {last} 年的数值")
    return ScenarioPath(values, given, tuple(dict.fromkeys(warnings)))


def _years(t: Table, base: int) -> np.ndarray:
    return numbers(t, "year", integer=True, lo=base,
                   what=f"不能早于基年 {base}").astype(np.int64)


def read_tfr_path(path: Path | str, inputs: ProjectionInputs) -> ScenarioPath:
    """A TFR path file (``year,region,value``) → (Y, R)."""
    t = _read(Path(path), ("year", "region", "value"))
    year = _years(t, inputs.base_year)
    region = _regions(t, inputs.region_codes or _default_codes(inputs))
    value = numbers(t, "value", lo=TFR_RANGE[0], hi=TFR_RANGE[1],
                    what=f"总和生育率应在 {TFR_RANGE[0]:g}–{TFR_RANGE[1]:g} 之间")
    return _build(t, year, region, value, inputs.base_year, inputs.steps, inputs.n_regions,
                  "总和生育率路径")


def read_e0_path(path: Path | str, inputs: ProjectionInputs) -> ScenarioPath:
    """An e0 path file (``year,region,sex,value``) → (Y, R, 2)."""
    t = _read(Path(path), ("year", "region", "sex", "value"))
    year = _years(t, inputs.base_year)
    region = _regions(t, inputs.region_codes or _default_codes(inputs))
    sex = sex_codes(t)
    value = numbers(t, "value", lo=E0_RANGE[0], hi=E0_RANGE[1],
                    what=f"预期寿命应在 {E0_RANGE[0]:g}–{E0_RANGE[1]:g} 岁之间")
    parts = [_build(t, year[sex == s], region[sex == s], value[sex == s], inputs.base_year,
                    inputs.steps, inputs.n_regions, "预期寿命路径") for s in (0, 1)]
    return ScenarioPath(np.stack([p.values for p in parts], axis=-1),
                        np.stack([p.given for p in parts], axis=-1),
                        tuple(dict.fromkeys(parts[0].warnings + parts[1].warnings)))


def read_migration_path(path: Path | str, inputs: ProjectionInputs) -> ScenarioPath:
    """A net-migration path file (``year,region,value``, totals of the step) → (Y, R)."""
    t = _read(Path(path), ("year", "region", "value"))
    year = _years(t, inputs.base_year)
    region = _regions(t, inputs.region_codes or _default_codes(inputs))
    value = numbers(t, "value", lo=-MAX_MIGRANTS, hi=MAX_MIGRANTS,
                    what=f"净迁移人数应在 ±{MAX_MIGRANTS:.0f} 之内")
    return _build(t, year, region, value, inputs.base_year, inputs.steps, inputs.n_regions,
                  "净迁移路径")


def _default_codes(inputs: ProjectionInputs) -> tuple[str, ...]:
    return tuple(str(i) for i in range(inputs.n_regions))


def apply_tfr_path(inputs: ProjectionInputs, path: ScenarioPath) -> ProjectionInputs:
    """TFR of the steps and regions the path sets replaced by the path."""
    current = np.asarray(inputs.asfr, dtype=np.float64).sum(axis=-1)  # (Y, R)
    if np.any(path.given & (current <= 0) & (path.values > 0)):
        raise InputError("总和生育率路径要求该年该地区的 asfr 有年龄模式"
                         "（asfr 全为 0 时无法按路径缩放）")
    return with_tfr_path(inputs, np.where(path.given, path.values, current))


def apply_e0_path(inputs: ProjectionInputs, path: ScenarioPath) -> ProjectionInputs:
    """mx of the steps, regions and sexes the path sets moved to the path's e0."""
    mx = np.asarray(inputs.mx, dtype=np.float64)
    current = life_expectancy(mx, np.array([False, True]), inputs.a0_rule)  # (Y, R, 2)
    target = np.where(path.given, path.values, current)
    try:
        moved = with_e0_path(inputs, target[..., 0], target[..., 1])
    except ValueError as exc:
        raise InputError(f"无法按预期寿命路径调整死亡率：{exc}") from None
    # Steps, regions and sexes the path does not set keep their rates exactly.
    new_mx = np.where(path.given[..., None], np.asarray(moved.mx), mx)
    return dataclasses.replace(inputs, mx=new_mx)


def apply_migration_path(inputs: ProjectionInputs, path: ScenarioPath) -> ProjectionInputs:
    """External net migration of the steps and regions the path sets rescaled to its totals."""
    y, r, a = inputs.steps, inputs.n_regions, inputs.n_ages
    mig = (np.zeros((y, r, 2, a)) if inputs.net_migration is None
           else np.asarray(inputs.net_migration, dtype=np.float64))
    current = mig.sum(axis=(-1, -2))
    # Where the input has no age–sex pattern, a Rogers–Castro profile, half men.
    fallback = distribute_net_migration(1.0, age_profile(PATH_MIGRATION_PROFILE, a - 1))
    no_pattern = path.given & (current == 0)
    pattern = np.where(no_pattern[..., None, None], fallback, mig)
    base = dataclasses.replace(inputs, net_migration=pattern)
    target = np.where(path.given, path.values, pattern.sum(axis=(-1, -2)))
    return with_migration_path(base, target)
