"""Areas an indicator is computed for (计算地区): a division code (the jurisdiction, a district
or a 街镇), an area group of the store's jurisdiction (中心城区, 主城区, 镇 …) or function
zones (功能区) the store defines.

A group is written ``group:<key>``; the data source resolves its members from the store's
jurisdiction (:meth:`renkou.jurisdictions.Jurisdiction.group`), so no city is named here.
Zones are written ``zone:<name>|<name>…``: their 街镇 come from the zone definitions
imported into the store (:mod:`renkou.plans.zones`)."""

from __future__ import annotations

GROUP_PREFIX = "group:"


def group_area(key: str) -> str:
    """The area of the jurisdiction's group ``key`` (e.g. ``group:main`` = 主城区)."""
    return f"{GROUP_PREFIX}{key}"


def group_of(area: str) -> str | None:
    """The group key of a group area, None for a division code."""
    return area[len(GROUP_PREFIX):] if area.startswith(GROUP_PREFIX) else None


ZONE_PREFIX = "zone:"
ZONE_SEPARATOR = "|"


def zone_area(names: tuple[str, ...] | list[str]) -> str:
    """The area of one or more function zones (their counts are added zone by zone)."""
    return ZONE_PREFIX + ZONE_SEPARATOR.join(names)


def zones_of(area: str) -> tuple[str, ...] | None:
    """The zone names of a zone area, None for any other area."""
    if not area.startswith(ZONE_PREFIX):
        return None
    return tuple(area[len(ZONE_PREFIX):].split(ZONE_SEPARATOR))
