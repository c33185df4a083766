"""User, system and deployment text shown as text, never read as Markdown or HTML.

Streamlit reads Markdown (with its colour, icon and emoji directives, KaTeX between ``$`` and
raw HTML it strips or escapes) in ``st.markdown``, ``st.caption``, button and link labels,
widget labels, ``st.metric`` labels, tab titles, expander titles and toast/alert bodies. Any
string that did not come from the translation table (case titles, names, addresses, center and
camera names from the deployment file, an acknowledgement note …) goes through :func:`md` before
it is put in one of them. ``st.text``, ``st.code`` and dataframes show text literally already.
"""

from __future__ import annotations

import re

#: ASCII punctuation Markdown (and Streamlit's emoji, icon and colour directives, KaTeX) reads.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:^=&\"'])")


#: Where GFM turns bare text into a link (``http://``, ``www.``, ``a@b.cn``). Streamlit finds these
#: in the text *after* escapes are read, so a backslash cannot stop them: an invisible word
#: joiner (U+2060) is put inside the pattern instead; the text reads the same.
_AUTOLINK = re.compile(r"(?i)(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)")
JOINER = "\u2060"


def md(text: object) -> str:
    """``text`` as literal characters inside Markdown, on one line (newlines become spaces).

    ``None`` shows as an em dash, so a missing value never prints "None".
    """
    if text is None:
        return "—"
    plain = _AUTOLINK.sub(JOINER, " ".join(str(text).split()))
    return _MARKDOWN.sub(r"\\\1", plain)
