"""One picture of a participant on Janus, for evidence: a subscriber in this process.

Janus forwards without decoding, so the product subscribes to the publisher like any viewer
(the server-offer exchange, over loopback), decodes the first complete picture, encodes it as
JPEG and hangs up. Only this one subscription passes media through Python, for a second.
"""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING

import av
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

if TYPE_CHECKING:
    from streams.janus.engine import JanusMedia


async def grab_picture(media: JanusMedia, room_id: str, feed: str, timeout: float) -> bytes:
    """JPEG of ``feed``'s next decoded picture; ``TimeoutError`` or ``LookupError`` if none."""
    offer, resource = await media.view_offer(room_id, feed)
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    picture: asyncio.Future[av.VideoFrame] = asyncio.get_running_loop().create_future()

    @pc.on("track")
    def on_track(track: MediaStreamTrack) -> None:
        if track.kind != "video":
            return

        async def first() -> None:
            try:
                frame = await track.recv()
                if not picture.done():
                    picture.set_result(frame)  # type: ignore[arg-type]
            except MediaStreamError:
                return
        asyncio.ensure_future(first())

    try:
        await pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        await media.view_answer(room_id, resource, pc.localDescription.sdp)
        frame = await asyncio.wait_for(picture, timeout)
    finally:
        await media.end(room_id, resource)
        await pc.close()
    out = io.BytesIO()
    frame.to_image().save(out, format="JPEG", quality=90)
    return out.getvalue()
