"""``renkou serve`` and ``renkou demo``: the dashboard (仪表盘) and the embedded demo city."""

from __future__ import annotations

from pathlib import Path

import typer

from renkou.settings import get_settings


def _serve(host: str, port: int, db: Path | None) -> None:
    import uvicorn

    from renkou.api.app import create_app

    settings = get_settings()
    if db is not None:
        settings = settings.model_copy(update={"db_path": db})
    from renkou.api.routers.plans import warm_cache

    warm_cache(settings)
    typer.echo(f"仪表盘地址 dashboard: http://{host}:{port}/  （Ctrl+C 退出）")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


def serve(
    host: str = typer.Option(None, help="监听地址 / host (default from settings)"),
    port: int = typer.Option(None, help="端口 / port (default 8000)"),
    db: Path = typer.Option(None, help="DuckDB 数据库文件 / store file"),
) -> None:
    """启动网页仪表盘与 API。 Serve the dashboard and the JSON API."""
    s = get_settings()
    _serve(host or s.host, port or s.port, db)


def build_demo(data_dir: Path, persons: int, seed: int, *, force: bool = False) -> Path:
    """Build the embedded demo store once; later runs reuse it."""
    from renkou.registry.synth import build_demo_store

    db = data_dir / "renkou.duckdb"
    if db.exists() and not force:
        typer.echo(f"复用已构建的示范数据 reuse demo store: {db}")
        return db
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = db.with_suffix(".building.duckdb")
    tmp.unlink(missing_ok=True)
    typer.echo(f"正在构建示范城市（{persons:,} 人，种子 {seed}）… building demo city")
    build_demo_store(tmp, persons, seed)
    try:
        from renkou.plans.demo_seed import seed_demo_plans
        from renkou.registry import Registry
    except ImportError:  # plans layer not installed in this build
        pass
    else:
        registry = Registry(tmp)
        try:
            seed_demo_plans(registry, 2024)
        finally:
            registry.close()
    # Rename last, so an interrupted build never leaves a half store that later runs reuse.
    tmp.replace(db)
    typer.echo(f"示范数据已构建 demo store built: {db}")
    return db


def demo(
    data_dir: Path = typer.Option(Path("data"), "--data-dir", help="数据目录 / data folder"),
    persons: int = typer.Option(200_000, help="示范城市人数 / persons in the demo city"),
    seed: int = typer.Option(2020, help="随机种子 / seed"),
    rebuild: bool = typer.Option(False, help="重新构建 / rebuild the store"),
    no_serve: bool = typer.Option(False, "--no-serve", help="只构建不启动 / build only"),
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000),
) -> None:
    """构建内置示范城市并启动仪表盘。 Build the demo city (once) and serve the dashboard."""
    db = build_demo(data_dir, persons, seed, force=rebuild)
    if not no_serve:
        _serve(host, port, db)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("demo")(demo)
