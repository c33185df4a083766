"""The running product as pages and routes see it, and the one place it is built.

:func:`make_services` constructs (does not start) everything a process needs; the lifespan
(:mod:`dashboard.server.app`) starts it and installs it here, and pages and routes read it
with :func:`services`. Streamlit runs page scripts in threads of the same process, so a
module-level registry is the simplest handle that works for both; tests install their own (a
temporary database, no hub).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from config.cameras import CameraConfig
from config.settings import Settings
from dispatch.principal import Principal
from dispatch.sla import Sla

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from dashboard.consultation.engine import SessionMedia
    from dashboard.recordings.service import RecordingService
    from dashboard.server.replicas import JobLeases
    from dispatch.events import Bus
    from streams.hub import StreamHub


@dataclass
class Services:
    """Handles shared by every page and route of one process.

    ``hub`` is the stream hub, or None when the process serves no video (page tests), and so
    is ``conference`` (video sessions). ``cameras`` are the deployment's cameras, with
    secrets: never render their URLs. ``demo`` is True under ``zongzhi demo``.
    """

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    cameras: list[CameraConfig] = field(default_factory=list)
    hub: StreamHub | None = None
    bus: Bus | None = None
    demo: bool = False
    #: No accounts: every visitor is :attr:`open_principal` (``zongzhi demo --open``, tests).
    open_access: bool = False
    #: The viewer when no account is logged in: set only when accounts are off (demo, tests).
    open_principal: Principal | None = None
    sla: Sla = field(default_factory=Sla.build)
    conference: SessionMedia | None = None  # the built-in room or Janus ([media] engine)
    #: Recording, playback and clips (None: the deployment records nothing).
    recording: RecordingService | None = None
    #: The principal of the current Streamlit page run (accounts on), None when nobody is in.
    page_principal: Callable[[], Principal | None] | None = None
    #: Camera id → its center's path, read at start, for the stream routes' access checks.
    camera_paths: dict[str, str] = field(default_factory=dict)
    #: Routes a launcher adds (the demo's flaky camera feed), before the API's mount.
    extra_routes: list[BaseRoute] = field(default_factory=list)
    #: Called when the exit is asked for, to end responses that never finish on their own.
    on_exit: list[Callable[[], None]] = field(default_factory=list)
    #: Which deployment-wide timed jobs this process runs (set by the lifespan).
    jobs: JobLeases | None = None

    @property
    def accounts_on(self) -> bool:
        return not self.open_access

    def camera(self, camera_id: str) -> CameraConfig | None:
        for cam in self.cameras:
            if cam.id == camera_id:
                return cam
        return None


def make_services(
    settings: Settings,
    cameras: list[CameraConfig],
    *,
    demo: bool = False,
    open_access: bool = False,
    sla: Sla | None = None,
    extra_routes: list[BaseRoute] | None = None,
    on_exit: list[Callable[[], None]] | None = None,
) -> Services:
    """Construct (not start) everything a process needs. The database is prepared before."""
    from dashboard.auth import page_principal_resolver
    from dashboard.consultation.engine import media_engine
    from dashboard.server.access import open_principal
    from dispatch.db import make_engine, make_session_factory
    from dispatch.events import bind_bus, make_bus
    from dispatch.localtime import set_timezone
    from dispatch.rollup import install_rollups
    from dispatch.scopes import root_path
    from streams.hub import StreamHub

    url = settings.resolved_database_url
    if settings.streams.ingest == "workers":
        from dispatch.workers import require_postgres

        require_postgres(url, hint=' or [streams] ingest = "local"')
    engine = make_engine(url)
    set_timezone(settings.timezone)
    session_factory = install_rollups(make_session_factory(engine))
    bus = make_bus(url)
    bind_bus(session_factory, bus)
    if settings.streams.ingest == "workers":  # stream workers hold the cameras; relay them
        from dashboard.server.worker_relay import WorkerHub
        hub: StreamHub = WorkerHub(cameras, settings.streams, session_factory)
    else:
        hub = StreamHub(cameras, settings.streams)
    hub.timezone = ZoneInfo(settings.timezone)  # gathering schedules are local hours
    svc = Services(
        settings=settings, engine=engine, session_factory=session_factory, cameras=list(cameras),
        hub=hub, bus=bus, demo=demo, open_access=open_access, sla=sla or Sla.build(),
        conference=media_engine(settings, hub),
        extra_routes=list(extra_routes or ()), on_exit=list(on_exit or ()),
    )
    if open_access:
        with session_factory() as session:
            svc.open_principal = open_principal(root_path(session))
    else:
        svc.page_principal = page_principal_resolver(session_factory)
    return svc


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
