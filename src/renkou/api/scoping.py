"""What a bound role may see: a ``district`` user its own district and the 街镇 in it, a
``department`` user its own department's indicators. Asking for more is 403, never an
empty or filtered answer that looks complete."""

from __future__ import annotations

from renkou.api.deps import User, forbid
from renkou.auth.roles import Role
from renkou.jurisdictions import Jurisdiction


def check_area(user: User, code: str) -> None:
    """``code`` (a division code) must lie in a district user's district."""
    if user.role is Role.district and not code.startswith(user.district):
        raise forbid(f"区级账户只能查看本区（{user.district}）及其街镇的数据")


def check_whole(user: User, j: Jurisdiction) -> None:
    """A table over all the jurisdiction's areas: only for a district user whose district
    is the jurisdiction itself."""
    check_area(user, j.code)


def own_plan(user: User, area_code: str) -> None:
    check_area(user, area_code)
