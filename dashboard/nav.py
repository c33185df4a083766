"""The page files, so pages can link to each other (``st.page_link(PAGES["wall"], ...)``)."""

from __future__ import annotations

from pathlib import Path

VIEWS = Path(__file__).parent / "views"
PAGES: dict[str, Path] = {
    "wall": VIEWS / "wall.py",
    "dispatch": VIEWS / "console.py",
    "alerts": VIEWS / "alerts.py",
    "analysis": VIEWS / "analysis.py",
    "cameras": VIEWS / "cameras.py",
    # 视频会商, built with the video sessions (dashboard/consult).
    "consultation": Path(__file__).parent / "pages" / "consultation.py",
}
