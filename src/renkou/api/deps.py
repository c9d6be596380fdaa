"""Request dependencies: settings, the served store, its summary, a read-only registry, and
who is asking (the session of a bearer token or of the session cookie) with their scopes.

The cheap ones are coroutines: FastAPI runs a plain function dependency in its thread pool,
and on a busy machine handing each of a request's ten dependencies to a worker thread and
back cost more than the request's own work. Whatever may touch the store (the summary of a
new data version, the periodic re-reading of a session's account) still goes to a thread."""

from __future__ import annotations

import hmac
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from renkou.api.answers import AnswerCache
from renkou.api.gate import StoreGate
from renkou.app.dashboard import Dashboard
from renkou.app.stores import StoreSummary, open_registry, registry_at
from renkou.auth.accounts import load as load_accounts
from renkou.auth.roles import SCOPES, Role, Scope
from renkou.auth.sessions import Session, Sessions
from renkou.errors import StoreError
from renkou.registry import Registry
from renkou.settings import Settings

SESSION_COOKIE = "renkou_session"
CSRF_COOKIE = "renkou_csrf"
CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SWITCH_INTERVAL = 0.0005  # seconds a thread may hold the GIL while another waits for it


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


async def get_gate(request: Request) -> StoreGate:
    gate: StoreGate = request.app.state.gate
    return gate


GateDep = Annotated[StoreGate, Depends(get_gate)]


