"""``renkou users``: accounts of a store (用户管理)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from renkou.auth.roles import ROLE_LABELS
from renkou.errors import InputError

users_app = typer.Typer(help="用户管理：添加、列出、停用、重置口令。 Accounts of a store.",
                        no_args_is_help=True)

DB = typer.Option(..., "--db", help="DuckDB 数据库文件 / store file")


def _read_password(from_stdin: bool) -> str:
    if not from_stdin:
        raise InputError("请以 --password-stdin 从标准输入提供口令（不在命令行上明文传递）")
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise InputError("标准输入中没有口令")
    return password


@users_app.command("add")
def add(
    name: str = typer.Argument(..., help="用户名"),
    role: str = typer.Option(..., "--role", help="角色：admin planner statistician department "
                             "district auditor"),
    department: str = typer.Option(None, "--department", help="部门代码（department 角色）"),
    district: str = typer.Option(None, "--district", help="区县代码（district 角色）"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="从标准输入读口令"),
    db: Path = DB,
) -> None:
    """添加用户。 Add an account (password read from standard input)."""
    from renkou.app.accounts import add_user

    account = add_user(db, name, role, _read_password(password_stdin),
                       department=department, district=district)
    typer.echo(f"已添加用户 {account.username}（{ROLE_LABELS[account.role_id]}）")


@users_app.command("list")
def list_(db: Path = DB) -> None:
    """列出用户。 List the accounts."""
    import time

    from renkou.app.accounts import list_users

    now = time.time()
    typer.echo("用户名\t角色\t部门\t区县\t状态")
    for a in list_users(db):
        state = "已停用" if a.disabled else ("已锁定" if a.locked(now) else "正常")
        if a.demo:
            state += "（示范账户）"
        typer.echo(f"{a.username}\t{a.role}\t{a.department or '-'}\t{a.district or '-'}\t{state}")


@users_app.command("disable")
def disable(name: str = typer.Argument(..., help="用户名"), db: Path = DB) -> None:
    """停用用户。 Disable an account."""
    from renkou.app.accounts import disable_user

    disable_user(db, name)
    typer.echo(f"已停用用户 {name}")


@users_app.command("reset-password")
def reset_password(
    name: str = typer.Argument(..., help="用户名"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="从标准输入读口令"),
    db: Path = DB,
) -> None:
    """重置口令（同时解除锁定并启用）。 Set a new password; lifts a lockout."""
    from renkou.app.accounts import reset_password as reset

    reset(db, name, _read_password(password_stdin))
    typer.echo(f"已重置用户 {name} 的口令")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
