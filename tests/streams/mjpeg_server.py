"""A real HTTP MJPEG camera for tests: serves a few pictures per connection, then hangs up.

Each connection counts as one camera session, so a test can make a camera drop and come back
as often as it likes and then check that nothing leaked.
"""

from __future__ import annotations

import socketserver
import threading
import time

import cv2
import numpy as np


def _picture(n: int) -> bytes:
    img = np.full((120, 160, 3), 40, np.uint8)
    cv2.putText(img, str(n), (10, 80), cv2.FONT_HERSHEY_SIMPLEX, 2, (255, 255, 255), 3)
    return cv2.imencode(".jpg", img)[1].tobytes()


class _Handler(socketserver.StreamRequestHandler):
    server: DroppingMjpegServer

    def handle(self) -> None:
        self.server.connections += 1
        self.rfile.readline()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        self.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Type: multipart/x-mixed-replace;"
                         b"boundary=frame\r\n\r\n")
        for i in range(self.server.frames_per_connection):
            data = self.server.pictures[i % len(self.server.pictures)]
            self.wfile.write(b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: "
                             + str(len(data)).encode() + b"\r\n\r\n" + data + b"\r\n")
            self.wfile.flush()
            time.sleep(self.server.interval)


class DroppingMjpegServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, frames_per_connection: int = 3, interval: float = 0.02) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.frames_per_connection, self.interval = frames_per_connection, interval
        self.pictures = [_picture(n) for n in range(4)]
        self.connections = 0
        self.thread = threading.Thread(target=self.serve_forever, name="test-mjpeg-camera",
                                       daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/video.mjpg"

    def __enter__(self) -> DroppingMjpegServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
        self.thread.join(5)
