"""What the plan commands (assess, indicators, report, tasks) share: the store a command
reads (``--db``, else the configured store or the demo store of the configured
jurisdiction, built on first use) and the ``--scale`` override."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from renkou.errors import InputError, StoreError
from renkou.settings import get_settings

if TYPE_CHECKING:  # the application layer is imported when a command runs, not at start-up
    from renkou.app.assessment import Scale
    from renkou.registry import Registry

DB_HELP = "数据库文件（默认：配置的数据库，或所配置辖区的示范库）/ store file"
PLAN_HELP = "规划代码，如 chongqing-2016-2030（默认：库所属辖区的第一个规划）"
SCALE_HELP = ("总量折算系数：默认按库的来源（合成示范库按七普和公布户籍人口折算，真实库不折算）；"
              "auto 强制折算，或一个正数 / persons per registry person for totals")


def store_path(db: Path | None) -> Path:
    """The store named by ``--db`` (which must exist), else the default store."""
    if db is not None:
        if not db.exists():
            raise StoreError(f"数据库文件不存在：{db}")
        return db
    from renkou.app.demo import default_store

    return default_store(get_settings(), progress=lambda line: typer.echo(line, err=True))


def open_store(db: Path | None, *, read_only: bool = False) -> Registry:
    from renkou.app.stores import open_registry

    return open_registry(store_path(db), read_only=read_only)


def parse_scale(text: str | None) -> Scale:
    """``--scale``: None (follow the store), ``auto`` or a positive number."""
    if text is None:
        return None
    if text.strip().lower() == "auto":
        return "auto"
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"--scale 应为 auto 或正数，实际为 {text}") from None
    if value <= 0:
        raise InputError(f"--scale 应为正数，实际为 {value:g}")
    return value


def echo_notes(notes: tuple[str, ...], indent: str = "") -> None:
    for note in notes:
        typer.echo(f"{indent}注意：{note}。")
