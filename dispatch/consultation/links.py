"""Personal join links that last the whole session and can be shown again.

A link's token is ``HMAC-SHA256(key, nonce)`` (URL-safe base64): the database keeps the nonce
and the token's SHA-256 digest, never the token. Whoever holds the server's link key (a file of
32 random bytes in the data folder, readable by the server's account only) can derive the
token again, so the organiser can re-send a participant's link at any time; a copy of the
database alone opens no session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_FILE = "consultation-links.key"


def link_key(data_dir: Path) -> bytes:
    """The server's link key, made on first use (``<data_dir>/consultation-links.key``)."""
    path = Path(data_dir) / KEY_FILE
    try:
        key = path.read_bytes()
        if len(key) == 32:
            return key
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, fresh)
    except BaseException:
        os.close(fd)
        raise
    os.close(fd)
    return fresh


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def token_for(key: bytes, nonce: str) -> str:
    mac = hmac.new(key, b"consultation-link:" + nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def link(token: str) -> str:
    return f"/join/{token}"
