"""Choices shown in option help texts, read without importing the packages that define them
(those pull in numpy and pandas, and typer builds every help text at start-up)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

# Same as renkou.demography.variants.VARIANTS (a test keeps them equal).
VARIANTS: tuple[str, ...] = ("medium", "low", "high", "constant-fertility", "zero-migration")

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def scheme_keys() -> tuple[str, ...]:
    """Keys of the shipped entitlement schemes: the rule files that name an engine (as
    renkou.rules.schemes.scheme_keys, without loading the schemes)."""
    keys: list[str] = []
    for path in sorted(Path(str(resources.files("renkou.rules") / "data")).glob("*.yaml")):
        try:
            doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
        except (OSError, yaml.YAMLError):
            continue  # the rules package reports a broken file when a command loads it
        if isinstance(doc, dict) and "engine" in doc and str(doc["scheme"]) not in keys:
            keys.append(str(doc["scheme"]))
    return tuple(keys)
