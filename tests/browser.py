"""Debian's Chromium as every browser test launches it: ``pw.chromium.launch(**CHROMIUM)``.

Offline and quiet (no background networking, updates, sync or first-run pages); a fake
camera and microphone, granted without a prompt, for the WebRTC pages; video may autoplay.
"""

from __future__ import annotations

from typing import Any

CHROMIUM: dict[str, Any] = {
    "executable_path": "/usr/bin/chromium",
    "args": [
        "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--autoplay-policy=no-user-gesture-required",
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
    ],
}
