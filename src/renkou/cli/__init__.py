"""The ``renkou`` command line. One module per command group; each exposes
``register(root: typer.Typer) -> None`` and is discovered by ``main``."""
