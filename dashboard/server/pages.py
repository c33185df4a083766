"""The command center's pages, registered here only: each surface's page script, its title
(a translation key) and its address. The entry script builds ``st.navigation`` from this
list, and pages link to each other through :data:`PAGES` (``st.page_link(PAGES["wall"])``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DASHBOARD = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class PageEntry:
    key: str
    script: Path
    title: str  # translation key
    url_path: str


#: In menu order; the first is the default page (the wall, at ``/``).
REGISTRY: tuple[PageEntry, ...] = (
    PageEntry("wall", DASHBOARD / "wall" / "page.py", "nav.wall", "wall"),
    PageEntry("dispatch", DASHBOARD / "desk" / "page.py", "nav.dispatch", "dispatch"),
    PageEntry("alerts", DASHBOARD / "alerts" / "page.py", "nav.alerts", "alerts"),
    PageEntry("analysis", DASHBOARD / "analysis" / "page.py", "nav.analysis", "analysis"),
    PageEntry("cameras", DASHBOARD / "cameras" / "page.py", "nav.cameras", "cameras"),
    PageEntry("consultation", DASHBOARD / "consultation" / "page.py", "nav.consultation", "consultation"),
)
PAGES: dict[str, Path] = {entry.key: entry.script for entry in REGISTRY}
