"""What the consultation endpoints read: the database, the SLA, the data folder and the media."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from dispatch.consultation.media import Media
from dispatch.events import Bus
from dispatch.principal import Principal
from dispatch.sla import Sla


@dataclass(frozen=True)
class ConsultContext:
    """Built once by :func:`dispatch.consultation.routes.consultation_routes`.

    ``anonymous`` is the principal of operator requests that carry none (``None``: 401);
    ``page`` renders the join page (a placeholder when ``None``); ``key`` derives join tokens
    (:func:`dispatch.consultation.links.link_key`)."""

    factory: sessionmaker[Session]
    bus: Bus
    sla: Sla
    data_dir: Path
    anonymous: Principal | None
    media: Media
    page: Callable[[], str] | None = None
    key: bytes = b""
