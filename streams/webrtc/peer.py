"""Peer connections as the product makes them: ICE servers from settings, wide receive buffers."""

from __future__ import annotations

import socket

from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection

from config.streams import StreamSettings

#: Receive buffer of each peer's UDP sockets. The kernel default (~208 KB, counted in skb
#: truesize on loopback: about a hundred packets) overflows when the event loop is held up
#: for a few hundred milliseconds by decoding and encoding threads, and a dropped audio or
#: video packet costs a whole frame. Capped by net.core.rmem_max.
RECEIVE_BUFFER = 4 * 1024 * 1024


def ice_configuration(settings: StreamSettings) -> RTCConfiguration:
    """The configured ICE servers, always as an explicit list: aiortc falls back to a public
    STUN server when given None."""
    return RTCConfiguration(iceServers=[
        RTCIceServer(urls=s.urls, username=s.username, credential=s.credential)
        for s in settings.ice_servers
    ])


def widen_receive_buffers(pc: RTCPeerConnection) -> None:
    """Give ``pc``'s ICE sockets a larger receive buffer (after local description is set).
    Reaches into aiortc/aioice internals; on any change there it does nothing."""
    for transceiver in pc.getTransceivers():
        try:
            connection = transceiver.receiver.transport.transport.iceGatherer._connection
            protocols = list(connection._protocols)
        except AttributeError:
            continue
        for protocol in protocols:
            sock = getattr(protocol, "transport", None)
            sock = sock.get_extra_info("socket") if sock is not None else None
            if sock is not None:
                try:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
                except OSError:
                    pass
