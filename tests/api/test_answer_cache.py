"""The answer cache of the aggregate routes: one computation per key and data version,
concurrent requests for a missing answer wait for the one computation, and after the version
moves on the previous answer is given while its successor is made in the background."""

from __future__ import annotations

import asyncio
import threading
import time

from pydantic import BaseModel

from renkou.api.deps import AnswerCache


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
