"""What the session routes need from the media side (``streams.conference.Conference``).

Declared here so the dispatch package never imports aiortc: the composition root passes the
conference in. Errors: a ``ValueError`` means a bad SDP offer (400), a ``LookupError`` an unknown
feed (404).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

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
