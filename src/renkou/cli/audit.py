"""``renkou audit``: check and read a store's audit log (审计日志)."""

from __future__ import annotations

from pathlib import Path

import typer

from renkou.errors import StoreError

audit_app = typer.Typer(help="审计日志：校验哈希链、查看。 The audit log of a store.",
                        no_args_is_help=True)

DB = typer.Option(..., "--db", help="DuckDB 数据库文件 / store file")


@audit_app.command("verify")
def verify(db: Path = DB) -> None:
    """校验审计日志的哈希链：条目被改动或删除时报错。 Verify the hash chain."""
    from renkou.app.audit import verify_store

    verdict = verify_store(db)
    if not verdict.ok:
        raise StoreError(f"审计日志校验失败（共 {verdict.entries} 条）：" +
                         "；".join(verdict.problems))
    typer.echo(f"审计日志完整：共 {verdict.entries} 条，哈希链校验通过")


@audit_app.command("show")
def show(db: Path = DB, limit: int = typer.Option(50, help="显示条数 / entries")) -> None:
    """显示最近的审计条目。 Show the latest entries."""
    from renkou.app.audit import read_entries

    for e in read_entries(db)[:limit]:
        typer.echo(f"{e.seq}\t{e.at}\t{e.actor}\t{e.role or '-'}\t{e.action}\t"
                   f"{e.target or '-'}\t{e.outcome}\t{e.detail}")


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
