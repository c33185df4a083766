"""A real RTSP server with real H.264, for tests and benches (GStreamer's gst-rtsp-server).

Run with the system interpreter, which has the GObject bindings:
``/usr/bin/python3 tests/streams/rtsp_server.py --port 8554 --mounts 2``
serves ``rtsp://127.0.0.1:8554/cam0`` … with a moving test picture (x264, zerolatency), and
optionally requires a user and password (``--user``/``--password``). Prints ``READY`` once
listening.
"""

from __future__ import annotations

import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
gi.require_version("GstRtsp", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--mounts", type=int, default=1)
    p.add_argument("--width", type=int, default=640)
    p.add_argument("--height", type=int, default=360)
    p.add_argument("--fps", type=int, default=10)
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--pattern", default="ball", help="videotestsrc pattern (ball, black, …)")
    p.add_argument("--protocols", choices=("all", "tcp", "udp"), default="all",
                   help="RTSP lower transports offered (udp: a UDP-only camera)")
    args = p.parse_args()
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    launch = (
        f"( videotestsrc is-live=true pattern={args.pattern} ! video/x-raw,width={args.width},"
        f"height={args.height},framerate={args.fps}/1 ! "
        f"x264enc tune=zerolatency speed-preset=ultrafast key-int-max={args.fps} bitrate=800 ! "
        "rtph264pay name=pay0 pt=96 config-interval=-1 )"
    )
    mounts = server.get_mount_points()
    for i in range(args.mounts):
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(launch)
        # A UDP-only media is not shared: gst-rtsp-server (1.22) aborts on an assertion
        # (gst_rtsp_media_get_rates) when UDP clients join one shared media at the same
        # moment, about one start in six here.
        factory.set_shared(args.protocols != "udp")
        if args.protocols != "all":
            lower = GstRtsp.RTSPLowerTrans
            factory.set_protocols(lower.TCP if args.protocols == "tcp" else lower.UDP)
        if args.user:
            perms = GstRtspServer.RTSPPermissions()
            perms.add_permission_for_role("user", "media.factory.access", True)
            perms.add_permission_for_role("user", "media.factory.construct", True)
            factory.set_permissions(perms)
        mounts.add_factory(f"/cam{i}", factory)
    if args.user:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "user")
        basic = GstRtspServer.RTSPAuth.make_basic(args.user, args.password or "")
        auth.add_basic(basic, token)
        server.set_auth(auth)
    if server.attach(None) == 0:
        print("FAILED to listen", flush=True)
        sys.exit(1)
    shared = [] if args.protocols == "udp" else list(range(args.mounts))
    keep = warm(args, shared)  # noqa: F841 — the warming clients live as long as the server
    GLib.MainLoop().run()


def warm(args: argparse.Namespace, mounts: list[int]) -> list[Gst.Element]:
    """Play every shared mount from inside the server before saying READY.

    gst-rtsp-server 1.22 aborts on an assertion (``gst_rtsp_media_get_rates``) when two
    clients, over TCP or UDP, join one shared media while it is still being prepared: 4 first
    connections in 20 here. A client of the server's own that keeps each shared media playing
    means every test client joins a media that is already running, as a camera that someone
    already watches.
    """
    userinfo = f"{args.user}:{args.password or ''}@" if args.user else ""
    waiting = set(mounts)
    pipelines = []

    def first_buffer(_sink: Gst.Element, _buffer: Gst.Buffer, _pad: Gst.Pad, mount: int) -> None:
        if mount in waiting:
            waiting.discard(mount)
            if not waiting:
                print("READY", flush=True)

    if not waiting:
        print("READY", flush=True)
    for i in mounts:
        pipeline = Gst.parse_launch(
            f"rtspsrc location=rtsp://{userinfo}127.0.0.1:{args.port}/cam{i} protocols=tcp "
            "latency=0 ! fakesink sync=false async=false signal-handoffs=true name=sink"
        )
        pipeline.get_by_name("sink").connect("handoff", first_buffer, i)
        pipeline.set_state(Gst.State.PLAYING)
        pipelines.append(pipeline)
    return pipelines


if __name__ == "__main__":
    main()
