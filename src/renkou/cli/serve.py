"""``renkou serve`` and ``renkou demo``: the dashboard (仪表盘) of one store, and the synthetic
demo store of a jurisdiction (built once by :func:`renkou.app.demo.build_demo`)."""

from __future__ import annotations

from pathlib import Path

import typer

from renkou.auth.roles import ROLE_LABELS
from renkou.settings import Settings, get_settings


def _say(text: str) -> None:
    typer.echo(text, err=True)


def _serve(settings: Settings, db: Path, host: str, port: int) -> None:
    import uvicorn

    from renkou.api.app import create_app, refresh_apart, warm
    from renkou.app.accounts import list_users

    settings.require_key_secrets(db)  # production refuses to start without keys
    app = create_app(settings.model_copy(update={"db_path": db}))
    if not list_users(db):
        _say(f"提示：库中尚无用户，无法登录。请先添加管理员：renkou users add NAME --role admin "
             f"--password-stdin --db {db}")
    refresh_apart(app)
    warm(app, db)
    typer.echo(f"仪表盘地址 dashboard: http://{host}:{port}/  （Ctrl+C 退出）")
    uvicorn.run(app, host=host, port=port, log_level="warning")


def serve(
    host: str = typer.Option(None, help="监听地址 / host (default from settings)"),
    port: int = typer.Option(None, help="端口 / port (default 8000)"),
    db: Path = typer.Option(None, help="DuckDB 数据库文件 / store file (默认为示范库)"),
) -> None:
    """启动网页仪表盘与 API。 Serve the dashboard and the JSON API for one store."""
    from renkou.app.demo import default_store
    from renkou.errors import StoreError

    settings = get_settings()
    if db is not None and not db.exists():
        raise StoreError(f"数据库文件不存在：{db}")
    path = db if db is not None else default_store(settings, progress=_say)
    _serve(settings, path, host or settings.host, port or settings.port)


def demo(
    jurisdiction: str = typer.Option(None, "--jurisdiction",
                                     help="辖区键 / jurisdiction key (默认 RENKOU_JURISDICTION)"),
    data_dir: Path = typer.Option(None, "--data-dir", help="数据目录 / data folder"),
    persons: int = typer.Option(None, help="示范数据人数 / persons in the demo city"),
    seed: int = typer.Option(None, help="随机种子 / seed"),
    rebuild: bool = typer.Option(False, help="重新构建 / rebuild the store"),
    no_serve: bool = typer.Option(False, "--no-serve", help="只构建不启动 / build only"),
    host: str = typer.Option(None, help="监听地址 / host"),
    port: int = typer.Option(None, help="端口 / port"),
) -> None:
    """构建辖区的示范数据库（合成数据）并启动仪表盘。 Build a jurisdiction's demo store (once)
    and serve the dashboard."""
    from renkou.app.accounts import ensure_demo_accounts
    from renkou.app.demo import build_demo
    from renkou.errors import ConfigError

    settings = get_settings()
    if settings.env == "production":
        raise ConfigError("生产环境（RENKOU_ENV=production）不提供示范库与示范账户")
    db = build_demo(data_dir or settings.data_dir,
                    jurisdiction=jurisdiction or settings.jurisdiction,
                    persons=persons or settings.demo_persons,
                    seed=settings.demo_seed if seed is None else seed,
                    force=rebuild, progress=_say)
    logins = ensure_demo_accounts(db, production=False)
    typer.echo(str(db))
    _say("示范账户（仅用于示范库，生产环境不可用）/ demo-only accounts:")
    for d in logins:
        bound = f"，{d.scope}" if d.scope else ""
        _say(f"  {d.role.value:<13} 用户名 {d.username:<18} 口令 {d.password}"
             f"（{ROLE_LABELS[d.role]}{bound}）")
    _say("在页面上以上述任一账户登录；API 用 POST /api/auth/login 取得访问令牌。")
    if not no_serve:
        _serve(settings, db, host or settings.host, port or settings.port)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("demo")(demo)
