"""``renkou plans zones``: function zones (功能区) of a store — a template to fill in, the
import of a zone file, and what is defined (the plan indicators it makes computable)."""

from __future__ import annotations

from pathlib import Path

import typer

from renkou.cli.plans import plans_app

zones_app = typer.Typer(help="功能区范围（由街镇组成）：模板、导入与查看 / function zones",
                        no_args_is_help=True)


def _store(db: Path | None) -> Path:
    from renkou.cli.services import _store as store

    return store(db)


@zones_app.command("template")
def template_command(
    out: Path = typer.Option(..., "--out", help="写出的功能区文件 ZONES.yaml"),
    db: Path | None = typer.Option(None, "--db", help="数据库文件 / store"),
) -> None:
    """写出库所属辖区的功能区文件模板：规划中提到的功能区与可选街镇代码。"""
    from renkou.app import zones

    out.write_text(zones.template(_store(db)), encoding="utf-8")
    typer.echo(f"已写入 {out}（填写各功能区的街镇与范围依据后用 renkou plans zones import 导入）")


@zones_app.command("import")
def import_command(
    file: Path = typer.Argument(..., help="功能区文件 ZONES.yaml"),
    db: Path | None = typer.Option(None, "--db", help="数据库文件 / store"),
) -> None:
    """校验功能区文件并导入（替换库中原有的功能区范围）。"""
    from renkou.app import zones

    saved = zones.import_zones(_store(db), file)
    typer.echo(f"已导入 {len(saved)} 个功能区：")
    for zone in saved:
        typer.echo(f"  {zone.describe()}")
    _indicators(db)


@zones_app.command("show")
def show_command(db: Path | None = typer.Option(None, "--db", help="数据库文件 / store")
                 ) -> None:
    """列出库中的功能区范围，以及规划中以功能区为范围的指标是计算还是填报。"""
    from renkou.app import zones

    defined, _ = zones.zones(_store(db))
    if not defined:
        typer.echo("库中尚未定义功能区（renkou plans zones template 生成模板）")
    for zone in defined:
        typer.echo(zone.describe())
    _indicators(db)


def _indicators(db: Path | None) -> None:
    from renkou.app import zones

    _, indicators = zones.zones(_store(db))
    for ind in indicators:
        how = ("由库计算" if ind.computed
               else f"部门填报（未定义：{'、'.join(ind.missing)}）")
        typer.echo(f"{ind.code} {ind.name}：{how}")


def register(root: typer.Typer) -> None:
    # A subgroup of ``renkou plans`` (registered on the root by cli/plans.py, which sorts
    # before this module).
    plans_app.add_typer(zones_app, name="zones")
