"""Helpers shared by the plan commands (indicators, assess, report, tasks): opening the
registry named by ``--db`` or the embedded demo store, built on first use."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from renkou.errors import StoreError
from renkou.settings import get_settings

if TYPE_CHECKING:
    from renkou.registry import Registry


def demo_database() -> Path:
    """The embedded demo store; built (with the demo plan data) when missing."""
    settings = get_settings()
    db = settings.database
    if db.exists():
        return db
    if db == settings.data_dir / "renkou.duckdb":
        from renkou.cli.serve import build_demo

        return build_demo(settings.data_dir, settings.demo_persons, settings.demo_seed)
    from renkou.registry.synth import build_demo_store

    typer.echo(f"正在构建示范数据库 building demo store: {db}", err=True)
    db.parent.mkdir(parents=True, exist_ok=True)
    build_demo_store(db, settings.demo_persons, settings.demo_seed)
    _seed(db)
    return db


def _seed(db: Path) -> None:
    from renkou.plans.demo_seed import seed_demo_plans
    from renkou.registry import Registry

    registry = Registry(db)
    try:
        seed_demo_plans(registry, 2024)
    finally:
        registry.close()


def open_registry(db: Path | None, *, read_only: bool = False) -> Registry:
    """The registry at ``db``, or the demo store when ``db`` is None."""
    from renkou.registry import Registry

    path = db if db is not None else demo_database()
    if db is not None and not db.exists():
        raise StoreError(f"数据库文件不存在：{db}")
    return Registry(path, read_only=read_only)


SCALE_HELP = ("总量折算系数：auto 按七普常住人口折算（抽样规模的示范库默认），或一个数；"
              "指定 --db 时默认 1 / persons per registry person for totals")


def resolve_scale(text: str | None, db: Path | None) -> float | None:
    """None means "auto" (census_scale); the demo store is a down-scaled city."""
    from renkou.errors import InputError

    if text is None:
        return None if db is None else 1.0
    if text.strip().lower() == "auto":
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"--scale 应为 auto 或正数，实际为 {text}") from None
    if value <= 0:
        raise InputError(f"--scale 应为正数，实际为 {value}")
    return value
