"""What the session routes need from the media side (``streams.conference.Conference``).

Declared here so the dispatch package never imports aiortc: the composition root passes the
conference in. Errors: a ``ValueError`` means a bad SDP offer (400), a ``LookupError`` an unknown
feed (404).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

GoneCallback = Callable[[], Awaitable[None]]


class Media(Protocol):
    async def publish(self, room_id: str, feed: str, label: str, offer: str,
                      on_gone: GoneCallback | None = None) -> tuple[str, str]:
        """WHIP: returns (answer SDP, resource id)."""
        ...

    async def view(self, room_id: str, feed: str, offer: str) -> tuple[str, str]:
        """WHEP of ``p-<participant>`` or ``c-<camera>``: returns (answer SDP, resource id)."""
        ...

    async def end(self, room_id: str, resource: str) -> str | None:
        """Feed of an ended publisher, "" for an ended viewer, None if unknown."""
        ...

    async def leave(self, room_id: str, feed: str) -> bool: ...

    async def close_room(self, room_id: str) -> None: ...

    def publishing(self, room_id: str) -> dict[str, str]: ...

    def snapshot(self, room_id: str, feed: str) -> bytes | None: ...

    def camera_status(self, camera_id: str) -> str | None: ...


@runtime_checkable
class ServerOffers(Protocol):
    """An engine whose viewers answer its offer (Janus's VideoRoom subscribers and Streaming
    viewers): ``POST whep/<feed>`` with an empty body brings the offer, ``PATCH`` of the
    resource carries the viewer's answer."""

    def offers(self, room_id: str, feed: str) -> bool:
        """True when viewing ``feed`` takes the server-offer exchange."""
        ...

    async def view_offer(self, room_id: str, feed: str) -> tuple[str, str]:
        """(offer SDP, resource id) for a viewer of ``feed``."""
        ...

    async def view_answer(self, room_id: str, resource: str, answer: str) -> None: ...


def exchange(media: Media, room_id: str, feed: str) -> str:
    """How a page views ``feed``: ``"offer"`` (WHEP, the page offers) or ``"server-offer"``."""
    return "server-offer" if isinstance(media, ServerOffers) and media.offers(room_id, feed) else "offer"
