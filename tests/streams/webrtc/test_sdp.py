"""Offers are checked before aiortc parses them; codec preferences put the asked codecs first."""

from __future__ import annotations

import pytest

from streams.webrtc.sdp import SdpError, check_offer, h264_in_offer, video_codecs

OFFER = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n" \
        "a=rtpmap:96 H264/90000\r\n"


@pytest.mark.parametrize(("sdp", "reason"), [
    ("", "empty"), ("   \r\n", "empty"), ("o=- 1 1 IN IP4 0.0.0.0\r\n", "v=0"),
    ("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n", "m=video"),
])
def test_unusable_offers_say_why(sdp: str, reason: str) -> None:
    with pytest.raises(SdpError, match=reason):
        check_offer(sdp)


def test_a_video_offer_passes_and_its_h264_is_seen() -> None:
    check_offer(OFFER)
    assert h264_in_offer(OFFER) and not h264_in_offer(OFFER.replace("H264", "VP8"))


def test_codec_preferences_follow_the_order_asked_then_retransmission() -> None:
    mimes = [c.mimeType.lower() for c in video_codecs("video/h264", "video/vp8")]
    assert mimes[0] == "video/h264" and mimes[-1] == "video/rtx"
    assert mimes.index("video/vp8") > max(i for i, m in enumerate(mimes) if m == "video/h264")
    assert [c.mimeType.lower() for c in video_codecs("video/vp8")] == ["video/vp8", "video/rtx"]
