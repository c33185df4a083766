"""The join page (/join/<token>): phone-friendly, one file, inline CSS and JS, no external asset.

It reads its token from its own address, publishes camera and microphone by WHIP, and views
every other participant and attached camera by WHEP (one peer per feed, so feeds come and go
without renegotiation). It polls ``state`` every two seconds for the case card and the feeds.
zh-CN first, English second. The command center's session page embeds the same page.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def join_page_html() -> str:
    """The page; it carries no session data (it fetches it with its token)."""
    return (_HERE / "join.html").read_text(encoding="utf-8")
