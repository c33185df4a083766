"""Secret material: password hashing (argon2id), random tokens and their digests, clocks.

Passwords use argon2id with argon2-cffi's defaults (RFC 9106 "low memory" profile: 64 MiB,
3 passes). Tokens are 256-bit random values; a digest of such a value cannot be brute-forced,
so SHA-256 is enough to store them and lets a request find its token with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id by default
#: A hash of a random password, verified against when the user does not exist, so an
#: attacker cannot tell unknown names from wrong passwords by the answer's timing.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

MIN_PASSWORD_LENGTH = 10
SESSION_TOKEN_BYTES = 32
API_TOKEN_PREFIX = "zzt_"


def hash_password(password: str) -> str:
    check_password_strength(password)
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored_hash``; always costs one argon2 verification."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def rehash(password: str) -> str:
    """A fresh hash of an accepted password (parameters changed since it was stored)."""
    return _hasher.hash(password)


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def check_password_strength(password: str) -> None:
    """Refuse passwords too short or made of a single character class.

    The message never repeats the password.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(
            f"密码至少 {MIN_PASSWORD_LENGTH} 个字符 · password must have at least "
            f"{MIN_PASSWORD_LENGTH} characters"
        )
    if len(set(password)) < 4:
        raise ValueError("密码过于简单 · password is too simple")


def generate_password(length: int = 16) -> str:
    """A random password for first administrators and demo accounts (no look-alike letters)."""
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(length))
        if any(c.isdigit() for c in pw) and any(c.isupper() for c in pw) and any(c.islower() for c in pw):
            return pw


def new_session_token() -> str:
    return secrets.token_urlsafe(SESSION_TOKEN_BYTES)


def new_api_token() -> str:
    return API_TOKEN_PREFIX + secrets.token_urlsafe(SESSION_TOKEN_BYTES)


def digest(secret: str) -> str:
    """The stored form of a high-entropy secret (hex SHA-256)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def name_digest(name: str) -> str:
    """A short digest of a login name that matched no account (see module models)."""
    return hashlib.sha256(("login-name:" + name).encode("utf-8")).hexdigest()[:24]


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Timestamps read back from SQLite are naive; they were written in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
