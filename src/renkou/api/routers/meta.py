"""Service metadata and health."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter

from renkou import __version__
from renkou.api.routers.population import CALIBER_NAMES, DEFAULT_AS_OF
from renkou.api.schemas import MetaOut

router = APIRouter(prefix="/api", tags=["meta"])


@router.get("/meta", response_model=MetaOut)
def meta() -> MetaOut:
    return MetaOut(version=__version__, default_as_of=DEFAULT_AS_OF,
                   as_of_choices=[dt.date(2020, 11, 1), DEFAULT_AS_OF], calibers=CALIBER_NAMES)


@router.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
