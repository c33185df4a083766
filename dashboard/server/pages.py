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
    #: Shown (and registered) only for administrators: others never see it in the menu, and
    #: its address is no page of theirs.
    admin_only: bool = False


#: In menu order; the first is the default page (the wall, at ``/``).
REGISTRY: tuple[PageEntry, ...] = (
    PageEntry("wall", DASHBOARD / "wall" / "page.py", "nav.wall", "wall"),
    PageEntry("dispatch", DASHBOARD / "desk" / "page.py", "nav.dispatch", "dispatch"),
    PageEntry("alerts", DASHBOARD / "alerts" / "page.py", "nav.alerts", "alerts"),
    PageEntry("analysis", DASHBOARD / "analysis" / "page.py", "nav.analysis", "analysis"),
    PageEntry("cameras", DASHBOARD / "cameras" / "page.py", "nav.cameras", "cameras"),
    PageEntry("briefings", DASHBOARD / "briefings" / "page.py", "brief_page.nav", "briefings"),
    PageEntry("recordings", DASHBOARD / "recordings" / "page.py", "nav.recordings", "recordings"),
    PageEntry("consultation", DASHBOARD / "consultation" / "page.py", "nav.consultation", "consultation"),
    PageEntry("admin", DASHBOARD / "admin" / "page.py", "nav.admin", "admin", admin_only=True),
)
PAGES: dict[str, Path] = {entry.key: entry.script for entry in REGISTRY}


def pages_for(admin: bool) -> tuple[PageEntry, ...]:
    """The pages of the menu for a viewer (administrators also get the admin page)."""
    return tuple(entry for entry in REGISTRY if admin or not entry.admin_only)
