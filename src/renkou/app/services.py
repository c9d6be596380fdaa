"""Public services (公共服务配置): the facility inventory, gaps by area and the allocation of
new sites, as the CLI and the API call them.

Domain code is :mod:`renkou.services`; this layer opens the store, picks the jurisdiction's
norms and its census household size, and reads the population from the registry (a date) or
from the baseline projection (``year``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from renkou.app.stores import data_changed, registry_at
from renkou.errors import InputError
from renkou.jurisdictions import Jurisdiction, get_jurisdiction
from renkou.registry import Registry
from renkou.services import facilities as _facilities
from renkou.services.gaps import coverage_shares, gaps_frame
from renkou.services.norms import NormsLibrary, norms_for
from renkou.services.population import age_table, check_level
from renkou.services.synth import synth_rows

if TYPE_CHECKING:
    # The solvers load SciPy's optimiser: imported where they run, not by every command
    # that reads norms (impact assessment, gaps).
    from renkou.services import allocation as _allocation
    from renkou.services import coverage as _coverage


ImportResult = _facilities.ImportResult


def jurisdiction_norms(jurisdiction: Jurisdiction) -> NormsLibrary:
    """The jurisdiction's norms, with its own census household size when it has one."""
    size = jurisdiction.census.get("household_size")
    if size is None:
        return norms_for(jurisdiction.key)
    return norms_for(jurisdiction.key, size.value, size.source)


def facilities_template(out: Path, jurisdiction: str) -> Path:
    return _facilities.write_template(out, get_jurisdiction(jurisdiction))


def import_facilities(db: Path, workbook: Path) -> _facilities.ImportResult:
    """Validate and store a filled inventory (every row accepted or quarantined)."""
    with registry_at(db, read_only=False) as registry:
        result = _facilities.import_workbook(registry, workbook)
    data_changed(db)  # a server's cached answers are of the earlier supply
    return result


def facility_inventory(registry: Registry, within: str | None = None,
                       kind: str | None = None) -> pd.DataFrame:
    """The stored inventory (the latest import of each facility) by street, type and name;
    ``within``: only the 街镇 under this district or street code; ``kind``: one type."""
    df = _facilities.inventory(registry)
    if within is not None:
        df = df[df["street"].astype(str).str.startswith(within)]
    if kind is not None:
        if kind not in _facilities.FACILITY_TYPES:
            raise InputError(f"未知的设施类型 {kind}（可选："
                             f"{'、'.join(_facilities.FACILITY_TYPES)}）", column="type")
        df = df[df["type"] == kind]
    return df.sort_values(["street", "type", "name"]).reset_index(drop=True)


def facility_type_name(kind: str) -> str:
    known = _facilities.FACILITY_TYPES.get(kind)
    return known.name if known else kind


def synth_facilities(db: Path, seed: int, as_of: dt.date | None = None) -> int:
    """Store a synthetic inventory for the store's jurisdiction; the rows written."""
    with registry_at(db, read_only=False) as registry:
        when = as_of or registry.data_through() or registry.jurisdiction().census_date
        rows = synth_rows(registry, jurisdiction_norms(registry.jurisdiction()), seed, when)
        _facilities.store_rows(registry, rows, [])
        return len(rows)


@dataclass(frozen=True)
class Gaps:
    """The gaps table and what it was computed from."""

    table: pd.DataFrame
    jurisdiction: Jurisdiction
    as_of: dt.date
    year: int | None
    level: str
    caliber: str
    norms: NormsLibrary


def registry_gaps(registry: Registry, as_of: dt.date, level: str = "street",
                  caliber: str = "resident", year: int | None = None) -> Gaps:
    """Gaps on ``as_of`` (registry population), or at the end of ``year`` (the baseline
    projection from ``as_of``, facilities open on 31 December of that year)."""
    check_level(level, caliber)
    jurisdiction = registry.jurisdiction()
    norms = jurisdiction_norms(jurisdiction)
    inventory = _facilities.inventory(registry)
    street_ages = age_table(registry, as_of, caliber, "street")
    when = as_of
    if year is None:
        ages = street_ages if level == "street" else age_table(registry, as_of, caliber, level)
    else:
        from renkou.impact.baseline import projected_ages

        if year <= as_of.year:
            raise InputError(f"--year {year} 须晚于基准日期 {as_of} 所在年份")
        when = dt.date(year, 12, 31)
        ages = projected_ages(registry, as_of, year, level, caliber)
    supply_level = _facilities.supply(inventory, when, level, jurisdiction)
    supply_streets = _facilities.supply(inventory, when, "street", jurisdiction)
    shares = coverage_shares(norms, when, street_ages, supply_streets, level, jurisdiction)
    table = gaps_frame(norms, when, ages, supply_level,
                       household_size=norms.household_size, covered_share=shares)
    return Gaps(table, jurisdiction, as_of, year, level, caliber, norms)


