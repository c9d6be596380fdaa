"""Pagination of list routes: ``limit`` and ``offset`` in the query, the full count in the
``X-Total-Count`` header (the body stays a plain list)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Query, Response

DEFAULT_LIMIT = 200
MAX_LIMIT = 1000

T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int

    def apply(self, items: Sequence[T], response: Response) -> list[T]:
        response.headers["X-Total-Count"] = str(len(items))
        return list(items[self.offset:self.offset + self.limit])


def page(limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="每页条数")] = DEFAULT_LIMIT,
         offset: Annotated[int, Query(ge=0, description="跳过的条数")] = 0) -> Page:
    return Page(limit=limit, offset=offset)


PageDep = Annotated[Page, Depends(page)]
