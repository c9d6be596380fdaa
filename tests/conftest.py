"""Shared fixtures: every test runs with development keys and a throwaway data dir."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory: pytest.TempPathFactory,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    from renkou.settings import get_settings

    monkeypatch.setenv("RENKOU_ENV", "test")
    monkeypatch.setenv("RENKOU_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
