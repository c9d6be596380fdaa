"""The schemes renkou evaluates (补贴/扶助项目), each with its input columns and output table.

``run_people(key, df, as_of, overrides)`` validates a people table, evaluates the scheme and
returns the output table (amounts formatted as written to OUT.csv) with the row errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from renkou.errors import NotFoundError
from renkou.rules.inputs import ColumnSpec, ParsedTable, RowError, parse_table
from renkou.rules.parameters import ParameterSet


@dataclass(frozen=True)
class Scheme:
    """One scheme: key used on the command line, title, input columns, evaluation."""

    key: str
    title: str
    columns: tuple[ColumnSpec, ...]
    check: Callable[[ParsedTable], ParsedTable]
    run: Callable[[ParsedTable, dt.date, Mapping[str, Any], bool], pd.DataFrame]
    parameters: Callable[[Mapping[str, Any]], tuple[ParameterSet, ...]]
    money_columns: tuple[str, ...]
    bool_columns: tuple[str, ...] = ()


def _home_care() -> Scheme:
    from renkou.rules.schemes import elderly as e

    def run(t: ParsedTable, d: dt.date, o: Mapping[str, Any], x: bool) -> pd.DataFrame:
        care, meal = e.load_care_parameters(o)
        return e.home_care_frame(t, d, care, meal, x)

    return Scheme("tianjin-home-care", "天津市居家养老服务（护理）补贴及助餐补贴（规划专栏3）",
                  e.ELDERLY_COLUMNS, e.check_districts, run, e.load_care_parameters,
                  ("care_subsidy_monthly", "care_city_share", "care_district_share",
                   "meal_subsidy_per_meal", "meal_city_share", "meal_district_share"),
                  ("meal_eligible",))


def _meal() -> Scheme:
    from renkou.rules.schemes import elderly as e

    def run(t: ParsedTable, d: dt.date, o: Mapping[str, Any], x: bool) -> pd.DataFrame:
        return e.meal_frame(t, d, e.load_meal_parameters(o), x)

    return Scheme("tianjin-meal", "天津市老年人助餐补贴（规划专栏3助餐段）", e.MEAL_COLUMNS,
                  e.check_districts, run, lambda o: (e.load_meal_parameters(o),),
                  ("meal_subsidy_per_meal", "meal_city_share", "meal_district_share"),
                  ("meal_eligible",))


def _family_planning() -> Scheme:
    from renkou.rules.schemes import family_planning as f

    def check(t: ParsedTable) -> ParsedTable:
        from renkou.rules.schemes.elderly import check_districts

        return check_districts(f.check_grades(t))

    def run(t: ParsedTable, d: dt.date, o: Mapping[str, Any], x: bool) -> pd.DataFrame:
        return f.fp_frame(t, d, f.load_fp_parameters(o), x)

    return Scheme("family-planning-assistance", "计划生育家庭特别扶助（独生子女伤残、死亡家庭）",
                  f.FP_COLUMNS, check, run, lambda o: (f.load_fp_parameters(o),),
                  ("fp_assistance_monthly", "fp_city_share", "fp_district_share"))


_FACTORIES: dict[str, Callable[[], Scheme]] = {
    "tianjin-home-care": _home_care,
    "tianjin-meal": _meal,
    "family-planning-assistance": _family_planning,
}

SCHEME_KEYS = tuple(_FACTORIES)


def get_scheme(key: str) -> Scheme:
    try:
        return _FACTORIES[key]()
    except KeyError:
        raise NotFoundError(f"没有名为 {key} 的项目；可选：{', '.join(SCHEME_KEYS)}") from None


def format_money(values: np.ndarray) -> np.ndarray:
    """Amounts as text ("600", "1.2"), written once per distinct value."""
    from renkou.rules.engine import money

    inv, uniq = pd.factorize(np.asarray(values, dtype=float))
    return np.array([money(v) for v in uniq], dtype=object)[inv]


def format_output(scheme: Scheme, out: pd.DataFrame) -> pd.DataFrame:
    f = out.copy()
    for c in scheme.money_columns:
        f[c] = format_money(f[c].to_numpy())
    for c in scheme.bool_columns:
        f[c] = np.where(f[c].to_numpy(dtype=bool), "true", "false")
    return f


@dataclass(frozen=True)
class PeopleRun:
    """Output of one evaluation: the table to write and the rows that could not be read."""

    output: pd.DataFrame
    errors: tuple[RowError, ...]
    n_input: int


def run_people(key: str, df: pd.DataFrame, as_of: dt.date,
               overrides: Mapping[str, Any] | None = None, *, file: str = "",
               explain: bool = True, formatted: bool = True) -> PeopleRun:
    """Validate ``df`` (text columns), evaluate scheme ``key`` on ``as_of``."""
    scheme = get_scheme(key)
    overrides = overrides or {}
    scheme.parameters(overrides)  # unknown parameter names fail before reading rows
    table = scheme.check(parse_table(df, scheme.columns, as_of, file))
    out = scheme.run(table, as_of, overrides, explain)
    if formatted:
        out = format_output(scheme, out)
    return PeopleRun(out, table.errors, table.n_input)
