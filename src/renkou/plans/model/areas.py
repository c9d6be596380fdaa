"""Areas an indicator is computed for (计算地区): a division code (the jurisdiction, a district
or a 街镇), or an area group of the store's jurisdiction (中心城区, 主城区, 镇 …).

A group is written ``group:<key>``; the data source resolves its members from the store's
jurisdiction (:meth:`renkou.jurisdictions.Jurisdiction.group`), so no city is named here."""

from __future__ import annotations

GROUP_PREFIX = "group:"


def group_area(key: str) -> str:
    """The area of the jurisdiction's group ``key`` (e.g. ``group:main`` = 主城区)."""
    return f"{GROUP_PREFIX}{key}"


def group_of(area: str) -> str | None:
    """The group key of a group area, None for a division code."""
    return area[len(GROUP_PREFIX):] if area.startswith(GROUP_PREFIX) else None
