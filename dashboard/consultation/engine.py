"""The media engine of video sessions, chosen by ``[media] engine`` (see ``config/media.py``).

``builtin`` (the default, ``zongzhi demo``): aiortc rooms in this process. ``janus``: a Janus
server forwards participants' media and RTSP cameras; cameras Janus cannot pull itself stay on
the built-in engine.
"""

from __future__ import annotations

from config.settings import Settings
from streams.conference.rooms import Conference
from streams.hub import StreamHub
from streams.janus.engine import JanusMedia

SessionMedia = Conference | JanusMedia


def media_engine(settings: Settings, hub: StreamHub | None) -> SessionMedia:
    builtin = Conference(hub, settings.streams)
    if settings.media.engine == "janus":
        return JanusMedia(settings.media.janus, hub, fallback=builtin)
    return builtin
