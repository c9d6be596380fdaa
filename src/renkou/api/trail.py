"""What the action routes share: the audit entry of an export or a person-level read (written
after the read has let go of the store, as the one writer), the small-cell threshold of a
caller, and a file answer whose name may be Chinese."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd
from fastapi import Request
from fastapi.responses import FileResponse

from renkou.api.deps import User, client_of
from renkou.api.gate import StoreGate
from renkou.api.scoping import own_plan
from renkou.app.assessment import default_plan
from renkou.app.audit import record_at
from renkou.app.dashboard import Dashboard
from renkou.app.stores import StoreSummary
from renkou.auth.redact import redact_ids
from renkou.auth.roles import UNSUPPRESSED, Role
from renkou.plans import Plan, get_plan, list_plans
from renkou.settings import Settings

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HTML = "text/html; charset=utf-8"


def threshold(user: User, settings: Settings) -> int | None:
    """Small-cell threshold of this user's tables; None for roles that see them whole."""
    if user.role in UNSUPPRESSED:
        return None
    return settings.disclosure_threshold


def audit(gate: StoreGate, db: Path, user: User, request: Request, action: str,
          target: str = "", detail: dict[str, object] | None = None,
          outcome: str = "ok") -> None:
    """One audit entry for ``user``'s request (the request must hold no read of the store)."""
    with gate.writing(db):
        record_at(db, actor=user.username, role=user.role.value, action=action, target=target,
                  outcome=outcome, detail=detail, client=client_of(request))


@contextmanager
def summary_reading(gate: StoreGate, dashboard: Dashboard, db: Path) -> Iterator[StoreSummary]:
    """Read the store (its summary at hand) and let go of it at the end of the block: for
    routes that write an audit entry after reading."""
    with gate.reading():
        yield dashboard.summary(db)


def file_responses(*media_types: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI description of a route that answers a file of one of ``media_types``."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"description": "文件（附件）",
                  "content": {kind.split(";")[0]: binary for kind in media_types}}}


def download(path: Path, filename: str, media_type: str) -> FileResponse:
    """The file as an attachment; the name in RFC 5987 form so that Chinese names survive."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    disposition = (f"attachment; filename=\"{ascii_name}\"; "
                   f"filename*=UTF-8''{quote(filename)}")
    return FileResponse(path, media_type=media_type,
                        headers={"Content-Disposition": disposition})


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A table's rows as dicts of plain JSON values (NaN and NaT as None, numpy scalars as
    Python numbers, dates as ISO text), with ID-like text redacted."""
    out: list[dict[str, Any]] = []
    for row in frame.to_dict(orient="records"):
        item: dict[str, Any] = {}
        for key, value in row.items():
            if value is None or (not isinstance(value, (str, bytes)) and pd.isna(value)):
                item[str(key)] = None
            elif isinstance(value, np.generic):
                item[str(key)] = value.item()
            elif isinstance(value, (dt.date, pd.Timestamp)):
                item[str(key)] = value.isoformat()
            elif isinstance(value, str):
                item[str(key)] = redact_ids(value)
            else:
                item[str(key)] = value
        out.append(item)
    return out


def plan_for(user: User, summary: StoreSummary, code: str | None, *,
             any_plan_area: bool = False) -> Plan:
    """The plan asked for, else the jurisdiction's first plan — for a district account the
    first plan of its own district. A district account asking for another area's plan is
    refused (403); ``any_plan_area``: a plan of the whole jurisdiction is allowed too (for
    views whose area the route checks itself)."""
    if code is None and user.role is Role.district:
        code = next((p.code for p in list_plans() if p.area_code == user.district), None)
    plan = get_plan(code or default_plan(summary.jurisdiction))
    whole = any_plan_area and plan.area_code == summary.jurisdiction.code
    own_plan(user, user.district if whole and user.role is Role.district else plan.area_code)
    return plan
