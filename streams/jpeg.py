"""JPEG encoding of decoded frames at a target width.

Measured here (640×360): libjpeg-turbo through ``cv2.imencode`` including the YUV→BGR step
runs ~800 pictures/s, FFmpeg's mjpeg encoder from YUV planes ~300/s and Pillow ~490/s, so the
scaling and colour step goes to swscale (``VideoFrame.reformat``) and the coding to OpenCV.
"""

from __future__ import annotations

import av
import cv2
import numpy as np

BOUNDARY = "zongzhiframe"


def multipart_part(seq: int, data: bytes) -> bytes:
    """One part of a ``multipart/x-mixed-replace`` MJPEG body, built once and shared."""
    head = (f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(data)}\r\n"
            f"X-Frame-Seq: {seq}\r\n\r\n").encode()
    return head + data + b"\r\n"


def scaled_size(width: int, height: int, max_width: int) -> tuple[int, int]:
    if width <= max_width:
        return width, height
    new_h = max(2, round(height * max_width / width / 2) * 2)
    return max_width, new_h


def encode_jpeg(frame: av.VideoFrame, max_width: int, quality: int) -> bytes:
    """Encode ``frame`` as a baseline JPEG no wider than ``max_width`` (aspect kept)."""
    width, height = scaled_size(frame.width, frame.height, max_width)
    bgr = frame.reformat(width=width, height=height, format="bgr24").to_ndarray()
    return encode_bgr(bgr, quality)


def encode_bgr(bgr: np.ndarray, quality: int) -> bytes:
    ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return data.tobytes()


def grey_small(frame: av.VideoFrame, width: int) -> np.ndarray:
    """The luma plane scaled to ``width`` (cheap: swscale on Y only), for analytics."""
    w, h = scaled_size(frame.width, frame.height, width)
    return frame.reformat(width=w, height=h, format="gray").to_ndarray()
