"""A cheap RTSP server for many clients: pre-encoded H.264 replayed over TCP-interleaved RTP.

The GStreamer test server (``rtsp_server.py``) pushes every client's packets through its own
pipeline in one process; at a few hundred clients on two shared cores it became the
bottleneck of the capacity benches. This server encodes a clip once (PyAV, libx264,
640×360 @ 5 fps, a keyframe every 2 s by default), cuts it into RTP packets once, and per
frame interval writes the same bytes to every client of a mount (one ``bytes`` join per
frame, one ``transport.write`` per client). A new client starts at the next keyframe; a
client whose socket backs up skips to the next keyframe instead of growing a buffer.

    python tests/streams/replay_rtsp.py --port 8554 --mounts 1 [--fps 5] [--gop-seconds 2]

serves ``rtsp://127.0.0.1:8554/cam0`` … and prints ``READY`` once listening. Only what
RTSP clients of a camera need is spoken: OPTIONS, DESCRIBE, SETUP (TCP interleaved only),
PLAY, GET_PARAMETER (keep-alive) and TEARDOWN.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import fractions
import hashlib
import struct
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np

MTU_PAYLOAD = 1400
CLOCK = 90000
SSRC = 0x5A5A1234
BACKLOG_LIMIT = 512 * 1024  # bytes queued on one client before it skips to a keyframe


def encode_clip(width: int, height: int, fps: int, gop: int, seconds: int) -> list[bytes]:
    """Annex B access units of a moving test picture, encoded once and cached on disk."""
    key = hashlib.sha1(f"{width}x{height}@{fps}g{gop}s{seconds}".encode()).hexdigest()[:10]
    cache = Path(tempfile.gettempdir()) / f"zongzhi-replay-{key}.h264"
    if not cache.exists():
        tmp = cache.with_suffix(".part")
        with av.open(str(tmp), "w", format="h264") as out:
            stream = out.add_stream("libx264", rate=fps)
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            stream.options = {"preset": "veryfast", "tune": "zerolatency", "g": str(gop),
                              "keyint_min": str(gop), "sc_threshold": "0", "bitrate": "800k"}
            stream.codec_context.time_base = fractions.Fraction(1, fps)
            yy, xx = np.mgrid[0:height, 0:width]
            rng = np.random.default_rng(7)
            for n in range(fps * seconds):
                # A moving gradient with a block and noise: neither black, frozen nor flat.
                y = ((xx + yy + 4 * n) % 256).astype(np.uint8)
                bx = (n * 9) % (width - 80)
                y[120:200, bx:bx + 80] = 235
                y = np.clip(y.astype(np.int16) + rng.integers(-6, 6, y.shape), 0, 255).astype(np.uint8)
                yuv = np.concatenate([y, np.full((height // 2, width), 128, np.uint8)])
                frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
                frame.pts = n
                for packet in stream.encode(frame):
                    out.mux(packet)
            for packet in stream.encode(None):
                out.mux(packet)
        tmp.rename(cache)
    units = []
    with av.open(str(cache), format="h264") as container:
        for packet in container.demux(video=0):
            if packet.size:
                units.append(bytes(packet))
    return units


def nal_units(unit: bytes) -> list[bytes]:
    """The NAL units of an Annex B access unit, start codes removed."""
    out = []
    for chunk in unit.split(b"\x00\x00\x01"):
        chunk = chunk.rstrip(b"\x00")
        if chunk:
            out.append(chunk)
    return out


def rtp_payloads(nals: list[bytes]) -> list[bytes]:
    """RFC 6184 payloads of one access unit: single NAL units, FU-A for large ones."""
    payloads = []
    for nal in nals:
        if len(nal) <= MTU_PAYLOAD:
            payloads.append(nal)
            continue
        head, body = nal[0], nal[1:]
        indicator = (head & 0xE0) | 28
        for i in range(0, len(body), MTU_PAYLOAD):
            start, end = i == 0, i + MTU_PAYLOAD >= len(body)
            fu = (0x80 if start else 0) | (0x40 if end else 0) | (head & 0x1F)
            payloads.append(bytes((indicator, fu)) + body[i:i + MTU_PAYLOAD])
    return payloads


@dataclass
class Clip:
    """The clip as RTP payloads per frame, with the parameter sets for the SDP."""

    frames: list[list[bytes]]
    keyframes: list[bool]
    sps: bytes
    pps: bytes

    @classmethod
    def make(cls, width: int, height: int, fps: int, gop: int, seconds: int) -> Clip:
        frames, keys, sps, pps = [], [], b"", b""
        for unit in encode_clip(width, height, fps, gop, seconds):
            nals = nal_units(unit)
            types = {n[0] & 0x1F for n in nals}
            sps = sps or next((n for n in nals if n[0] & 0x1F == 7), b"")
            pps = pps or next((n for n in nals if n[0] & 0x1F == 8), b"")
            keys.append(5 in types)
            frames.append(rtp_payloads([n for n in nals if n[0] & 0x1F not in (9,)]))
        return cls(frames, keys, sps, pps)

    def sdp(self, fps: int) -> str:
        sprop = ",".join(base64.b64encode(p).decode() for p in (self.sps, self.pps))
        return ("v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=replay\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
                "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
                f"a=fmtp:96 packetization-mode=1;profile-level-id={self.sps[1:4].hex()};"
                f"sprop-parameter-sets={sprop}\r\na=framerate:{fps}\r\na=control:track0\r\n")


@dataclass
class Mount:
    clients: set[Client] = field(default_factory=set)
    seq: int = 0


class Client(asyncio.Protocol):
    def __init__(self, server: ReplayServer) -> None:
        self.server = server
        self.buf = b""
        self.transport: asyncio.Transport | None = None
        self.mount: Mount | None = None
        self.channel = 0
        self.waiting_key = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        if self.mount is not None:
            self.mount.clients.discard(self)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            if self.buf[:1] == b"$":  # interleaved RTCP from the client: skip it
                if len(self.buf) < 4:
                    return
                size = struct.unpack(">H", self.buf[2:4])[0]
                if len(self.buf) < 4 + size:
                    return
                self.buf = self.buf[4 + size:]
                continue
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head, self.buf = self.buf[:end].decode("latin-1"), self.buf[end + 4:]
            self.request(head)

    def request(self, head: str) -> None:
        lines = head.split("\r\n")
        method, url, _ = lines[0].split(" ", 2)
        headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
        cseq = headers.get("cseq", "0")
        path = url.split("://", 1)[-1].split("/", 1)[-1] if "://" in url else url.lstrip("/")
        name = path.split("/")[0]
        extra: dict[str, str] = {}
        body = ""
        if method == "OPTIONS":
            extra["Public"] = "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER"
        elif method == "DESCRIBE":
            if name not in self.server.mounts:
                return self.reply(cseq, "404 Not Found")
            body = self.server.clip.sdp(self.server.fps)
            extra["Content-Type"] = "application/sdp"
            extra["Content-Base"] = f"rtsp://127.0.0.1:{self.server.port}/{name}/"
        elif method == "SETUP":
            transport = headers.get("transport", "")
            if "TCP" not in transport.upper() or name not in self.server.mounts:
                return self.reply(cseq, "461 Unsupported Transport")
            for part in transport.split(";"):
                if part.startswith("interleaved="):
                    self.channel = int(part.split("=")[1].split("-")[0])
            self.mount = self.server.mounts[name]
            extra["Transport"] = (f"RTP/AVP/TCP;unicast;interleaved={self.channel}-{self.channel + 1};"
                                  f"ssrc={SSRC:08X}")
        elif method == "PLAY":
            if self.mount is None:
                return self.reply(cseq, "455 Method Not Valid in This State")
            self.waiting_key = True
            self.mount.clients.add(self)
            extra["Range"] = "npt=0.000-"
        elif method == "TEARDOWN":
            if self.mount is not None:
                self.mount.clients.discard(self)
            self.reply(cseq, "200 OK")
            assert self.transport is not None
            self.transport.close()
            return
        elif method != "GET_PARAMETER":
            return self.reply(cseq, "501 Not Implemented")
        if method in ("SETUP", "PLAY", "GET_PARAMETER"):
            extra["Session"] = f"{id(self) & 0xFFFFFFFF:08X};timeout=60"
        self.reply(cseq, "200 OK", extra, body)

    def reply(self, cseq: str, status: str, headers: dict[str, str] | None = None, body: str = "") -> None:
        lines = [f"RTSP/1.0 {status}", f"CSeq: {cseq}", *(f"{k}: {v}" for k, v in (headers or {}).items())]
        if body:
            lines.append(f"Content-Length: {len(body.encode())}")
        assert self.transport is not None
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n" + body).encode())


class ReplayServer:
    def __init__(self, port: int, mounts: int, clip: Clip, fps: int) -> None:
        self.port, self.clip, self.fps = port, clip, fps
        self.mounts = {f"cam{i}": Mount() for i in range(mounts)}

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: Client(self), "127.0.0.1", self.port,
                                          reuse_address=True, backlog=1024)
        print("READY", flush=True)
        interval = 1 / self.fps
        start = loop.time()
        n = 0
        async with server:
            while True:
                self.tick(n)
                n += 1
                await asyncio.sleep(max(0.0, start + n * interval - loop.time()))

    def tick(self, n: int) -> None:
        i = n % len(self.clip.frames)
        key = self.clip.keyframes[i]
        ts = (n * CLOCK // self.fps) & 0xFFFFFFFF
        payloads = self.clip.frames[i]
        for mount in self.mounts.values():
            if not mount.clients:
                continue
            by_channel: dict[int, bytes] = {}
            seq0 = mount.seq
            mount.seq = (mount.seq + len(payloads)) & 0xFFFF
            for client in list(mount.clients):
                transport = client.transport
                if transport is None or transport.is_closing():
                    mount.clients.discard(client)
                    continue
                if client.waiting_key or transport.get_write_buffer_size() > BACKLOG_LIMIT:
                    if not key or transport.get_write_buffer_size() > BACKLOG_LIMIT:
                        client.waiting_key = True
                        continue
                    client.waiting_key = False
                data = by_channel.get(client.channel)
                if data is None:
                    data = by_channel[client.channel] = self.packets(client.channel, payloads, seq0, ts)
                transport.write(data)

    @staticmethod
    def packets(channel: int, payloads: list[bytes], seq0: int, ts: int) -> bytes:
        out = []
        last = len(payloads) - 1
        for k, payload in enumerate(payloads):
            header = struct.pack(">BBHII", 0x80, (0x80 if k == last else 0) | 96,
                                 (seq0 + k) & 0xFFFF, ts, SSRC)
            out.append(struct.pack(">cBH", b"$", channel, len(header) + len(payload)))
            out.append(header)
            out.append(payload)
        return b"".join(out)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--mounts", type=int, default=1)
    p.add_argument("--width", type=int, default=640)
    p.add_argument("--height", type=int, default=360)
    p.add_argument("--fps", type=int, default=5)
    p.add_argument("--gop-seconds", type=int, default=2)
    p.add_argument("--seconds", type=int, default=10, help="length of the looped clip")
    args = p.parse_args()
    clip = Clip.make(args.width, args.height, args.fps, args.fps * args.gop_seconds, args.seconds)
    asyncio.run(ReplayServer(args.port, args.mounts, clip, args.fps).run())


if __name__ == "__main__":
    main()
