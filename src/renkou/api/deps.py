"""Request dependencies: settings and a read-only registry per request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from fastapi import Request

from renkou.errors import StoreError
from renkou.registry import Registry
from renkou.settings import Settings


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def require_database(settings: Settings) -> Path:
    path = settings.database
    if not path.exists():
        raise StoreError(f"数据库不存在：{path}（请先运行 renkou demo 或 renkou registry ingest）")
    return path


def get_registry(request: Request) -> Iterator[Registry]:
    settings: Settings = request.app.state.settings
    registry = Registry(require_database(settings), read_only=True)
    try:
        yield registry
    finally:
        registry.close()
