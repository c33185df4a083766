"""A small MJPEG client over a raw socket, so tests control its receive buffer and pace."""

from __future__ import annotations

import socket
import threading
import time


class MjpegClient(threading.Thread):
    def __init__(self, port: int, path: str, *, slow: bool = False, keep: bool = False,
                 stall: float = 0.0) -> None:
        super().__init__(name=f"mjpeg-client{'-slow' if slow else ''}", daemon=True)
        self.port, self.path, self.slow, self.keep = port, path, slow, keep
        self.stall = stall  # seconds to stop reading after the first picture
        self.seqs: list[int] = []
        self.frames: list[tuple[float, bytes | None]] = []  # (arrival time, JPEG if kept)
        self.stop_event = threading.Event()
        self.status_line = b""
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._run()
        except BaseException as exc:  # reported by the test through .error
            self.error = exc

    def _run(self) -> None:
        sock = socket.socket()
        if self.slow:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(10)
        sock.connect(("127.0.0.1", self.port))
        sock.sendall(f"GET {self.path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        buf = b""
        with sock:
            while b"\r\n\r\n" not in buf:
                buf += sock.recv(4096)
            head, buf = buf.split(b"\r\n\r\n", 1)
            self.status_line = head.split(b"\r\n", 1)[0]
            while not self.stop_event.is_set():
                if self.stall and self.frames:
                    self.stop_event.wait(self.stall)
                    self.stall = 0.0
                chunk = sock.recv(8192 if self.slow else 65536)
                if not chunk:
                    return
                buf += chunk
                buf = self._parse(buf)
                if self.slow:
                    time.sleep(0.1)

    def _parse(self, buf: bytes) -> bytes:
        # Chunked transfer framing wraps the multipart body; find parts by their headers.
        while True:
            start = buf.find(b"Content-Length: ")
            if start < 0:
                return buf[-64:]
            end = buf.find(b"\r\n\r\n", start)
            if end < 0:
                return buf[start:]
            length = int(buf[start + 16 : buf.index(b"\r\n", start)])
            body_start = end + 4
            body = _dechunk_prefix(buf[body_start:], length)
            if body is None:
                return buf[start:]
            self.frames.append((time.monotonic(), body if self.keep else None))
            seq_at = buf.find(b"X-Frame-Seq: ", start, end)
            if seq_at >= 0:
                self.seqs.append(int(buf[seq_at + 13 : buf.index(b"\r\n", seq_at)]))
            buf = buf[body_start + length :]

    def count_between(self, t0: float, t1: float) -> int:
        return sum(1 for t, _ in self.frames if t0 <= t <= t1)


def _dechunk_prefix(data: bytes, length: int) -> bytes | None:
    # uvicorn sends each yielded part as one HTTP chunk, so a JPEG body is contiguous.
    return data[:length] if len(data) >= length else None
