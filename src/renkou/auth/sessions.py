"""Sessions (会话) of the web application and the login rate limit.

A session is held in the server's memory only: the token handed to the client is random and
the server keeps its SHA-256, so a memory dump of the table does not yield usable tokens. A
session ends after :data:`IDLE_SECONDS` without use or :data:`MAX_SECONDS` after login."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from renkou.auth.accounts import Account
from renkou.auth.roles import Role

IDLE_SECONDS = 30 * 60
MAX_SECONDS = 8 * 60 * 60
# How often a session's account is read again from the store, so that an account disabled,
# re-roled or given a new password from the command line loses its sessions.
RECHECK_SECONDS = 60


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass
class Session:
    username: str
    role: Role
    department: str
    district: str
    csrf: str
    created: float
    seen: float = field(default=0.0)
    password_hash: str = ""  # the account's hash at login: a reset ends the session
    checked: float = field(default=0.0)

    def recheck_due(self, now: float) -> bool:
        return now - self.checked > RECHECK_SECONDS

    def still_valid(self, account: Account | None) -> bool:
        """The account as stored now still stands behind the session."""
        return (account is not None and not account.disabled
                and account.role == self.role.value
                and account.password_hash == self.password_hash
                and account.department == self.department
                and account.district == self.district)

    def expired(self, now: float) -> bool:
        return now - self.seen > IDLE_SECONDS or now - self.created > MAX_SECONDS


class Sessions:
    """The live sessions of one server process."""

    def __init__(self) -> None:
        self._by_digest: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, account: Account, *, now: float | None = None) -> tuple[str, Session]:
        now = time.time() if now is None else now
        token = secrets.token_urlsafe(32)
        session = Session(username=account.username, role=account.role_id,
                          department=account.department, district=account.district,
                          csrf=secrets.token_urlsafe(24), created=now, seen=now,
                          password_hash=account.password_hash, checked=now)
        with self._lock:
            self._purge(now)
            self._by_digest[_digest(token)] = session
        return token, session

    def get(self, token: str, *, now: float | None = None) -> Session | None:
        now = time.time() if now is None else now
        key = _digest(token)
        with self._lock:
            session = self._by_digest.get(key)
            if session is None:
                return None
            if session.expired(now):
                del self._by_digest[key]
                return None
            session.seen = now
            return session

    def close(self, token: str) -> None:
        with self._lock:
            self._by_digest.pop(_digest(token), None)

    def close_user(self, username: str) -> None:
        with self._lock:
            for key in [k for k, s in self._by_digest.items() if s.username == username]:
                del self._by_digest[key]

    def _purge(self, now: float) -> None:
        for key in [k for k, s in self._by_digest.items() if s.expired(now)]:
            del self._by_digest[key]


class RateLimit:
    """At most ``limit`` events per ``window`` seconds for one key (a client address)."""

    def __init__(self, limit: int = 10, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, *, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and now - events[0] > self.window:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            return True
