"""A synthetic facility inventory (示范设施清单) for a demo store: for every 街镇 of the
store's jurisdiction and every facility type, capacity around what the norms ask of the
street's residents in the store (between 40 % and 140 % of it, drawn), so that the demo shows
both shortages and surpluses. Deterministic for a seed; no coordinates (none are known)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import numpy as np

from renkou.jurisdictions import Jurisdiction
from renkou.regions import gazetteer
from renkou.registry import Registry
from renkou.services.demand import norm_demand, norm_population
from renkou.services.facilities import FACILITY_TYPES
from renkou.services.norms import NormsLibrary
from renkou.services.population import age_table

SYNTH_FILE = "示范数据（合成）"
# The chance a street has a facility of the type at all (the rest show as full gaps).
PRESENCE = 0.85


def streets_of(jurisdiction: Jurisdiction, present: Iterable[str] = ()) -> list[str]:
    """The 街镇 codes of the jurisdiction: its areas, or the streets of its districts the
    gazetteer knows together with the 9-digit codes ``present`` in a store that lie in one
    of its areas."""
    if jurisdiction.area_level == "street":
        return list(jurisdiction.area_codes)
    gaz = gazetteer()
    known = {s.code for a in jurisdiction.areas for s in gaz.children(a.code)
             if s.level == "street"}
    areas = set(jurisdiction.area_codes)
    known |= {c for c in present if len(c) == 9 and c.isdigit() and c[:6] in areas}
    return sorted(known)


def synth_rows(registry: Registry, norms: NormsLibrary, seed: int, as_of: dt.date
               ) -> list[dict[str, Any]]:
    """Inventory rows (the stored columns but the import stamp)."""
    ages = age_table(registry, as_of, "resident", "street")
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    opened = dt.date(as_of.year - 5, 1, 1)
    by_type = {n.facility_type: n for n in norms.area_norms(as_of)
               if n.kind != "coverage" and n.kind != "share_of"}
    for street in ages:
        pop = ages.get(street, np.zeros(1))
        beds = 0.0
        for key, ft in FACILITY_TYPES.items():
            draw, present = rng.uniform(0.4, 1.4), rng.uniform() < PRESENCE
            norm = by_type.get(key)
            if key == "nursing_beds":
                share = norms["nursing_beds"].at(as_of)
                capacity = round(beds * share * draw)
            elif key == "elderly_day_care":
                capacity = 1
            elif norm is None:
                continue
            else:
                people = norm_population(norm, pop)
                capacity = round(norm_demand(norm, norm.at(as_of), people,
                                             household_size=norms.household_size) * draw)
            if not present or capacity <= 0:
                continue
            if key == "elderly_beds":
                beds = capacity
            rows.append({"type": key, "name": f"{street}{ft.name}1", "street": street,
                         "capacity": float(capacity), "unit": ft.unit, "opened": opened,
                         "closed": None, "longitude": None, "latitude": None,
                         "source_file": SYNTH_FILE, "source_row": len(rows) + 1})
    return rows
