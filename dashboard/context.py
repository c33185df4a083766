"""The running product as the pages see it: database, stream hub, settings.

The composition root (:mod:`dashboard.app`) builds one :class:`Services` in its lifespan and
installs it here; pages and the wall's JSON routes read it with :func:`services`. Streamlit
runs page scripts in threads of the same process, so a module-level registry is the simplest
handle that works for both, and tests install their own (a temporary database, no hub).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from config.cameras import CameraConfig
from config.settings import Settings
from dispatch.principal import Principal


@dataclass
class Services:
    """Handles shared by every page and route of one process.

    ``hub`` is the stream hub (``streams.hub.StreamHub``) or None when the process serves no
    video (page tests). ``cameras`` are the deployment's cameras, with secrets: never render
    their URLs. ``demo`` is True under ``zongzhi demo``.
    """

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    cameras: list[CameraConfig] = field(default_factory=list)
    hub: Any = None
    bus: Any = None
    demo: bool = False
    #: The viewer when no account is logged in: set only when accounts are off (demo, tests).
    open_principal: Principal | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def camera(self, camera_id: str) -> CameraConfig | None:
        for cam in self.cameras:
            if cam.id == camera_id:
                return cam
        return None


_lock = threading.Lock()
_current: Services | None = None


def install(new: Services | None) -> None:
    """Make ``new`` the process's services (None uninstalls, at shutdown)."""
    global _current
    with _lock:
        _current = new


def services() -> Services:
    """The installed services; fails clearly when the app was started without its lifespan."""
    current = _current
    if current is None:
        raise RuntimeError(
            "the command center's services are not running: start it with `zongzhi demo` or "
            "`zongzhi serve`, not with `streamlit run`"
        )
    return current


def installed() -> bool:
    return _current is not None
