"""Entry point of the ``renkou`` command (命令行入口).

Command modules in this package are discovered at start-up, so that each group lives in
its own file and adding one needs no edit here. Domain errors become exit codes here."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

from renkou import __version__
from renkou.errors import RenkouError
from renkou.logs import configure_logging

app = typer.Typer(
    name="renkou",
    help="renkou 人口发展规划监测与决策支持系统 — population development planning, "
    "monitoring and decision support.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_SKIP = {"main", "common"}


def _register_all() -> None:
    import renkou.cli as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.name in _SKIP or info.name.startswith("_"):
            continue
        try:
            module = importlib.import_module(f"renkou.cli.{info.name}")
        except Exception as exc:
            # One broken command group must not take the others down with it.
            typer.echo(f"警告：命令组 {info.name} 无法加载（{exc}）", err=True)
            continue
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"renkou {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="显示版本 / show version",
                                 callback=_show_version, is_eager=True),
) -> None:
    """renkou 人口发展规划监测与决策支持系统。"""


_register_all()


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (domain errors become their own codes)."""
    configure_logging()
    try:
        # Standalone mode lets click report usage errors; it ends with SystemExit.
        app(args=argv, prog_name="renkou")
    except RenkouError as exc:
        typer.echo(f"错误：{exc}", err=True)
        return exc.exit_code
    except SystemExit as exc:
        if exc.code is None:
            return 0
        return exc.code if isinstance(exc.code, int) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
