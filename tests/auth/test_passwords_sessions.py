"""Password policy and argon2id hashes, lockout after repeated failures, session expiry and
the login rate limit."""

from __future__ import annotations

import pytest

from renkou.auth import accounts as book
from renkou.auth.passwords import check_policy, hash_password, verify_password
from renkou.auth.roles import SCOPES, Role, Scope, parse_role
from renkou.auth.sessions import IDLE_SECONDS, MAX_SECONDS, RateLimit, Sessions
from renkou.errors import InputError

GOOD = "Kuai#Lu-2026x"


def test_hash_is_argon2id_and_verifies() -> None:
    h = hash_password(GOOD)
    assert h.startswith("$argon2id$")
    assert verify_password(h, GOOD)
    assert not verify_password(h, GOOD + "!")
    assert not verify_password("not a hash", GOOD)


@pytest.mark.parametrize(("password", "rule"), [
    ("Ab1#", "长度至少"),
    ("alllowercaseletters", "至少三类"),
    ("Zhang-San-2026", "不得包含用户名"),
    ("Aa1#Aa1#Aa1#", "少数字符"),
])
def test_policy_names_the_rule_broken(password: str, rule: str) -> None:
    with pytest.raises(InputError, match=rule):
        check_policy(password, "zhang-san")


def test_policy_accepts_a_strong_password() -> None:
    check_policy(GOOD, "zhang")


def _accounts() -> dict[str, book.Account]:
    a = book.new_account("wang", "planner", GOOD)
    return {a.username: a}


def test_lockout_after_five_failures_then_expires() -> None:
    accounts = _accounts()
    now = 1_000_000.0
    for i in range(book.MAX_FAILURES):
        out = book.attempt(accounts, "wang", "wrong", now=now, production=False)
        assert out.account is None and out.changed is not None
        accounts["wang"] = out.changed
        assert out.reason == ("locked_now" if i == book.MAX_FAILURES - 1 else "password")
    # Locked: even the right password is refused until the lock runs out.
    assert book.attempt(accounts, "wang", GOOD, now=now + 1, production=False).reason == "locked"
    later = now + book.LOCK_SECONDS + 1
    assert book.attempt(accounts, "wang", GOOD, now=later, production=False).account is not None


def test_success_clears_failures_and_unknown_or_disabled_fail() -> None:
    accounts = _accounts()
    out = book.attempt(accounts, "wang", "wrong", now=0.0, production=False)
    assert out.changed is not None and out.changed.failed == 1
    accounts["wang"] = out.changed
    ok = book.attempt(accounts, "wang", GOOD, now=0.0, production=False)
    assert ok.account is not None and ok.changed is not None and ok.changed.failed == 0
    assert book.attempt(accounts, "nobody", GOOD, now=0.0, production=False).reason == "unknown"
    from dataclasses import replace

    accounts["wang"] = replace(accounts["wang"], disabled=True)
    assert book.attempt(accounts, "wang", GOOD, now=0.0, production=False).reason == "disabled"


def test_demo_accounts_refused_in_production() -> None:
    a = book.new_account("demo-x", "admin", GOOD, demo=True)
    accounts = {a.username: a}
    assert book.attempt(accounts, "demo-x", GOOD, now=0.0, production=True).reason == "demo"
    assert book.attempt(accounts, "demo-x", GOOD, now=0.0, production=False).account is not None


def test_bound_roles_need_their_binding() -> None:
    with pytest.raises(InputError, match="--department"):
        book.new_account("li", "department", GOOD)
    with pytest.raises(InputError, match="--district"):
        book.new_account("li", "district", GOOD)
    with pytest.raises(InputError, match="只有区级查看"):
        book.new_account("li", "planner", GOOD, district="120111")
    with pytest.raises(InputError, match="不属于本库的辖区"):
        book.new_account("li", "district", GOOD, district="990101", area_ok=lambda c: False)
    with pytest.raises(InputError, match="未知角色"):
        parse_role("root")


def test_sessions_expire_idle_and_absolute() -> None:
    sessions = Sessions()
    account = _accounts()["wang"]
    token, s = sessions.open(account, now=0.0)
    assert sessions.get(token, now=IDLE_SECONDS - 1) is s
    assert sessions.get("other", now=1.0) is None
    # Kept alive by use, it still ends at the absolute limit.
    t = 0.0
    while t + IDLE_SECONDS / 2 < MAX_SECONDS:
        t += IDLE_SECONDS / 2
        assert sessions.get(token, now=t) is s
    assert sessions.get(token, now=MAX_SECONDS + 1) is None
    token2, _ = sessions.open(account, now=0.0)
    assert sessions.get(token2, now=IDLE_SECONDS + 1) is None  # idle too long


def test_rate_limit_window() -> None:
    limit = RateLimit(3, 60.0)
    assert all(limit.allow("a", now=float(i)) for i in range(3))
    assert not limit.allow("a", now=10.0)
    assert limit.allow("b", now=10.0)
    assert limit.allow("a", now=61.0)


def test_scopes_of_roles() -> None:
    assert SCOPES[Role.auditor] == {Scope.meta, Scope.audit}
    assert not any(Scope.audit in SCOPES[r] for r in Role if r is not Role.auditor)
    assert {r for r in Role if Scope.person in SCOPES[r]} == {Role.admin, Role.statistician}
