"""Rendered answers of the aggregate routes (pyramids, area totals, assessments, warnings,
indicator drill-downs), kept per data version of the store.

Many users opening the same pages cost one query and one rendering per key, not one per
request. Only aggregates that are the same for every user of a key go in: a key names the
disclosure threshold and any filter by the user's department, and the route checks the
user's scope before it looks the key up.

When an ingest commits, the version moves on. An answer of the previous version is still
given while its successor is made in the background — one refresh at a time, so that the
refreshes after an ingest (a plan assessment of a large store takes a minute) leave a core
to the requests — and the pages keep answering from the last state they computed instead of
every request waiting for the new data's computations. A server computes those refreshes in a
child process (``workers``, :class:`renkou.app.workers.StoreWorkers`): in its own process the
computation would hold the GIL and every request would wait behind it. So a route's maker is
a recipe that pickles — a module-level function with its arguments (``functools.partial``)
— and the child sends back the rendered body."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from fastapi import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

# What a route makes: the body, or the body with headers of its own (a paged list's count).
Made = BaseModel | tuple[BaseModel, Mapping[str, str]]
Maker = Callable[[], Made]
Rendered = tuple[bytes, tuple[tuple[str, str], ...]]
T = TypeVar("T")


class Workers(Protocol):
    """Where refreshes are computed apart from the server (a child process)."""

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]: ...


@dataclass(frozen=True)
class _Kept:
    version: object
    body: bytes
    headers: tuple[tuple[str, str], ...]

    def response(self) -> Response:
        return Response(self.body, media_type="application/json", headers=dict(self.headers))


def _render(version: object, made: Made) -> _Kept:
    model, headers = made if isinstance(made, tuple) else (made, {})
    return _Kept(version, model.model_dump_json().encode("utf-8"), tuple(headers.items()))


def rendered(make: Maker) -> Rendered:
    """The body and headers ``make`` gives (run in the child)."""
    kept = _render(None, make())
    return kept.body, kept.headers


class AnswerCache:
    """Rendered answers by key, each with the data version it was made for."""

    def __init__(self, size: int = 2048, workers: Workers | None = None) -> None:
        self.size = size
        self._workers = workers
        self._kept: OrderedDict[Hashable, _Kept] = OrderedDict()
        self._lock = threading.Lock()
        self._making: dict[Hashable, threading.Lock] = {}
        self._refreshing: set[Hashable] = set()
        self._background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="answers")

    def answer(self, key: Hashable, version: object, make: Maker) -> Response:
        """The answer of ``version``, made here when missing or older."""
        return self._current(key, version, make).response()

    async def respond(self, key: Hashable, version: object, make: Maker) -> Response:
        """:meth:`answer` for a coroutine route: a known answer at once (an older version's
        while the new one is made in the background), a missing one made in a thread."""
        known = self._get(key)
        if known is None:
            return await run_in_threadpool(self.answer, key, version, make)
        if known.version != version:
            self._refresh(key, version, make)
        return known.response()

    def refreshing(self) -> int:
        """How many answers are being made again for a newer version (queued or running)."""
        with self._lock:
            return len(self._refreshing)

    def _current(self, key: Hashable, version: object, make: Maker) -> _Kept:
        known = self._get(key)
        if known is not None and known.version == version:
            return known
        with self._lock:
            making = self._making.setdefault(key, threading.Lock())
        # One request computes a missing answer; the others wait for it instead of running
        # the same query fifty times on a cold store.
        with making:
            known = self._get(key)
            if known is None or known.version != version:
                known = _render(version, make())
                self._keep(key, known)
        with self._lock:
            self._making.pop(key, None)
        return known

    def _refresh(self, key: Hashable, version: object, make: Maker) -> None:
        with self._lock:
            if key in self._refreshing:
                return
            self._refreshing.add(key)
        if self._workers is not None:
            try:
                future = self._workers.submit(rendered, make)
            except Exception:  # no child to be had: the next request makes it here
                self._landed(key, version, None)
                return
            future.add_done_callback(lambda done: self._landed(key, version, done))
            return

        def run() -> None:
            try:
                self._current(key, version, make)
            except Exception:  # the next request misses and reports the error itself
                with self._lock:
                    self._kept.pop(key, None)
            finally:
                with self._lock:
                    self._refreshing.discard(key)

        self._background.submit(run)

    def _landed(self, key: Hashable, version: object, done: Future[Rendered] | None) -> None:
        """A refresh of the child: kept, or on an error (a failing recipe, a lost child)
        forgotten, so that the next request misses and reports the error itself."""
        try:
            if done is None:
                raise RuntimeError("no child")
            body, headers = done.result()
        except Exception:
            with self._lock:
                self._kept.pop(key, None)
        else:
            self._keep(key, _Kept(version, body, headers))
        finally:
            with self._lock:
                self._refreshing.discard(key)

    def _keep(self, key: Hashable, kept: _Kept) -> None:
        with self._lock:
            self._kept[key] = kept
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def _get(self, key: Hashable) -> _Kept | None:
        with self._lock:
            known = self._kept.get(key)
            if known is not None:
                self._kept.move_to_end(key)
            return known
