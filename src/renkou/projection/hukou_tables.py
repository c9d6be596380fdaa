"""The hukou split in an input directory (户籍/非户籍联动预测的输入输出表).

A directory whose ``hukou_population`` table exists is projected with the split
(:mod:`renkou.demography.hukou_split`):

* ``hukou_population`` (region, sex, age, value) — residents holding local hukou at the base
  date, at most the ``population`` of the cell (sparse: missing rows are zero);
* ``settlement_rate`` (year, region, sex, age, value) — probability that a non-hukou
  resident settles (落户) in the step, 0–1; optional;
* ``settlement`` (year, region, sex, age, value) — settlers per step as counts (e.g. the
  admitted applicants of a points-settlement simulation), at most the non-hukou cohort;
  optional;
* ``hukou_migration`` (year, region, sex, age, value) — the hukou residents' part of the
  external net migration of ``migration``; the rest is the non-hukou residents'; optional.

The year tables are sparse and held after their last year, as ``migration`` is.
``population.csv`` of such a run has a ``hukou_status`` column (hukou | nonhukou) whose two
rows sum to the resident projection in every year, region, sex and age."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from renkou.demography.hukou_split import STATUSES, HukouSplit, SplitProjection
from renkou.demography.projection import ProjectionInputs, ProjectionResult
from renkou.errors import InputError
from renkou.projection.arrays import load_migration
from renkou.projection.tables import (
    SEX_NAMES,
    find_table,
    numbers,
    prepare_table,
    region_index,
    sex_codes,
)
from renkou.tables import sheet_row
from renkou.types import FloatArray

SPLIT_TABLES: dict[str, tuple[str, ...]] = {
    "hukou_population": ("region", "sex", "age", "value"),
    "settlement_rate": ("year", "region", "sex", "age", "value"),
    "settlement": ("year", "region", "sex", "age", "value"),
    "hukou_migration": ("year", "region", "sex", "age", "value"),
}


def has_split(directory: Path) -> bool:
    return find_table(Path(directory), "hukou_population") is not None


def load_split(directory: Path | str, inputs: ProjectionInputs
               ) -> tuple[HukouSplit | None, list[str]]:
    """The split tables of an input directory (None without ``hukou_population``) and
    warnings; every problem an :class:`InputError` naming file, row and column."""
    d = Path(directory)
    t = find_table(d, "hukou_population")
    if t is None:
        return None, []
    warnings: list[str] = []
    prepare_table(t, SPLIT_TABLES["hukou_population"])
    regions = {c: i for i, c in enumerate(inputs.region_codes)}
    open_age = inputs.open_age
    ages = numbers(t, "age", integer=True, lo=0, hi=open_age, what=f"0–{open_age}")
    values = numbers(t, "value", lo=0, what="户籍常住人口")
    hukou = np.zeros(np.shape(inputs.population))
    r, s, a = region_index(t, "region", regions), sex_codes(t), ages.astype(np.int64)
    hukou[r, s, a] = values
    over = values > np.asarray(inputs.population)[r, s, a] * (1 + 1e-9) + 1e-6
    if over.any():
        i = int(np.argmax(over))
        raise InputError(f"户籍常住人口 {t.df['value'].iloc[i]} 多于该地区、性别、年龄的常住人口"
                         f" {float(np.asarray(inputs.population)[r[i], s[i], a[i]]):g}",
                         file=t.label, row=sheet_row(i), column="value")
    args = (regions, open_age, inputs.base_year, inputs.end_year, warnings)
    found: dict[str, FloatArray | None] = {}
    for stem in ("settlement_rate", "settlement", "hukou_migration"):
        table = find_table(d, stem)
        if table is not None and table.df.empty:  # a header alone: none of these
            found[stem] = np.zeros((inputs.steps, *np.shape(inputs.population)))
            continue
        if table is not None:
            prepare_table(table, SPLIT_TABLES[stem])
            if stem == "settlement_rate":
                numbers(table, "value", lo=0, hi=1, what="落户概率应在 0–1 之间")
            elif stem == "settlement":
                numbers(table, "value", lo=0, what="落户人数")
        found[stem] = load_migration(table, *args)
    split = HukouSplit(hukou_population=hukou, settlement_rate=found["settlement_rate"],
                       settlement_count=found["settlement"],
                       hukou_migration=found["hukou_migration"])
    return split, warnings


def write_split(split: HukouSplit, inputs: ProjectionInputs, directory: Path) -> list[Path]:
    """The split's tables in ``directory`` (CSV; zero rows of the year tables left out)."""
    from renkou.projection.output import write_csv

    regions = np.asarray(inputs.region_codes or [str(i + 1) for i in range(inputs.n_regions)])
    sexes = np.asarray(SEX_NAMES)
    years = np.arange(inputs.base_year, inputs.end_year)
    written = []
    r, s, a = np.indices(np.shape(split.hukou_population)).reshape(3, -1)
    df = pd.DataFrame({"region": regions[r], "sex": sexes[s], "age": a,
                       "value": np.asarray(split.hukou_population).ravel()})
    write_csv(df, directory / "hukou_population.csv")
    written.append(directory / "hukou_population.csv")
    for stem, values in (("settlement_rate", split.settlement_rate),
                         ("settlement", split.settlement_count),
                         ("hukou_migration", split.hukou_migration)):
        if values is None:
            continue
        y, r, s, a = np.nonzero(values)
        rows = pd.DataFrame({"year": years[y], "region": regions[r], "sex": sexes[s], "age": a,
                             "value": np.asarray(values)[y, r, s, a]})
        p = directory / f"{stem}.csv"
        if rows.empty:  # a header alone still says "none" when the directory is read back
            rows = pd.DataFrame({c: pd.Series(dtype=float) for c in SPLIT_TABLES[stem]})
        rows.to_csv(p, index=False, float_format="%.10g")
        written.append(p)
    return written


def split_population_table(result: ProjectionResult, split: SplitProjection) -> pd.DataFrame:
    """``population.csv`` with ``hukou_status``: year, region, hukou_status, sex, age, value."""
    pop = np.stack([split.hukou, split.nonhukou], axis=2)  # (Y+1, R, 2 status, 2, A)
    regions = np.asarray(result.inputs.region_codes
                         or [str(i + 1) for i in range(result.inputs.n_regions)])
    y, r, h, s, a = np.indices(pop.shape).reshape(5, -1)
    return pd.DataFrame({"year": np.asarray(result.years)[y], "region": regions[r],
                         "hukou_status": np.asarray(STATUSES)[h],
                         "sex": np.asarray(SEX_NAMES)[s], "age": a, "value": pop.ravel()})


def status_totals(split: SplitProjection) -> FloatArray:
    """Totals (Y+1, R, 2 status) of the controlled split."""
    return np.stack([split.hukou.sum(axis=(-1, -2)), split.nonhukou.sum(axis=(-1, -2))],
                    axis=-1)
