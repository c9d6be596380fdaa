"""Fixtures of the browser tests: Chromium (a missing browser fails, never skips), demo stores
built once per session, and a copy of the Tianjin store served by one server per test
module."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# The suite imports test modules by path (--import-mode=importlib): the browser tests'
# shared helpers are found beside them.
sys.path.insert(0, str(Path(__file__).parent))

from browser_kit import CHROMIUM, CHROMIUM_ARGS, Server, build_store, store_copy


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    # A missing browser is a failure, not a skip: the page is part of the product.
    assert CHROMIUM.is_file(), (f"找不到 {CHROMIUM}：请安装 Debian 的 chromium 与 "
                                "fonts-wqy-microhei（make system-deps）")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """Demo stores built once per session, by jurisdiction key."""
    data_dir = tmp_path_factory.mktemp("web-stores")
    built: dict[str, Path] = {}

    class Stores(dict[str, Path]):
        def __missing__(self, key: str) -> Path:
            from renkou.settings import get_settings

            # Built under test settings whichever test asks first.
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("RENKOU_ENV", "test")
                mp.setenv("RENKOU_DATA_DIR", str(data_dir))
                get_settings.cache_clear()
                built[key] = build_store(data_dir, key)
            get_settings.cache_clear()
            self[key] = built[key]
            return built[key]

    yield Stores()


@pytest.fixture(scope="module")
def tianjin(stores: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[tuple[Path, Server]]:
    """A copy of the Tianjin demo store, served for one test module: what a module uploads
    or records stays in its copy, whichever order the modules run in (a server of its own
    per module also keeps each module's logins within the per-address login rate limit)."""
    db = store_copy(stores["tianjin"], tmp_path_factory.mktemp("tianjin"))
    with Server(db) as server:
        yield db, server
