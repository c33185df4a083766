"""Keep credentials inside camera URLs out of logs, pages, answers and error messages."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit, urlunsplit

# user:password@ (or user@) right after a scheme, anywhere in a text such as an FFmpeg error.
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/\s]*@)")  # up to the last @ of the authority: passwords may hold an @
# Secrets passed as query parameters (tokens, passwords) in camera or signalling URLs.
_SECRET_QUERY = re.compile(
    r"(?P<key>(?:password|passwd|pwd|pass|token|secret|key|auth|signature|sig)=)[^&\s#]*",
    re.IGNORECASE,
)


def redact_url(url: str) -> str:
    """Return ``url`` with user, password and secret query values replaced by ``***``.

    Works on any text, not only a bare URL, so it can clean library error strings that embed
    the URL they failed on.
    """
    text = _USERINFO.sub(lambda m: f"{m['scheme']}***@", str(url))
    return _SECRET_QUERY.sub(lambda m: f"{m['key']}***", text)


def redact_text(text: str, *secrets: str) -> str:
    """Redact URLs in ``text`` and also any literal secret strings (e.g. a bare password)."""
    out = str(text)
    # Literal secrets first: redacting the URLs first could split a secret and leave part of it.
    for secret in secrets:
        if secret:
            out = out.replace(secret, "***")
    return redact_url(out)


def url_secrets(url: str) -> tuple[str, ...]:
    """The user name and password inside ``url``, to scrub wherever they may appear alone."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ()
    # Both forms: a percent-encoded password may appear decoded in a library's message.
    return tuple({s for p in (parts.password,) if p for s in (p, unquote(p))})


def display_url(url: str) -> str:
    """A short, safe form of ``url`` for pages: scheme, host and path, no credentials."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_url(url)
    if not parts.scheme or not parts.hostname:
        return redact_url(url)
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