def gaps(db: Path, as_of: dt.date | None = None, level: str = "street",
         caliber: str = "resident", year: int | None = None) -> Gaps:
    with registry_at(db) as registry:
        when = as_of or registry.data_through() or registry.jurisdiction().census_date
        return registry_gaps(registry, when, level, caliber, year)


def read_gaps(path: Path) -> pd.DataFrame:
    from renkou.services import allocation as _allocation

    return _allocation.read_gaps(path)


def allocate(gaps_file: Path, service: str, budget: float, site_size: float,
             cost_file: Path | None = None) -> _allocation.Allocation:
    """Where to add whole sites of ``site_size`` to minimise unmet demand (exact MILP)."""
    from renkou.services import allocation as _allocation

    table = _allocation.read_gaps(gaps_file)
    costs = _allocation.read_costs(cost_file) if cost_file is not None else None
    return allocate_table(table, service, budget, site_size, costs)


def allocate_table(table: pd.DataFrame, service: str, budget: float, site_size: float,
                   costs: dict[str, float] | None = None) -> _allocation.Allocation:
    """:func:`allocate` on a gaps table in memory (columns region, service, gap) and costs
    per site by region (None: the budget counts sites)."""
    from renkou.services import allocation as _allocation

    missing = [c for c in _allocation.GAP_COLUMNS if c not in table.columns]
    if missing:
        raise InputError(f"缺口表缺少列 {'、'.join(missing)}")
    return _allocation.allocate_from_gaps(table, service, budget, site_size, costs)


def _csv(path: Path) -> pd.DataFrame:
    if not Path(path).exists():
        raise InputError("文件不存在", file=str(path))
    return pd.read_csv(path, dtype={"id": str})


def cover(points: Path, candidates: Path, radius_m: float, budget: float, *,
          db: Path | None = None, facility: str = "elderly_day_care",
          as_of: dt.date | None = None) -> _coverage.CoveragePlan:
    """The maximal-covering choice of candidate sites; open facilities of type ``facility``
    with coordinates in the store's inventory count as covering already."""
    from renkou.services import coverage as _coverage

    existing = None
    if db is not None:
        with registry_at(db) as registry:
            inv = _facilities.inventory(registry)
            when = as_of or registry.data_through() or registry.jurisdiction().census_date
        live = _facilities.open_on(inv, when)
        if not live.empty:
            existing = live[(live["type"] == facility) & live["longitude"].notna()]
    return _coverage.maximal_cover(_csv(points), _csv(candidates), radius_m, budget, existing)


def caliber_contrast(db: Path, as_of: dt.date | None = None, level: str = "street"
                     ) -> pd.DataFrame:
    """Demand by area and service on the 常住 (resident) and on the 户籍 (hukou) population,
    and the capacity a hukou-based allocation would put in the wrong place
    (``hukou_demand − resident_demand``: positive where it would over-provide, negative where
    it would leave residents without places). Columns: region, service, resident_demand,
    hukou_demand, misplaced."""
    with registry_at(db) as registry:
        when = as_of or registry.data_through() or registry.jurisdiction().census_date
        resident = registry_gaps(registry, when, level, "resident").table
        hukou = registry_gaps(registry, when, level, "hukou").table
    both = resident[["region", "service", "demand"]].merge(
        hukou[["region", "service", "demand"]], on=["region", "service"],
        suffixes=("_resident", "_hukou"), how="outer").fillna(0.0)
    both = both.rename(columns={"demand_resident": "resident_demand",
                                "demand_hukou": "hukou_demand"})
    both["misplaced"] = both["hukou_demand"] - both["resident_demand"]
    return both[["region", "service", "resident_demand", "hukou_demand", "misplaced"]]
