"""Pictures to H.264 packets, for cameras that have no encoded packets to copy.

A WHIP publisher's video reaches the hub decoded: aiortc 1.16's ``RTCRtpReceiver`` hands every
reassembled frame to its decoder thread (``rtcrtpreceiver.decoder_worker``) and has no public
encoded-frame path (reading its private queue would break with any upgrade). A simulated
camera draws pictures. Neither gives packets, so their recordings are encoded here once, with
libx264 at the source's own resolution and a modest bitrate, and the segments are marked
``transcoded`` in the index. Everything downstream (segments, pre-event buffer, clips) is the
same as for copied packets.

Timestamps come from the arrival clock (1/90000 s), not the source's: a publisher's frames can
be dropped on the way (the hub keeps only the newest), and the segment's interval must be
wall-clock time. A keyframe starts every ``gop_seconds`` of arrival time, so segments rotate
and clips start on time whatever the frame rate.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from fractions import Fraction

import av
from av.video.frame import PictureType

from streams.record.camera import CameraRecorder
from streams.sources import Delivery

CLOCK = Fraction(1, 90000)
#: Bits per pixel per picture: about 0.5 Mbit/s at 640×360 and 25 fps, enough for evidence.
BITS_PER_PIXEL = 0.08
MIN_BITRATE, MAX_BITRATE = 150_000, 2_000_000


def bitrate_for(width: int, height: int, fps: float) -> int:
    """The target bitrate of a picture size and rate (bounded to 150 kbit/s – 2 Mbit/s)."""
    return int(min(MAX_BITRATE, max(MIN_BITRATE, width * height * fps * BITS_PER_PIXEL)))


def needs_encoding(url: str) -> bool:
    """Whether a camera URL gives pictures only (WHIP publishers, simulated cameras)."""
    return url.lower().startswith(("whip:", "sim:"))


class PictureEncoder:
    """Turns one camera's decoded pictures into H.264 packets (on the caller's thread).

    A change of picture size (a publisher adapting to its link) starts a new encoder, whose
    packets carry a new stream: the recorder closes the segment there, as on a reconnect.
    """

    def __init__(self, camera_id: str, *, fps: float | None, gop_seconds: float = 2.0) -> None:
        self.camera_id = camera_id
        self.fps = fps if fps and 0 < fps <= 120 else 15.0
        self.gop_seconds = gop_seconds
        self._container: av.container.OutputContainer | None = None
        self._stream: av.video.stream.VideoStream | None = None
        self._size: tuple[int, int] | None = None
        self._origin = 0.0
        self._last_pts = -1
        self._last_key = float("-inf")
        self.encoded = 0
        self.log = logging.getLogger(f"streams.{camera_id}")

    def _open(self, width: int, height: int, wall: float) -> av.video.stream.VideoStream:
        self.close()
        # A container that is never written: it gives the encoder a stream (what the segment
        # writer copies its parameters from) and the MP4 global header (avcC extradata).
        self._container = av.open(io.BytesIO(), "w", format="mp4")
        stream = self._container.add_stream("libx264", rate=Fraction(self.fps).limit_denominator(1000))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.time_base = CLOCK
        stream.bit_rate = bitrate_for(width, height, self.fps)
        stream.codec_context.options = {
            "preset": "veryfast", "tune": "zerolatency",  # no B-frames: packets leave at once
            "profile": "main", "threads": "1",
            # Keyframes come from the arrival clock (see ``encode``); this is a backstop.
            "g": str(max(2, int(self.fps * self.gop_seconds * 2))),
            "maxrate": str(stream.bit_rate), "bufsize": str(stream.bit_rate),
        }
        # Opens the encoder and copies its parameters (with the SPS/PPS) to the stream now:
        # a segment writer copying them before the first picture would get no extradata.
        self._container.start_encoding()
        self._stream, self._size, self._origin = stream, (width, height), wall
        self._last_pts, self._last_key = -1, float("-inf")
        return stream

    def encode(self, frame: av.VideoFrame, wall: float) -> list[Delivery]:
        """The packets of one picture that arrived at ``wall`` (epoch seconds)."""
        width, height = frame.width - frame.width % 2, frame.height - frame.height % 2
        stream = self._stream
        if stream is None or self._size != (width, height):
            stream = self._open(width, height, wall)
        picture = frame.reformat(width=width, height=height, format="yuv420p")
        if picture is frame:  # never change the shared picture's timing for other consumers
            picture = av.VideoFrame.from_ndarray(frame.to_ndarray(), format=frame.format.name)
        pts = max(int(round((wall - self._origin) / CLOCK)), self._last_pts + 1)
        self._last_pts = pts
        picture.pts, picture.time_base = pts, CLOCK
        if wall - self._last_key >= self.gop_seconds:
            picture.pict_type = PictureType.I
            self._last_key = wall
        packets = stream.encode(picture)
        self.encoded += 1
        return [Delivery(frame=None, packet=p, keyframe=p.is_keyframe) for p in packets]

    def close(self) -> None:
        """Drop the encoder (its last pictures are not flushed: zero-latency leaves none)."""
        container, self._container, self._stream, self._size = self._container, None, None, None
        if container is not None:
            try:
                container.close()
            except av.FFmpegError:
                pass


class EncodingHook:
    """The hook of a camera without packets: each picture encoded, then recorded as packets.

    Pictures are encoded only while the recorder uses packets (recording, or keeping its
    pre-event buffer), so an ``events`` camera without a pre-event buffer encodes nothing
    between events.
    """

    def __init__(self, recorder: CameraRecorder, fps: float | None) -> None:
        self.recorder = recorder
        self.encoder = PictureEncoder(recorder.camera_id, fps=fps)
        # A hook removed from its stream may still be running once on the reader thread:
        # the encoder is never closed under it, nor used after.
        self._lock = threading.Lock()
        self._closed = False

    def __call__(self, item: Delivery) -> None:
        frame = item.frame
        wall = time.time()
        if frame is None or not self.recorder.wants_packets(wall):
            return
        with self._lock:
            if self._closed:
                return
            for packet in self.encoder.encode(frame, wall):
                self.recorder(packet)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self.recorder.close()
            self.encoder.close()
