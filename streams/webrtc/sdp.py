"""SDP offers: cheap checks with clear reasons before aiortc parses, and the H.264 choice."""

from __future__ import annotations

from aiortc import RTCRtpCodecCapability, RTCRtpSender


class SdpError(ValueError):
    """The offer could not be used; the message says why (answered with 400)."""


def check_offer(sdp: str) -> None:
    """Cheap checks before aiortc parses: clear reasons instead of parser internals."""
    if not sdp.strip():
        raise SdpError("empty SDP offer / SDP 报文为空")
    if not sdp.lstrip().startswith("v=0"):
        raise SdpError("not an SDP offer: it must start with 'v=0' / 不是有效的 SDP")
    if "\nm=video" not in sdp.replace("\r\n", "\n"):
        raise SdpError("the offer has no video section (m=video) / SDP 中没有视频")


def h264_in_offer(sdp: str) -> bool:
    return "H264/90000" in sdp.upper()


def video_codecs(*mimes: str) -> list[RTCRtpCodecCapability]:
    """aiortc's video codecs of the given types in that order, then RTX (retransmission):
    for ``setCodecPreferences``."""
    codecs = RTCRtpSender.getCapabilities("video").codecs
    return ([c for mime in mimes for c in codecs if c.mimeType.lower() == mime]
            + [c for c in codecs if c.mimeType.lower() == "video/rtx"])
