"""WebRTC with aiortc: WHIP ingest (RFC 9725) and WHEP viewing of hub cameras.

- :mod:`streams.webrtc.gateway` — :class:`WebRtcGateway`, every WHIP and WHEP peer connection
- :mod:`streams.webrtc.hub_track` — a hub stream as a WebRTC track (H.264 pass-through or frames)
- :mod:`streams.webrtc.sdp` — checks of an offer before aiortc parses it, codec choice
- :mod:`streams.webrtc.peer` — ICE servers from settings, socket buffers of a peer
"""
