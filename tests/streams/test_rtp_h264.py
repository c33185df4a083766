"""The H.264 depacketizer against the replay server's packetizer and real x264 output:
access units come back byte for byte, keyframes are marked, losses spoil only their unit."""

from __future__ import annotations

import base64

import av

from streams.rtp_h264 import START, Depacketizer, parameter_sets
from tests.streams.replay_rtsp import Clip, encode_clip, nal_units, rtp_payloads


def _packets(units: list[bytes]) -> list[tuple[bytes, int, int, bool]]:
    out, seq = [], 1000
    for n, unit in enumerate(units):
        payloads = rtp_payloads([x for x in nal_units(unit) if x[0] & 0x1F != 9])
        for k, payload in enumerate(payloads):
            out.append((payload, seq & 0xFFFF, 3000 * n, k == len(payloads) - 1))
            seq += 1
    return out


def test_access_units_come_back_whole_and_decode() -> None:
    units = encode_clip(640, 360, 5, 10, 4)
    assert any(len(u) > 1400 for u in units), "the clip needs FU-A fragments to test them"
    depacketizer = Depacketizer()
    got = [au for p in _packets(units) for au in depacketizer.push(*p)]
    assert len(got) == len(units)
    for au, unit in zip(got, units, strict=True):
        assert [n for n in nal_units(au.data) if n[0] & 0x1F != 9] == \
            [n for n in nal_units(unit) if n[0] & 0x1F != 9]
        assert not au.damaged
    assert [au.keyframe for au in got] == [n % 10 == 0 for n in range(len(units))]
    decoder = av.CodecContext.create("h264", "r")
    frames = [f for au in got for f in decoder.decode(av.Packet(au.data))]
    assert len(frames) == len(units) and frames[0].width == 640


def test_a_lost_fragment_spoils_its_unit_only_and_keyframes_carry_parameter_sets() -> None:
    clip = Clip.make(640, 360, 5, 10, 4)
    units = encode_clip(640, 360, 5, 10, 4)
    # Parameter sets only in the SDP: the keyframe handed out must carry them itself.
    stripped = [b"".join(START + n for n in nal_units(u) if n[0] & 0x1F not in (7, 8))
                for u in units]
    sprop = ",".join(base64.b64encode(p).decode() for p in (clip.sps, clip.pps))
    depacketizer = Depacketizer(parameter_sets(sprop))
    packets = _packets(stripped)
    lost = next(i for i, p in enumerate(packets) if p[2] == 3000 * 3 and not p[3])
    got = [au for i, p in enumerate(packets) if i != lost for au in depacketizer.push(*p)]
    assert len(got) == len(units)
    assert [au.damaged for au in got] == [n == 3 for n in range(len(units))]
    first = got[0]
    assert first.keyframe and {n[0] & 0x1F for n in nal_units(first.data)} >= {5, 7, 8}
    decoder = av.CodecContext.create("h264", "r")
    assert decoder.decode(av.Packet(first.data)), "a keyframe decodes on its own"


def test_stap_a_aggregates_are_split() -> None:
    sps, pps, idr = b"\x67\x42\x00\x1e\xab", b"\x68\xce\x3c\x80", b"\x65\x88\x84\x00"
    stap = bytes([24]) + b"".join(len(n).to_bytes(2, "big") + n for n in (sps, pps))
    depacketizer = Depacketizer()
    assert depacketizer.push(stap, 1, 90, False) == []
    (au,) = depacketizer.push(idr, 2, 90, True)
    assert au.keyframe and au.data == START + sps + START + pps + START + idr
