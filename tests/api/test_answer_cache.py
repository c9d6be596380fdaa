"""The answer cache of the aggregate routes: one computation per key and data version,
concurrent requests for a missing answer wait for the one computation, and after the version
moves on the previous answer is given while its successor is made in the background, one
refresh at a time; headers made with an answer (a list's count) are kept with it."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import pytest
from pydantic import BaseModel

from renkou.api.answers import AnswerCache


class Out(BaseModel):
    value: int


def test_one_computation_per_key_and_version() -> None:
    cache = AnswerCache()
    calls: list[int] = []

    def make(v: int) -> Out:
        calls.append(v)
        time.sleep(0.05)
        return Out(value=v)

    threads = [threading.Thread(target=cache.answer, args=(("k",), 1, lambda: make(1)))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [1]
    assert cache.answer(("k",), 1, lambda: make(99)).body == b'{"value":1}'
    assert cache.answer(("other",), 1, lambda: make(2)).body == b'{"value":2}'
    assert cache.answer(("k",), 2, lambda: make(3)).body == b'{"value":3}'
    assert calls == [1, 2, 3]


def test_previous_version_answers_while_the_new_one_is_made() -> None:
    cache = AnswerCache()
    cache.answer(("k",), 1, lambda: Out(value=1))
    started, release = threading.Event(), threading.Event()
    made: list[int] = []

    def slow() -> Out:
        made.append(2)
        started.set()
        release.wait(5)
        return Out(value=2)

    async def ask() -> bytes:
        r = await cache.respond(("k",), 2, slow)
        return bytes(r.body)

    assert asyncio.run(ask()) == b'{"value":1}'  # at once, the older answer
    assert started.wait(5)
    assert asyncio.run(ask()) == b'{"value":1}'  # still being made: not started twice
    release.set()
    for _ in range(100):
        if asyncio.run(ask()) == b'{"value":2}':
            break
        time.sleep(0.05)
    assert asyncio.run(ask()) == b'{"value":2}'
    assert made == [2]


def _wait_for(cache: AnswerCache, key: tuple[str], body: bytes) -> bytes:
    async def ask() -> bytes:
        return bytes((await cache.respond(key, 2, lambda: Out(value=-1))).body)

    got = b""
    for _ in range(200):
        got = asyncio.run(ask())
        if got == body:
            break
        time.sleep(0.02)
    return got


def test_one_refresh_at_a_time() -> None:
    cache = AnswerCache()
    for key in ("a", "b"):
        cache.answer((key,), 1, lambda: Out(value=1))
    running: list[str] = []
    overlap: list[tuple[str, ...]] = []
    first_started, release = threading.Event(), threading.Event()

    def slow(key: str, value: int) -> Out:
        running.append(key)
        overlap.append(tuple(running))
        if key == "a":
            first_started.set()
            release.wait(5)
        running.remove(key)
        return Out(value=value)

    async def ask(key: str, value: int) -> bytes:
        return bytes((await cache.respond((key,), 2, lambda: slow(key, value))).body)

    assert asyncio.run(ask("a", 20)) == b'{"value":1}'
    assert first_started.wait(5)
    assert asyncio.run(ask("b", 30)) == b'{"value":1}'
    time.sleep(0.2)
    assert overlap == [("a",)] and cache.refreshing() == 2  # b waits for a
    release.set()
    assert _wait_for(cache, ("a",), b'{"value":20}') == b'{"value":20}'
    assert _wait_for(cache, ("b",), b'{"value":30}') == b'{"value":30}'
    assert overlap == [("a",), ("b",)] and cache.refreshing() == 0


def test_headers_are_kept_with_the_answer() -> None:
    cache = AnswerCache()
    first = cache.answer(("list",), 1, lambda: (Out(value=1), {"X-Total-Count": "17"}))
    again = cache.answer(("list",), 1, lambda: (Out(value=2), {"X-Total-Count": "3"}))
    assert first.headers["X-Total-Count"] == again.headers["X-Total-Count"] == "17"
    assert again.body == b'{"value":1}'
    assert again.headers["content-length"] == str(len(b'{"value":1}'))


def test_a_failed_refresh_is_left_to_the_next_request() -> None:
    cache = AnswerCache()
    cache.answer(("k",), 1, lambda: Out(value=1))

    def broken() -> Out:
        raise RuntimeError("查询失败")

    async def ask(make: Callable[[], Out]) -> bytes:
        return bytes((await cache.respond(("k",), 2, make)).body)

    assert asyncio.run(ask(broken)) == b'{"value":1}'
    for _ in range(200):
        if cache.refreshing() == 0:
            break
        time.sleep(0.02)
    # The failed refresh dropped the old answer: the next request makes it and would see
    # the error itself, instead of the old answer being served for ever.
    with pytest.raises(RuntimeError, match="查询失败"):
        asyncio.run(ask(broken))
    assert asyncio.run(ask(lambda: Out(value=2))) == b'{"value":2}'
