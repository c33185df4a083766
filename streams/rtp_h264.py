"""H.264 out of RTP (RFC 6184): payloads in, whole Annex B access units out.

Packetization mode 0 and 1 as cameras send them: single NAL units, STAP-A aggregates and
FU-A fragments. An access unit ends at the RTP marker bit or when the timestamp changes. A
lost packet (a gap in sequence numbers) spoils the access unit it falls in: that unit is
handed out marked ``damaged`` so a decoder can wait for the next keyframe.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

START = b"\x00\x00\x00\x01"
IDR, SEI, SPS, PPS, AUD = 5, 6, 7, 8, 9
STAP_A, FU_A = 24, 28


@dataclass(frozen=True)
class AccessUnit:
    """One picture's NAL units as Annex B bytes, with its RTP timestamp (90 kHz)."""

    data: bytes
    timestamp: int
    keyframe: bool
    damaged: bool = False


def parse_rtp(packet: bytes) -> tuple[int, bool, int, int, bytes] | None:
    """(payload type, marker, sequence number, timestamp, payload) of an RTP packet (RFC 3550:
    CSRCs, header extension and padding skipped); ``None`` when it is not RTP version 2."""
    if len(packet) < 12 or packet[0] >> 6 != 2:
        return None
    first, second = packet[0], packet[1]
    start = 12 + 4 * (first & 0x0F)
    if first & 0x10:  # header extension: 4 bytes, then its length in 32-bit words
        if len(packet) < start + 4:
            return None
        start += 4 + 4 * int.from_bytes(packet[start + 2:start + 4], "big")
    end = len(packet) - (packet[-1] if first & 0x20 else 0)
    if end < start:
        return None
    return (second & 0x7F, bool(second & 0x80), int.from_bytes(packet[2:4], "big"),
            int.from_bytes(packet[4:8], "big"), packet[start:end])


def parameter_sets(sprop: str | None) -> list[bytes]:
    """The SPS and PPS of an SDP ``sprop-parameter-sets`` value (base64, comma separated)."""
    out = []
    for part in (sprop or "").split(","):
        part = part.strip()
        if part:
            try:
                out.append(base64.b64decode(part + "=" * (-len(part) % 4)))
            except ValueError:
                continue
    return [p for p in out if p]


class Depacketizer:
    """Feed RTP packets in arrival order with :meth:`push`; it returns finished access units.

    Parameter sets from the SDP are put in front of a keyframe that arrives without them, so
    every keyframe handed out can be decoded on its own.
    """

    def __init__(self, sprop: list[bytes] | None = None) -> None:
        self._sprop = [p for p in (sprop or []) if p[0] & 0x1F in (SPS, PPS)]
        self._nals: list[bytes] = []
        self._fu: bytearray | None = None
        self._ts: int | None = None
        self._seq: int | None = None
        self._damaged = False

    def push(self, payload: bytes, seq: int, timestamp: int, marker: bool) -> list[AccessUnit]:
        out: list[AccessUnit] = []
        if self._ts is not None and timestamp != self._ts and (self._nals or self._fu):
            out.extend(self._finish())
        if self._seq is not None and seq != (self._seq + 1) & 0xFFFF:
            self._damaged = True
            self._fu = None
        self._seq, self._ts = seq, timestamp
        if payload:
            self._take(payload)
        if marker:
            out.extend(self._finish())
        return out

    def _take(self, payload: bytes) -> None:
        kind = payload[0] & 0x1F
        if 1 <= kind <= 23:
            self._nals.append(payload)
        elif kind == STAP_A:
            i = 1
            while i + 2 <= len(payload):
                size = int.from_bytes(payload[i:i + 2], "big")
                nal = payload[i + 2:i + 2 + size]
                if len(nal) == size and size:
                    self._nals.append(nal)
                i += 2 + size
        elif kind == FU_A and len(payload) > 2:
            fu = payload[1]
            if fu & 0x80:  # start
                self._fu = bytearray(((payload[0] & 0xE0) | (fu & 0x1F),))
                self._fu += payload[2:]
            elif self._fu is not None:
                self._fu += payload[2:]
            else:
                self._damaged = True  # the fragment's start was lost
            if fu & 0x40 and self._fu is not None:  # end
                self._nals.append(bytes(self._fu))
                self._fu = None
        # other types (STAP-B, MTAP, FU-B) are not sent by cameras in mode 0/1: ignored

    def _finish(self) -> list[AccessUnit]:
        nals, damaged, ts = self._nals, self._damaged or self._fu is not None, self._ts
        self._nals, self._fu, self._damaged = [], None, False
        if not nals or ts is None:
            return []
        kinds = {n[0] & 0x1F for n in nals}
        key = IDR in kinds
        if key and SPS not in kinds and self._sprop:
            nals = [*self._sprop, *nals]
        nals = [n for n in nals if n[0] & 0x1F != AUD]
        return [AccessUnit(START + START.join(nals), ts, key, damaged)]
