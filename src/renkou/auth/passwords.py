"""Password hashing (argon2id) and the password policy (口令策略)."""

from __future__ import annotations

import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from renkou.errors import InputError

MIN_LENGTH = 12
# Character classes of which a password must use at least three.
_CLASSES = (string.ascii_lowercase, string.ascii_uppercase, string.digits)

# argon2-cffi's defaults are argon2id with the RFC 9106 low-memory parameters.
_HASHER = PasswordHasher()


def check_policy(password: str, username: str) -> None:
    """Refuse a weak password with a message that says which rule it breaks."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"长度至少 {MIN_LENGTH} 位")
    classes = sum(any(c in cls for c in password) for cls in _CLASSES)
    classes += any(not c.isalnum() for c in password)
    if classes < 3:
        problems.append("须含大写字母、小写字母、数字、符号中的至少三类")
    if username and username.lower() in password.lower():
        problems.append("不得包含用户名")
    if len(set(password)) < 5:
        problems.append("不得由少数字符重复组成")
    if problems:
        raise InputError("口令不符合要求：" + "；".join(problems))


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# A hash to verify against when the account does not exist, so that an unknown name takes
# as long as a wrong password (no user enumeration by timing).
DUMMY_HASH = _HASHER.hash("renkou-no-such-account")