async def get_sessions(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.sessions
    return sessions


SessionsDep = Annotated[Sessions, Depends(get_sessions)]


async def get_database(settings: SettingsDep) -> Path:
    path = settings.database
    if not path.exists():
        raise StoreError(f"数据库不存在：{path}（请先运行 renkou demo 或 renkou registry ingest）")
    return path


DatabaseDep = Annotated[Path, Depends(get_database)]


async def get_dashboard(request: Request) -> Dashboard:
    dashboard: Dashboard = request.app.state.dashboard
    return dashboard


DashboardDep = Annotated[Dashboard, Depends(get_dashboard)]


async def hold_read(gate: GateDep) -> AsyncIterator[None]:
    """The request reads the store: held once per request (FastAPI caches a dependency
    within a request), so that a request never waits for itself behind a writer."""
    with gate.reading():
        yield


ReadingDep = Annotated[None, Depends(hold_read)]

# Guards the application state's caches when the first requests create them.
_CACHE_LOCK = threading.Lock()


async def get_summary(request: Request, db: DatabaseDep, dashboard: DashboardDep,
                      gate: GateDep, _: ReadingDep) -> StoreSummary:
    """The dashboard's summary of the store, remembered here for its data version so that a
    request needs no thread for it; a new version's is made in a thread."""
    state = request.app.state
    version = gate.data_version(db)
    known: tuple[object, StoreSummary] | None = getattr(state, "summary_of_version", None)
    if known is not None and known[0] == version:
        return known[1]
    if known is not None:
        # After an ingest: the previous summary while the new one is made (once).
        with _CACHE_LOCK:
            start = not getattr(state, "summary_refreshing", False)
            state.summary_refreshing = True
        if start:
            def refresh() -> None:
                try:
                    state.summary_of_version = (version, dashboard.summary(db))
                finally:
                    state.summary_refreshing = False

            threading.Thread(target=refresh, name="summary", daemon=True).start()
        return known[1]
    summary = await run_in_threadpool(dashboard.summary, db)
    state.summary_of_version = (version, summary)
    return summary


SummaryDep = Annotated[StoreSummary, Depends(get_summary)]


def get_registry(db: DatabaseDep, _: ReadingDep) -> Iterator[Registry]:
    registry = open_registry(db, read_only=True)
    try:
        yield registry
    finally:
        registry.close()


RegistryDep = Annotated[Registry, Depends(get_registry)]


# ---- rendered answers of the aggregate routes (renkou.api.answers) ----------------------


async def get_answers(request: Request, db: DatabaseDep,
                      gate: GateDep) -> tuple[AnswerCache, object]:
    """The application's answer cache and the store's current data version."""
    state = request.app.state
    with _CACHE_LOCK:
        cache = getattr(state, "answers", None)
        if cache is None:
            cache = state.answers = AnswerCache(
                workers=getattr(state, "answer_workers", None))
            # The server's jobs and the answers made here (a key's first, or every one
            # without a child process) compute in threads beside the event loop; each
            # request needs the GIL several times, and at Python's default hand-over of
            # 5 ms the requests queue up behind a computation.
            sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
    return cache, gate.data_version(db)


AnswersDep = Annotated[tuple[AnswerCache, object], Depends(get_answers)]


# ---- who is asking ----------------------------------------------------------------------


@dataclass(frozen=True)
class User:
    """The account behind a request, as its session holds it."""

    username: str
    role: Role
    department: str
    district: str
    token: str
    by_cookie: bool

    def may(self, scope: Scope) -> bool:
        return scope in SCOPES[self.role]


def _unauthorised(detail: str = "请先登录") -> HTTPException:
    return HTTPException(status_code=401, detail=detail,
                         headers={"WWW-Authenticate": "Bearer"})


def _account_stands(session: Session, request: Request, token: str, sessions: Sessions) -> bool:
    """Re-read the session's account from the store now and then (when no writer holds the
    store); a disabled, changed or re-passworded account ends the session."""
    now = time.time()
    if not session.recheck_due(now):
        return True
    settings: Settings = request.app.state.settings
    gate: StoreGate = request.app.state.gate
    db = settings.database
    if not db.exists():
        return True
    with gate.try_reading() as reading:
        if not reading:
            return True  # checked on a later request
        with registry_at(db) as registry:
            account = load_accounts(registry).get(session.username)
    session.checked = now
    if session.still_valid(account):
        return True
    sessions.close(token)
    return False


# Declared so that the OpenAPI document (and Swagger UI's 授权 button) shows the bearer
# scheme; the token is read below, with the cookie as the alternative.
_bearer = HTTPBearer(auto_error=False, description="POST /api/auth/login 返回的 access_token")


async def current_user(request: Request, sessions: SessionsDep,
                       _: Annotated[HTTPAuthorizationCredentials | None,
                                    Depends(_bearer)] = None) -> User:
    """The session's user: a bearer token, else the session cookie — which on a
    state-changing request must come with the CSRF token in the ``X-CSRF-Token`` header."""
    auth = request.headers.get("authorization", "")
    by_cookie = False
    if auth.lower().startswith("bearer "):
        token = auth[7:].strip()
    else:
        token = request.cookies.get(SESSION_COOKIE, "")
        by_cookie = True
    session: Session | None = sessions.get(token) if token else None
    if session is not None and session.recheck_due(time.time()):
        stands = await run_in_threadpool(_account_stands, session, request, token, sessions)
    else:
        stands = session is not None
    if session is None or not stands:
        raise _unauthorised("请先登录" if not token else "会话无效或已过期，请重新登录")
    if by_cookie and request.method not in _SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), session.csrf.encode()):
            raise HTTPException(status_code=403, detail="缺少或错误的 CSRF 令牌")
    return User(username=session.username, role=session.role, department=session.department,
                district=session.district, token=token, by_cookie=by_cookie)


UserDep = Annotated[User, Depends(current_user)]


def require(scope: Scope) -> Callable[[User], Awaitable[User]]:
    """A dependency that lets only roles holding ``scope`` through (403 for the others)."""

    async def check(user: UserDep) -> User:
        if not user.may(scope):
            raise HTTPException(status_code=403, detail="当前角色无权访问此功能")
        return user

    return check


def forbid(detail: str) -> HTTPException:
    return HTTPException(status_code=403, detail=detail)


def client_of(request: Request) -> str:
    return request.client.host if request.client else ""
