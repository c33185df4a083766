"""The one translation table of the command center: every visible string, zh-CN and English.

Pages call :func:`t` (the session's language); the wall's JSON routes and components call
:func:`tr` with an explicit language. Stored enumerations (case states, channels, alert
kinds …) are looked up with :func:`label` under their group name, e.g. ``label("state",
"reported")``. A missing key is a bug: :func:`tr` raises in tests (``strict``) and shows the
key otherwise, so a page never crashes over a label.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from dashboard.i18n.table import TABLE

LANGS: tuple[str, ...] = ("zh-CN", "en")
DEFAULT_LANG = "zh-CN"
_INDEX = {"zh-CN": 0, "en": 1}
#: Set by the test suite so a forgotten key fails loudly instead of showing its name.
STRICT = os.environ.get("ZONGZHI_I18N_STRICT") == "1"


def normalize(lang: str | None) -> str:
    """``lang`` if supported, otherwise the default (query strings come from users)."""
    if lang in _INDEX:
        return lang  # type: ignore[return-value]
    if lang and lang.lower().startswith("en"):
        return "en"
    return DEFAULT_LANG


def tr(key: str, lang: str, /, **params: object) -> str:
    """``key`` in ``lang``, with ``{name}`` placeholders filled from ``params``."""
    entry = TABLE.get(key)
    if entry is None:
        if STRICT:
            raise KeyError(f"no translation for {key!r}")
        return key
    text = entry[_INDEX[normalize(lang)]]
    return text.format(**params) if params else text


def label(group: str, value: str | None, lang: str) -> str:
    """The display name of a stored enumeration value (``state``, ``kind``, ``channel`` …)."""
    if value is None:
        return "—"
    key = f"{group}.{value}"
    if key not in TABLE and not STRICT:
        return value
    return tr(key, lang)


def current_lang() -> str:
    """The language of the current Streamlit session (query ``?lang=`` wins, then the switch)."""
    import streamlit as st

    lang = st.session_state.get("lang")
    if lang is None:
        lang = normalize(st.query_params.get("lang"))
        st.session_state["lang"] = lang
    return normalize(lang)


def t(key: str, /, **params: object) -> str:
    """``key`` in the current session's language."""
    return tr(key, current_lang(), **params)


def L(group: str, value: str | None) -> str:  # noqa: N802 - reads like a label in page code
    return label(group, value, current_lang())


def all_text() -> Iterator[str]:
    """Every string of the table in every language (the web font is subset to these)."""
    for pair in TABLE.values():
        yield from pair


def keys_with_prefix(prefix: str) -> list[str]:
    return [k[len(prefix) + 1 :] for k in TABLE if k.startswith(prefix + ".")]
