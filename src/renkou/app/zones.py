"""Function zones of a store (功能区范围), as ``renkou plans zones`` calls them: a template to
fill in, the import of a zone file, what is defined and which plan indicators it makes
computable. Domain code is :mod:`renkou.plans.zones`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml

from renkou.app.stores import StoreRef, data_changed, registry_at, store_registry
from renkou.errors import InputError
from renkou.jurisdictions import Jurisdiction
from renkou.plans.model.catalog import get_plan
from renkou.plans.zones import (
    Zone,
    example_file,
    parse_zones,
    read_zone_file,
    store_zones,
    stored_zones,
    template_text,
)
from renkou.regions import gazetteer
from renkou.registry import Registry


@dataclass(frozen=True)
class ZoneIndicator:
    """An indicator of function zones and whether the store defines all of them."""

    plan: str
    code: str
    name: str
    zones: tuple[str, ...]
    missing: tuple[str, ...]  # zones not defined: the indicator stays reported

    @property
    def computed(self) -> bool:
        return not self.missing


def _known_streets() -> set[str]:
    return {r.code for r in gazetteer().regions.values() if r.level == "street"}


def _streets(registry: Registry, jurisdiction: Jurisdiction) -> dict[str, str]:
    """The 街镇 a zone may use (code → name): the gazetteer's and those in the store."""
    from renkou.services.synth import streets_of

    when = registry.data_through() or jurisdiction.census_date
    present = registry.caliber(when, "resident", level="street", by=("region",))
    regions = gazetteer().regions
    return {c: regions[c].name if c in regions else ""
            for c in streets_of(jurisdiction, present["region"].astype(str))}


def template(db: StoreRef) -> str:
    """A zone file for the store to fill in (the zones its plans name, the 街镇 to use)."""
    with store_registry(db) as registry:
        jurisdiction = registry.jurisdiction()
        return template_text(jurisdiction, _streets(registry, jurisdiction))


def _save(registry: Registry, raw: object, name: str) -> tuple[Zone, ...]:
    zones, example = parse_zones(raw, registry.jurisdiction(), name, known=_known_streets())
    if example and not registry.provenance().synthetic:
        raise InputError("示例功能区范围（example: true）只能导入由合成数据构建的示范库", file=name)
    store_zones(registry, zones, name, dt.date.today())
    return tuple(stored_zones(registry).values())


def import_zones(db: StoreRef, path: Path) -> tuple[Zone, ...]:
    """Check a zone file and make it the store's zones (replacing the earlier ones)."""
    raw = read_zone_file(path)
    if isinstance(db, Registry):
        return _save(db, raw, path.name)
    with registry_at(Path(db), read_only=False) as registry:
        saved = _save(registry, raw, path.name)
    data_changed(Path(db))  # a server's cached assessments are of the earlier zones
    return saved


def seed_example_zones(registry: Registry) -> tuple[Zone, ...]:
    """The shipped example zones (示例) of a synthetic store's jurisdiction, if any."""
    jurisdiction = registry.jurisdiction()
    text = example_file(jurisdiction)
    if text is None:
        return ()
    return _save(registry, yaml.safe_load(text), f"{jurisdiction.key}.example.yaml")


def zones(db: StoreRef) -> tuple[tuple[Zone, ...], tuple[ZoneIndicator, ...]]:
    """The store's zones and the zone indicators of its jurisdiction's plans."""
    with store_registry(db) as registry:
        defined = stored_zones(registry)
        plans = registry.jurisdiction().plans
    out = []
    for code in plans:
        for ind in get_plan(code).indicators:
            if ind.zones is None:
                continue
            missing = tuple(n for n in ind.zones.names if n not in defined)
            out.append(ZoneIndicator(code, ind.code, ind.name_zh, ind.zones.names, missing))
    return tuple(defined.values()), tuple(out)
