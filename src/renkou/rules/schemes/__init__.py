"""The schemes renkou evaluates (补贴/扶助项目), each with its input columns and output table.

A scheme is a rule file in ``rules/data`` that names an ``engine`` (the code that evaluates
it: ``elderly-care``, ``elderly-meal``, ``family-planning``), its ``scheme_title`` and the
``jurisdiction`` it applies to (a jurisdiction key, or ``any`` for a national scheme). The
scheme key on the command line is the file's ``scheme`` name.

``run_people(key, df, as_of, overrides)`` validates a people table, evaluates the scheme and
returns the output table (amounts formatted as written to OUT.csv) with the row errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from renkou.errors import ConfigError, InputError, NotFoundError
from renkou.jurisdictions import Jurisdiction, get_jurisdiction
from renkou.rules.engine import money
from renkou.rules.inputs import ColumnSpec, ParsedTable, RowError, parse_table
from renkou.rules.parameters import ParameterSet, data_dir, load_parameters, load_yaml
from renkou.rules.schemes import elderly as e
from renkou.rules.schemes import family_planning as f

#: ``jurisdiction`` of a scheme that applies anywhere (a national scheme).
ANY_JURISDICTION = "any"

Check = Callable[[ParsedTable, Jurisdiction | None], ParsedTable]
Run = Callable[[ParsedTable, dt.date, Mapping[str, Any], bool], pd.DataFrame]


@dataclass(frozen=True)
class Scheme:
    """One scheme: key used on the command line, title, input columns, evaluation."""

    key: str
    title: str
    engine: str
    jurisdiction: Jurisdiction | None  # None: any jurisdiction (a national scheme)
    columns: tuple[ColumnSpec, ...]
    check: Check
    run: Run
    parameters: Callable[[Mapping[str, Any]], tuple[ParameterSet, ...]]
    money_columns: tuple[str, ...]
    bool_columns: tuple[str, ...] = ()

    def applies_to(self, jurisdiction: Jurisdiction) -> bool:
        """Whether the scheme covers a store of ``jurisdiction`` (a district deployment lies
        inside its city and is covered by the city's schemes)."""
        return self.jurisdiction is None or self.jurisdiction.contains(jurisdiction.code)

    def require(self, jurisdiction: Jurisdiction) -> None:
        """Refuse to evaluate the scheme for another jurisdiction's population."""
        if not self.applies_to(jurisdiction):
            assert self.jurisdiction is not None
            raise InputError(f"规则“{self.title}”仅适用于{self.jurisdiction.name}，"
                             f"当前数据库属于{jurisdiction.name}")

    def district_jurisdiction(self, deployment: Jurisdiction | None) -> Jurisdiction | None:
        """Whose division codes a people table is checked against."""
        return self.jurisdiction or deployment


@dataclass(frozen=True)
class _Spec:
    key: str
    title: str
    engine: str
    jurisdiction: Jurisdiction | None


def _elderly_care(s: _Spec) -> Scheme:
    def params(o: Mapping[str, Any]) -> tuple[ParameterSet, ...]:
        return e.load_care_parameters(s.key, o)

    def run(t: ParsedTable, d: dt.date, o: Mapping[str, Any], x: bool) -> pd.DataFrame:
        care, meal = e.load_care_parameters(s.key, o)
        return e.home_care_frame(t, d, care, meal, x)

    return Scheme(s.key, s.title, s.engine, s.jurisdiction, e.ELDERLY_COLUMNS,
                  e.check_districts, run, params,
                  ("care_subsidy_monthly", "care_city_share", "care_district_share",
                   "meal_subsidy_per_meal", "meal_city_share", "meal_district_share"),
                  ("meal_eligible",))


def _elderly_meal(s: _Spec) -> Scheme:
    def run(t: ParsedTable, d: dt.date, o: Mapping[str, Any], x: bool) -> pd.DataFrame:
        return e.meal_frame(t, d, e.load_meal_parameters(s.key, o), x)

    return Scheme(s.key, s.title, s.engine, s.jurisdiction, e.MEAL_COLUMNS, e.check_districts,
                  run, lambda o: (e.load_meal_parameters(s.key, o),),
                  ("meal_subsidy_per_meal", "meal_city_share", "meal_district_share"),
                  ("meal_eligible",))


def _family_planning(s: _Spec) -> Scheme:
    def check(t: ParsedTable, j: Jurisdiction | None) -> ParsedTable:
        return e.check_districts(f.check_grades(t), j)

    def run(t: ParsedTable, d: dt.date, o: Mapping[str, Any], x: bool) -> pd.DataFrame:
        return f.fp_frame(t, d, f.load_fp_parameters(o, s.key), x)

    return Scheme(s.key, s.title, s.engine, s.jurisdiction, f.FP_COLUMNS, check, run,
                  lambda o: (f.load_fp_parameters(o, s.key),),
                  ("fp_assistance_monthly", "fp_city_share", "fp_district_share"))


ENGINES: dict[str, Callable[[_Spec], Scheme]] = {
    "elderly-care": _elderly_care,
    "elderly-meal": _elderly_meal,
    "family-planning": _family_planning,
}


def _jurisdiction(key: str, where: str) -> Jurisdiction | None:
    if not key:
        raise ConfigError(f"规则文件 {where} 缺少 jurisdiction（适用辖区，或 any 表示不限）")
    return None if key == ANY_JURISDICTION else get_jurisdiction(key)


@lru_cache(maxsize=1)
def _specs() -> dict[str, _Spec]:
    """Every shipped rule file that names an engine, by scheme key."""
    out: dict[str, _Spec] = {}
    for path in sorted(data_dir().glob("*.yaml")):
        _, doc = load_yaml(path)
        if "engine" not in doc:
            continue
        engine = str(doc["engine"])
        if engine not in ENGINES:
            raise ConfigError(f"规则文件 {path.name} 的 engine {engine} 未知："
                              f"可选 {', '.join(ENGINES)}")
        key = str(doc["scheme"])
        ps = load_parameters(key)  # the jurisdiction may come from an included file
        out[key] = _Spec(key, str(doc.get("scheme_title") or ps.title), engine,
                         _jurisdiction(str(ps.extra.get("jurisdiction") or ""), path.name))
    return out


def scheme_keys() -> tuple[str, ...]:
    return tuple(_specs())


def get_scheme(key: str) -> Scheme:
    spec = _specs().get(key)
    if spec is None:
        raise NotFoundError(f"没有名为 {key} 的项目；可选：{', '.join(scheme_keys())}")
    return ENGINES[spec.engine](spec)


def format_money(values: np.ndarray) -> np.ndarray:
    """Amounts as text ("600", "1.2"), written once per distinct value."""
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
               explain: bool = True, formatted: bool = True,
               jurisdiction: Jurisdiction | None = None) -> PeopleRun:
    """Validate ``df`` (text columns), evaluate scheme ``key`` on ``as_of``. ``jurisdiction``
    is the deployment's: a scheme of another jurisdiction is refused, and a national scheme
    checks hukou district codes against it."""
    scheme = get_scheme(key)
    if jurisdiction is not None:
        scheme.require(jurisdiction)
    overrides = overrides or {}
    scheme.parameters(overrides)  # unknown parameter names fail before reading rows
    table = parse_table(df, scheme.columns, as_of, file)
    table = scheme.check(table, scheme.district_jurisdiction(jurisdiction))
    out = scheme.run(table, as_of, overrides, explain)
    if formatted:
        out = format_output(scheme, out)
    return PeopleRun(out, table.errors, table.n_input)
