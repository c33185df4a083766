"""A real RTSP server (GStreamer, x264) whose pictures carry their capture time.

Run with the system interpreter (GObject bindings, no numpy):
``/usr/bin/python3 tests/streams/record/stamped_rtsp.py --port 8554 [--user u --password p]``
serves ``rtsp://127.0.0.1:8554/cam0``: 640×360 at 10 fps, the wall-clock milliseconds of each
picture written in its top rows as :mod:`streams.stamp` draws them (read back with
``streams.stamp.read_stamp``), a box moving below. Prints ``READY`` once listening.
"""

from __future__ import annotations

import argparse
import sys
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

W, H, BITS, BAR_ROWS = 640, 360, 64, 16


def _check(ms: int) -> int:  # as streams.stamp._check
    return ((ms & 0xFFFF) ^ ((ms >> 16) & 0xFFFF) ^ ((ms >> 32) & 0xFFFF)) ^ 0xA5C3


def stamp_row(ms: int) -> bytes:
    value = ((ms & ((1 << 48) - 1)) << 16) | _check(ms)
    edges = [int(i * W / BITS) for i in range(BITS + 1)]
    out = bytearray()
    for i in range(BITS):
        bit = (value >> (BITS - 1 - i)) & 1
        out += bytes([235 if bit else 16]) * (edges[i + 1] - edges[i])
    return bytes(out)


def picture(n: int, ms: int) -> bytes:
    row = stamp_row(ms)
    grey = bytes([110]) * W
    box_x = (n * 12) % (W - 60)
    box_row = bytes([110]) * box_x + bytes([235]) * 60 + bytes([110]) * (W - box_x - 60)
    body = [box_row if 150 <= y < 210 else grey for y in range(BAR_ROWS, H)]
    return row * BAR_ROWS + b"".join(body) + bytes([128]) * (W * H // 2)


class Feeder:
    def __init__(self, appsrc: Gst.Element, fps: int) -> None:
        self.appsrc, self.fps, self.n = appsrc, fps, 0
        self.t0 = time.monotonic()
        self.timer = GLib.timeout_add(int(1000 / fps), self.push)

    def push(self) -> bool:
        self.n += 1
        data = picture(self.n, int(time.time() * 1000))
        buf = Gst.Buffer.new_allocate(None, len(data), None)
        buf.fill(0, data)  # a copy: a wrapped Python buffer may be freed before it is encoded
        buf.duration = Gst.SECOND // self.fps
        return self.appsrc.emit("push-buffer", buf) == Gst.FlowReturn.OK


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--fps", type=int, default=10)
    p.add_argument("--user")
    p.add_argument("--password")
    args = p.parse_args()
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        f"( appsrc name=src is-live=true do-timestamp=true format=time caps=video/x-raw,format=I420,width={W},"
        f"height={H},framerate={args.fps}/1 ! x264enc tune=zerolatency threads=1 "
        f"speed-preset=ultrafast key-int-max={args.fps} bitrate=2000 ! "
        "rtph264pay name=pay0 pt=96 config-interval=-1 )"
    )
    factory.set_shared(True)
    feeders: list[Feeder] = []

    def configure(_factory: GstRtspServer.RTSPMediaFactory, media: GstRtspServer.RTSPMedia) -> None:
        appsrc = media.get_element().get_by_name_recurse_up("src")
        feeders.append(Feeder(appsrc, args.fps))

    factory.connect("media-configure", configure)
    if args.user:
        perms = GstRtspServer.RTSPPermissions()
        perms.add_permission_for_role("user", "media.factory.access", True)
        perms.add_permission_for_role("user", "media.factory.construct", True)
        factory.set_permissions(perms)
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "user")
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password or ""), token)
        server.set_auth(auth)
    server.get_mount_points().add_factory("/cam0", factory)
    if server.attach(None) == 0:
        print("FAILED to listen", flush=True)
        sys.exit(1)
    print("READY", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
