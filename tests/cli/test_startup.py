"""Start-up cost of the ``renkou`` command: every command module is imported at start-up, so
none of them may import the application layer or the heavy libraries at module level."""

import subprocess
import sys

from renkou.cli import _choices
from renkou.demography.variants import VARIANTS
from renkou.rules.schemes import scheme_keys

HEAVY = ("scipy", "pandas", "numpy", "openpyxl", "renkou.app", "renkou.plans",
         "renkou.services", "renkou.impact", "renkou.projection", "renkou.demography",
         "renkou.registry")


def test_start_up_imports_no_heavy_module() -> None:
    code = ("import renkou.cli.main, sys; "
            f"print('\\n'.join(sorted(m for m in sys.modules if m.startswith({HEAVY!r}))))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "无法加载" not in r.stderr, r.stderr  # a command group that failed to load
    loaded = [m for m in r.stdout.split() if m]
    assert loaded == [], loaded


def test_help_choices_match_their_packages() -> None:
    assert _choices.VARIANTS == VARIANTS
    assert _choices.scheme_keys() == scheme_keys()
