"""Reporters' phone numbers: one normal form for storage and search, and a masked form for
display (``138****5678``). The full number is stored (a desk calls the reporter back and finds
cases by it) but never shown in lists."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-()]")
#: A mainland mobile (11 digits from 13x to 19x) or a landline with its area code
#: (0 + 2–3 digit area code + 7–8 digit number), after +86 / 0086 and separators are removed.
_VALID = re.compile(r"^(1[3-9][0-9]{9}|0[1-9][0-9]{1,2}[0-9]{7,8})$")


def normalize_phone(raw: str) -> str:
    """Digits only, without a +86 prefix; ValueError naming what is wrong."""
    text = _SEPARATORS.sub("", raw)
    for prefix in ("+86", "0086"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    if not text.isascii() or not text.isdigit():
        raise ValueError("must be digits (a mobile such as 13812345678 or a landline 0876-1234567)")
    if not _VALID.match(text):
        raise ValueError(
            "must be a mainland mobile (11 digits, 13x–19x) or a landline with its area code"
        )
    return text


def mask_phone(phone: str | None) -> str:
    """The number as lists show it: first three and last four digits, ``138****5678``.

    Short or empty values come back as they are ('' for None): there is nothing to hide.
    """
    if not phone:
        return ""
    if len(phone) < 8:
        return phone[:1] + "*" * (len(phone) - 1)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
