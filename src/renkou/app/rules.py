"""Rules as code (政策规则计算): evaluate a people table, caseload and budget from a registry.

Each function takes a registry or the path of its store. A scheme that exists for one
jurisdiction only (Tianjin's 专栏3 subsidies) is refused on another jurisdiction's store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from renkou.app.stores import registry_at
from renkou.jurisdictions import Jurisdiction
from renkou.registry import Registry
from renkou.rules.budget import BudgetResult, project_budget
from renkou.rules.caseload import registry_caseload
from renkou.rules.schemes import PeopleRun, run_people
from renkou.tables import read_table

StoreRef = Registry | Path


@contextmanager
def _registry(store: StoreRef) -> Iterator[Registry]:
    """The registry itself, or the one stored at a path (opened read-only and closed)."""
    if isinstance(store, Registry):
        yield store
        return
    with registry_at(Path(store)) as registry:
        yield registry


def evaluate_people(scheme: str, people: Path, as_of: dt.date,
                    overrides: Mapping[str, Any] | None = None, *, explain: bool = True,
                    jurisdiction: Jurisdiction | None = None) -> PeopleRun:
    """Eligibility, amounts and explanations of every person in the ``people`` table.
    ``jurisdiction`` is the deployment's: another jurisdiction's scheme is refused."""
    df = read_table(people)
    return run_people(scheme, df, as_of, overrides, file=people.name, explain=explain,
                      jurisdiction=jurisdiction)


@dataclass(frozen=True)
class Caseload:
    """Caseload and cost by district and component, and caseload by district and group."""

    scheme: str
    as_of: dt.date
    costs: pd.DataFrame
    groups: pd.DataFrame

    @property
    def total_caseload(self) -> float:
        return float(self.costs["caseload"].sum())

    @property
    def annual_cost(self) -> float:
        return float(self.costs["annual_cost_total"].sum())


def caseload(store: StoreRef, scheme: str, as_of: dt.date,
             overrides: Mapping[str, Any] | None = None, *, seed: int = 2025) -> Caseload:
    """The scheme run over the store's hukou population on ``as_of``, attributes the
    registry lacks imputed by the caseload assumptions (seeded)."""
    with _registry(store) as registry:
        costs, groups = registry_caseload(scheme, registry, as_of, overrides, seed=seed)
    return Caseload(scheme, as_of, costs, groups)


def budget(store: StoreRef, scheme: str, from_year: int, to_year: int,
           overrides: Mapping[str, Any] | None = None, *, seed: int = 2025,
           base_date: dt.date | None = None, compare: bool = False) -> BudgetResult:
    """Caseload and annual cost by year, district and payer from the store's base
    population forward (see :func:`renkou.rules.budget.project_budget`)."""
    with _registry(store) as registry:
        return project_budget(scheme, registry, from_year, to_year, overrides, seed=seed,
                              base_date=base_date, compare=compare)
