"""Population base registry (人口基础信息库): department feeds, validation and quarantine,
a temporal record store on DuckDB, statistical calibers, 人户分离 and flows.

Higher layers use :class:`renkou.registry.Registry` only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from renkou.registry.facade import Registry
    from renkou.registry.origin import Provenance, record_origin
    from renkou.registry.store import StoreHost

__all__ = ["Provenance", "Registry", "StoreHost", "record_origin"]


def __getattr__(name: str) -> Any:
    # Lazy, so that importing renkou.registry.synth does not load DuckDB and the facade.
    if name == "Registry":
        from renkou.registry.facade import Registry

        return Registry
    if name == "StoreHost":
        from renkou.registry.store import StoreHost

        return StoreHost
    if name in ("Provenance", "record_origin"):
        from renkou.registry import origin

        return getattr(origin, name)
    raise AttributeError(name)
