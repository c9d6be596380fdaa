"""Request dependencies: settings, the served store, its summary and a read-only registry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from renkou.app.dashboard import Dashboard
from renkou.app.stores import StoreSummary, open_registry
from renkou.errors import StoreError
from renkou.registry import Registry
from renkou.settings import Settings


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def get_database(settings: SettingsDep) -> Path:
    path = settings.database
    if not path.exists():
        raise StoreError(f"数据库不存在：{path}（请先运行 renkou demo 或 renkou registry ingest）")
    return path


DatabaseDep = Annotated[Path, Depends(get_database)]


def get_dashboard(request: Request) -> Dashboard:
    dashboard: Dashboard = request.app.state.dashboard
    return dashboard


DashboardDep = Annotated[Dashboard, Depends(get_dashboard)]


def get_summary(db: DatabaseDep, dashboard: DashboardDep) -> StoreSummary:
    return dashboard.summary(db)


SummaryDep = Annotated[StoreSummary, Depends(get_summary)]


def get_registry(db: DatabaseDep) -> Iterator[Registry]:
    registry = open_registry(db, read_only=True)
    try:
        yield registry
    finally:
        registry.close()


RegistryDep = Annotated[Registry, Depends(get_registry)]
