"""Record one camera until killed (``kill -9``), to leave an unfinished segment behind.

``python -m tests.streams.record.crash_recorder URL ROOT`` prints ``RECORDING`` once a
segment file is open.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from config.recording import RecordingPolicy
from streams.hub import StreamHub
from streams.record.recorder import Recorder
from tests.streams.conftest import camera, fast_settings


def main() -> None:
    url, root = sys.argv[1], Path(sys.argv[2])
    hub = StreamHub([camera("cam", url, tamper=False)], fast_settings())
    hub.start_sync()
    policy = RecordingPolicy(default_mode="continuous", segment_seconds=600,
                             storage=[{"path": root, "quota_gb": 1}])  # type: ignore[list-item]
    Recorder(hub, policy, lambda info: None).start()
    while not list(root.glob("*/*/*.part")):
        time.sleep(0.05)
    print("RECORDING", flush=True)
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main()
