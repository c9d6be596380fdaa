"""Request dependencies: settings, the served store, its summary, a read-only registry, and
who is asking (the session of a bearer token or of the session cookie) with their scopes."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

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


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def get_gate(request: Request) -> StoreGate:
    gate: StoreGate = request.app.state.gate
    return gate


GateDep = Annotated[StoreGate, Depends(get_gate)]


def get_sessions(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.sessions
    return sessions


SessionsDep = Annotated[Sessions, Depends(get_sessions)]


def get_database(settings: SettingsDep) -> Path:
    path = settings.database
    if not path.exists():
        raise StoreError(f"数据库不存在：{path}（请先运行 renkou demo 或 renkou registry ingest）")
    return path


DatabaseDep = Annotated[Path, Depends(get_database)]


def get_dashboard(request: Request) -> Dashboard:
    dashboard: Dashboard = request.app.state.dashboard
    return dashboard


DashboardDep = Annotated[Dashboard, Depends(get_dashboard)]


def hold_read(gate: GateDep) -> Iterator[None]:
    """The request reads the store: held once per request (FastAPI caches a dependency
    within a request), so that a request never waits for itself behind a writer."""
    with gate.reading():
        yield


ReadingDep = Annotated[None, Depends(hold_read)]


def get_summary(db: DatabaseDep, dashboard: DashboardDep, _: ReadingDep) -> StoreSummary:
    return dashboard.summary(db)


SummaryDep = Annotated[StoreSummary, Depends(get_summary)]


def get_registry(db: DatabaseDep, _: ReadingDep) -> Iterator[Registry]:
    registry = open_registry(db, read_only=True)
    try:
        yield registry
    finally:
        registry.close()


RegistryDep = Annotated[Registry, Depends(get_registry)]


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


def current_user(request: Request, sessions: SessionsDep,
                 _: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None
                 ) -> User:
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
    if session is None or not _account_stands(session, request, token, sessions):
        raise _unauthorised("请先登录" if not token else "会话无效或已过期，请重新登录")
    if by_cookie and request.method not in _SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), session.csrf.encode()):
            raise HTTPException(status_code=403, detail="缺少或错误的 CSRF 令牌")
    return User(username=session.username, role=session.role, department=session.department,
                district=session.district, token=token, by_cookie=by_cookie)


UserDep = Annotated[User, Depends(current_user)]


def require(scope: Scope) -> Callable[[User], User]:
    """A dependency that lets only roles holding ``scope`` through (403 for the others)."""

    def check(user: UserDep) -> User:
        if not user.may(scope):
            raise HTTPException(status_code=403, detail="当前角色无权访问此功能")
        return user

    return check


def forbid(detail: str) -> HTTPException:
    return HTTPException(status_code=403, detail=detail)


def client_of(request: Request) -> str:
    return request.client.host if request.client else ""
