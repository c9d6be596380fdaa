"""The housing pipeline (住房交付计划): arrivals into new housing on top of the trend.

An input directory may hold ``housing`` (CSV, Parquet or XLSX sheet) with columns
``region, year, dwellings, persons_per_dwelling, age_profile``: in ``year`` the area
``region`` receives ``dwellings × persons_per_dwelling`` people, spread over ages by the named
Rogers–Castro standard schedule (``fundamental`` when empty) and equally over the sexes.
Several rows for one area and year add up (several projects). The arrivals are added to the
net migration of the inputs before the variant is applied."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from renkou.demography.migration_profile import STANDARD_SCHEDULES, age_profile
from renkou.demography.projection import ProjectionInputs
from renkou.errors import InputError
from renkou.projection.tables import find_table, numbers, region_index, text_column
from renkou.tables import require_columns, sheet_row
from renkou.types import FloatArray

#: Dwellings completed in one region and year; 20 persons each stay below 10¹⁰ people.
MAX_DWELLINGS = 5e8

STEM = "housing"
COLUMNS = ("region", "year", "dwellings", "persons_per_dwelling", "age_profile")
DEFAULT_PROFILE = "fundamental"


def housing_arrivals(directory: Path, inputs: ProjectionInputs
                     ) -> tuple[FloatArray | None, list[str]]:
    """Arrivals (Y, R, 2, A) from the directory's housing table, or None without one; and
    what to tell the user."""
    t = find_table(Path(directory), STEM)
    if t is None:
        return None, []
    require_columns(t.df, list(COLUMNS), t.label)
    regions = {code: i for i, code in enumerate(inputs.region_codes)}
    if not regions:
        regions = {str(i + 1): i for i in range(inputs.n_regions)}
    where = region_index(t, "region", regions)
    years = numbers(t, "year", integer=True).astype(np.int64)
    numbers(t, "dwellings", lo=0, what="住房套数")  # parsed once: the next call reuses it
    persons = (numbers(t, "dwellings", hi=MAX_DWELLINGS, what=f"至多 {MAX_DWELLINGS:.0f} 套")
               * numbers(t, "persons_per_dwelling", lo=0, hi=20, what="0–20 人/套"))
    names = text_column(t, "age_profile").replace("", DEFAULT_PROFILE).to_numpy()
    profiles: dict[str, FloatArray] = {}
    for i, name in enumerate(names):
        if name not in STANDARD_SCHEDULES:
            raise InputError(f"未知的年龄模式“{name}”（可选：{'、'.join(STANDARD_SCHEDULES)}）",
                             file=t.label, row=sheet_row(i), column="age_profile")
        profiles.setdefault(name, age_profile(name, inputs.open_age))
    out = np.zeros((inputs.steps, inputs.n_regions, 2, inputs.n_ages))
    inside = (years >= inputs.base_year) & (years < inputs.end_year)
    for row in np.nonzero(inside)[0].tolist():
        out[years[row] - inputs.base_year, where[row]] += (
            0.5 * persons[row] * profiles[str(names[row])])
    notes = [f"{t.label}：{int(inside.sum())} 行住房交付，共迁入 {persons[inside].sum():,.0f} 人"]
    if (~inside).any():
        notes.append(f"{t.label}：{int((~inside).sum())} 行不在预测期内，未使用")
    return out, notes


def with_housing(inputs: ProjectionInputs, arrivals: FloatArray) -> ProjectionInputs:
    """The inputs with the housing arrivals added to their net migration."""
    import dataclasses

    base = (np.zeros(arrivals.shape) if inputs.net_migration is None
            else np.asarray(inputs.net_migration, dtype=np.float64))
    return dataclasses.replace(inputs, net_migration=base + arrivals)
