"""JPEG encoding of decoded frames at a target width.

Measured here (640×360): libjpeg-turbo through ``cv2.imencode`` including the YUV→BGR step
runs ~800 pictures/s, FFmpeg's mjpeg encoder from YUV planes ~300/s and Pillow ~490/s, so the
scaling and colour step goes to swscale (``VideoFrame.reformat``) and the coding to OpenCV.
"""

from __future__ import annotations

import threading

import av
import cv2
import numpy as np
from av.video.reformatter import VideoReformatter

BOUNDARY = "zongzhiframe"


def multipart_part(seq: int, data: bytes) -> bytes:
    """One part of a ``multipart/x-mixed-replace`` MJPEG body, built once and shared."""
    head = (f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(data)}\r\n"
            f"X-Frame-Seq: {seq}\r\n\r\n").encode()
    return head + data + b"\r\n"


_local = threading.local()


def reformat(frame: av.VideoFrame, purpose: str, **kwargs: object) -> av.VideoFrame:
    """``frame.reformat`` with a scaler of this thread's own.

    ``VideoFrame.reformat`` caches one swscale context on the frame, and a frame is shared by
    the reader, viewers and snapshot threads: two threads in one context crash the process.
    """
    scalers: dict[str, VideoReformatter] | None = getattr(_local, "scalers", None)
    if scalers is None:
        scalers = _local.scalers = {}
    scaler = scalers.get(purpose)
    if scaler is None:
        scaler = scalers[purpose] = VideoReformatter()
    return scaler.reformat(frame, **kwargs)  # type: ignore[arg-type]


def scaled_size(width: int, height: int, max_width: int) -> tuple[int, int]:
    if width <= max_width:
        return width, height
    new_h = max(2, round(height * max_width / width / 2) * 2)
    return max_width, new_h


def encode_jpeg(frame: av.VideoFrame, max_width: int, quality: int) -> bytes:
    """Encode ``frame`` as a baseline JPEG no wider than ``max_width`` (aspect kept)."""
    width, height = scaled_size(frame.width, frame.height, max_width)
    bgr = reformat(frame, "jpeg", width=width, height=height, format="bgr24").to_ndarray()
    return encode_bgr(bgr, quality)


def encode_bgr(bgr: np.ndarray, quality: int) -> bytes:
    ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return data.tobytes()


def grey_small(frame: av.VideoFrame, width: int) -> np.ndarray:
    """The luma plane scaled to ``width`` (cheap: swscale on Y only), for analytics."""
    w, h = scaled_size(frame.width, frame.height, width)
    return reformat(frame, "grey", width=w, height=h, format="gray").to_ndarray()


def yuv420p_copy(frame: av.VideoFrame) -> av.VideoFrame:
    """A private YUV 4:2:0 copy of a shared frame (for an encoder that sets its timestamps)."""
    planes = reformat(frame, "yuv", format="yuv420p").to_ndarray()
    return av.VideoFrame.from_ndarray(planes, format="yuv420p")
