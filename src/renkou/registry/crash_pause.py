"""A pause for crash tests inside a writing transaction (ingest, key rotation)."""

from __future__ import annotations

import os
import time
from pathlib import Path


def crash_test_pause(variable: str) -> None:
    """Crash tests only: with ``variable`` (e.g. RENKOU_TEST_PAUSE_INGEST) set to a number of
    seconds, wait inside the transaction after everything is written but before COMMIT,
    announcing it by creating the file named in RENKOU_TEST_PAUSE_MARK, so a test can kill
    the process there. Read from the environment at call time on purpose: the test drives a
    real ``renkou`` process, and the environment is its only channel into that process."""
    seconds = os.environ.get(variable)
    if not seconds:
        return
    mark = os.environ.get("RENKOU_TEST_PAUSE_MARK")
    if mark:
        Path(mark).write_text("paused", encoding="utf-8")
    time.sleep(float(seconds))
