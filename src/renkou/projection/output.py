"""Output tables of ``renkou project`` (人口预测结果输出) and a sample input directory.

Tidy CSV files (UTF-8, header row): population.csv ``year,region,sex,age,value``,
births.csv ``year,region,sex,value``, deaths.csv ``year,region,sex,age,value``,
summary.csv ``year,region,indicator,value`` (with ``emigration_capped`` rows where net
emigration exceeded a cohort and was cut off) and, for stochastic runs, quantiles.csv
``year,region,indicator,quantile,value``. Flows (births, deaths, rates of the step) carry
the year in which their step starts. Undefined values are left empty.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from renkou.demography.projection import (
    FERTILE_AGE_MAX,
    FERTILE_AGE_MIN,
    ProjectionInputs,
    ProjectionResult,
)
from renkou.demography.summary import SUMMARY_INDICATORS, summary_indicators
from renkou.errors import InputError
from renkou.projection.config import MAX_MX
from renkou.tables import neutralise
from renkou.types import FloatArray

QUANTILES: tuple[float, ...] = (0.025, 0.1, 0.5, 0.9, 0.975)
SEX_NAMES = ("male", "female")
FLOAT_FORMAT = "%.6f"
#: summary.csv rows for the net emigrants that exceeded their cohort and were cut off, by
#: the year the step starts and region (only where someone was; rounding below is noise).
CAPPED_INDICATOR = "emigration_capped"
CAP_REPORTED = 1e-6


def _regions(result: ProjectionResult) -> list[str]:
    codes = result.inputs.region_codes
    return list(codes) if codes else [str(i + 1) for i in range(result.inputs.n_regions)]


def _tidy(values: FloatArray, axes: Sequence[tuple[str, Sequence[object]]]) -> pd.DataFrame:
    """Long table from an array whose axes are named and labelled in ``axes``."""
    shape = tuple(len(labels) for _, labels in axes)
    if values.shape != shape:
        raise ValueError(f"shape {values.shape} does not match labels {shape}")
    grids = np.meshgrid(*[np.arange(n) for n in shape], indexing="ij")
    data: dict[str, object] = {}
    for (name, labels), g in zip(axes, grids, strict=True):
        # Typed label arrays (ints, strings): object arrays make writing several times slower.
        data[name] = np.asarray(labels)[g.ravel()]
    data["value"] = values.ravel()
    return pd.DataFrame(data)


def population_table(result: ProjectionResult) -> pd.DataFrame:
    if result.population.ndim != 4:
        raise ValueError("tables are written for one trajectory (no leading axis)")
    ages = list(range(result.inputs.n_ages))
    return _tidy(result.population, [("year", list(result.years)),
                                     ("region", _regions(result)), ("sex", list(SEX_NAMES)),
                                     ("age", ages)])


def births_table(result: ProjectionResult) -> pd.DataFrame:
    return _tidy(result.births, [("year", list(result.years[:-1])),
                                 ("region", _regions(result)), ("sex", list(SEX_NAMES))])


def deaths_table(result: ProjectionResult) -> pd.DataFrame:
    ages = list(range(result.inputs.n_ages))
    return _tidy(result.deaths, [("year", list(result.years[:-1])),
                                 ("region", _regions(result)), ("sex", list(SEX_NAMES)),
                                 ("age", ages)])


def summary_table(result: ProjectionResult,
                  indicators: dict[str, FloatArray] | None = None) -> pd.DataFrame:
    ind = summary_indicators(result) if indicators is None else indicators
    frames = []
    regions = _regions(result)
    for name in SUMMARY_INDICATORS:
        df = _tidy(ind[name], [("year", list(result.years)), ("region", regions)])
        df.insert(2, "indicator", name)
        frames.append(df)
    capped = result.emigration_capped
    if capped is not None and capped.ndim == 2:
        df = _tidy(capped, [("year", list(result.years[:-1])), ("region", regions)])
        df = df[df["value"] > CAP_REPORTED]
        df.insert(2, "indicator", CAPPED_INDICATOR)
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["year", "region"], kind="stable").reset_index(drop=True)


def _quantiles(values: FloatArray, quantiles: tuple[float, ...]) -> FloatArray:
    """np.nanquantile over axis 0 (linear interpolation, NumPy's default), fast: one sort
    of the trajectories (about half of np.quantile's partitions for five quantiles) and
    NumPy's own interpolation formula, so the numbers are np.quantile's. Only the cells
    whose trajectories are partly NaN take nanquantile's slice-by-slice route (a cell NaN
    in every trajectory is NaN either way)."""
    v = np.asarray(values, dtype=np.float64)
    n = v.shape[0]
    ordered = np.sort(v, axis=0)
    pos = np.asarray(quantiles, dtype=np.float64) * (n - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    t = (pos - lo).reshape((-1,) + (1,) * (v.ndim - 1))
    a, b = ordered[lo], ordered[hi]
    diff = b - a
    with np.errstate(invalid="ignore"):
        out = np.where(t >= 0.5, b - diff * (1.0 - t), a + diff * t)
    nan = np.isnan(v)
    partly = nan.any(axis=0) & ~nan.all(axis=0)
    if partly.any():
        out[:, partly] = np.nanquantile(v[:, partly], quantiles, axis=0)
    out[:, nan.all(axis=0)] = np.nan
    return np.asarray(out, dtype=np.float64)


def quantile_table(result: ProjectionResult, indicators: dict[str, FloatArray],
                   quantiles: tuple[float, ...] = QUANTILES) -> pd.DataFrame:
    """Quantiles over the leading trajectory axis N of indicators (N, Y+1, R) each, labelled
    with the years and regions of ``result``."""
    regions = _regions(result)
    frames = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN flows in the last year
        for name in SUMMARY_INDICATORS:
            if name not in indicators:
                continue
            q = _quantiles(indicators[name], quantiles)  # (Q, Y+1, R)
            df = _tidy(np.moveaxis(q, 0, -1), [("year", list(result.years)),
                                               ("region", regions),
                                               ("quantile", list(quantiles))])
            df.insert(2, "indicator", name)
            frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["year", "region"], kind="stable").reset_index(drop=True)


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """``df`` as CSV with numbers rounded to 6 decimals and undefined values empty, written by
    pyarrow (several times faster than pandas for the projection's 10⁵-row tables)."""
    df = neutralise(df)
    columns = {}
    for name in df.columns:
        values = df[name].to_numpy()
        if values.dtype.kind == "f":
            values = np.round(values, 6)
        columns[str(name)] = pa.array(values, from_pandas=True)
    try:
        with path.open("wb") as f:
            f.write((",".join(map(str, df.columns)) + "\n").encode("utf-8"))
            pacsv.write_csv(pa.table(columns), f, write_options=pacsv.WriteOptions(
                include_header=False, quoting_style="none"))
    except pa.ArrowInvalid:  # a text value that needs quoting: let pandas quote it
        df.to_csv(path, index=False, float_format=FLOAT_FORMAT, encoding="utf-8")


def write_outputs(result: ProjectionResult, out_dir: Path | str,
                  stochastic: dict[str, FloatArray] | None = None, *,
                  population: pd.DataFrame | None = None) -> list[Path]:
    """Write the contract's CSV files; return their paths. ``stochastic`` holds indicators
    (N, Y+1, R) of N trajectories, summarised in quantiles.csv; ``population`` replaces the
    population table (the hukou split's, with ``hukou_status``)."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"无法创建输出目录：{exc}", file=str(out)) from None
    written = []
    pop = population if population is not None else population_table(result)
    for name, df in (("population.csv", pop),
                     ("births.csv", births_table(result)),
                     ("deaths.csv", deaths_table(result)),
                     ("summary.csv", summary_table(result))):
        p = out / name
        write_csv(df, p)
        written.append(p)
    if stochastic is not None:
        p = out / "quantiles.csv"
        write_csv(quantile_table(result, stochastic), p)
        written.append(p)
    return written


def write_input_directory(inputs: ProjectionInputs, directory: Path | str, *,
                          fmt: str = "csv") -> Path:
    """Write projection inputs as an input directory that ``renkou project`` reads back
    (one trajectory only), e.g. to keep a scenario built in code. ``fmt`` "csv" or
    "parquet" (typed columns, the fast form for large internal-migration tables)."""
    if np.asarray(inputs.population).ndim != 3:
        raise ValueError("only inputs without a trajectory axis can be written")
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be csv or parquet, not {fmt!r}")
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    regions: list[object] = list(inputs.region_codes) or [
        str(i + 1) for i in range(inputs.n_regions)]
    steps: list[object] = list(range(inputs.base_year, inputs.end_year))
    sexes: list[object] = list(SEX_NAMES)
    ages: list[object] = list(range(inputs.n_ages))
    fertile: list[object] = list(range(FERTILE_AGE_MIN, FERTILE_AGE_MAX + 1))

    def put(stem: str, values: FloatArray, axes: list[tuple[str, Sequence[object]]]) -> None:
        df = _tidy(np.asarray(values), axes)
        if fmt == "parquet":
            df.to_parquet(d / f"{stem}.parquet", index=False)
        else:
            neutralise(df).to_csv(d / f"{stem}.csv", index=False, float_format="%.10g")

    put("population", inputs.population, [("region", regions), ("sex", sexes), ("age", ages)])
    put("asfr", inputs.asfr, [("year", steps), ("region", regions), ("age", fertile)])
    put("mortality", inputs.mx, [("year", steps), ("region", regions), ("sex", sexes),
                                 ("age", ages)])
    put("srb", inputs.srb, [("year", steps), ("region", regions)])
    if inputs.net_migration is not None:
        put("migration", inputs.net_migration, [("year", steps), ("region", regions),
                                                ("sex", sexes), ("age", ages)])
    if inputs.internal_rates is not None:
        put("internal_migration", inputs.internal_rates,
            [("year", steps), ("origin", regions), ("destination", regions), ("sex", sexes),
             ("age", ages)])
    # Rates above 1 (very old ages of a high-mortality area) are stated, so that the reader
    # accepts them back.
    mx_max = f"mx_max = {MAX_MX}\n" if float(np.max(inputs.mx)) > 1.0 else ""
    (d / "projection.toml").write_text(
        f"base_year = {inputs.base_year}\nend_year = {inputs.end_year}\n"
        f"open_age = {inputs.open_age}\nmigration_timing = \"{inputs.migration_timing}\"\n"
        f"a0_rule = \"{inputs.a0_rule}\"\n{mx_max}", encoding="utf-8")
    return d

