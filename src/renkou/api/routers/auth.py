"""Login, logout and who am I (登录). The only /api route open without a session is the
login itself."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response

from renkou.api.deps import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    DatabaseDep,
    GateDep,
    SessionsDep,
    SettingsDep,
    UserDep,
    client_of,
)
from renkou.api.schemas import LoginIn, LoginOut, MeOut
from renkou.app import accounts
from renkou.app.audit import record_at
from renkou.auth.roles import ROLE_LABELS, SCOPES
from renkou.auth.sessions import MAX_SECONDS

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post("/login", response_model=LoginOut)
def login(body: LoginIn, request: Request, response: Response, db: DatabaseDep,
          gate: GateDep, sessions: SessionsDep, settings: SettingsDep) -> LoginOut:
    """口令登录：返回访问令牌（Bearer），并为浏览器设置 HttpOnly 会话 Cookie。"""
    client = client_of(request)
    if not request.app.state.login_limit.allow(client):
        raise HTTPException(status_code=429, detail="登录尝试过于频繁，请一分钟后再试",
                            headers={"Retry-After": "60"})
    with gate.writing(db):
        outcome = accounts.login(db, body.username, body.password, client=client,
                                 production=settings.env == "production")
    if outcome.account is None:
        # One answer for every failure: a caller learns nothing about which accounts exist.
        raise HTTPException(status_code=401, detail="用户名或口令错误，或账户已停用、已锁定",
                            headers={"WWW-Authenticate": "Bearer"})
    token, session = sessions.open(outcome.account)
    secure = settings.env == "production"
    response.set_cookie(SESSION_COOKIE, token, max_age=MAX_SECONDS, httponly=True,
                        samesite="strict", secure=secure, path="/")
    # Read by the page's script and sent back in X-CSRF-Token on state-changing requests.
    response.set_cookie(CSRF_COOKIE, session.csrf, max_age=MAX_SECONDS, httponly=False,
                        samesite="strict", secure=secure, path="/")
    return LoginOut(access_token=token, token_type="bearer")


@router.post("/logout", status_code=204)
def logout(user: UserDep, request: Request, db: DatabaseDep, gate: GateDep,
           sessions: SessionsDep) -> Response:
    """退出登录（会话作废）。"""
    sessions.close(user.token)
    with gate.writing(db):
        record_at(db, actor=user.username, role=user.role.value, action="logout",
                  client=client_of(request))
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/me", response_model=MeOut)
def me(user: UserDep, sessions: SessionsDep) -> MeOut:
    """当前用户、角色与权限范围。"""
    session = sessions.get(user.token)
    return MeOut(username=user.username, role=user.role.value,
                 role_label=ROLE_LABELS[user.role], department=user.department or None,
                 district=user.district or None,
                 scopes=sorted(s.value for s in SCOPES[user.role]),
                 csrf_token=session.csrf if session else "")
