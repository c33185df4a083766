"""The product's log lines: time, level and camera id; status changes and reconnects are
printed at the default level (a subprocess started the way the CLI starts, stderr read)."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

from tests.live import free_port

SCRIPT = textwrap.dedent("""
    import time
    from config.cameras import CameraConfig
    from config.streams import StreamSettings
    from dashboard.server.logs import configure_logging
    from streams.hub import StreamHub

    configure_logging()  # as `zongzhi serve` and `zongzhi demo` do, before anything else
    cam = CameraConfig(id="gate-7", name="Gate", center="532622",
                       sub_url="rtsp://admin:s3cret-pw@127.0.0.1:{port}/cam0")
    hub = StreamHub([cam], StreamSettings(connect_timeout=1, read_timeout=1,
                                          reconnect_initial=0.2, first_status_seconds=1.5,
                                          watchdog_interval=0.1))
    hub.start_sync()
    time.sleep(3)
    hub.stop_sync()
""")
LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR) \S+: .+$")


def test_log_lines_carry_time_level_and_camera_and_show_status_and_reconnects() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT.format(port=free_port())],
                          capture_output=True, text=True, timeout=60, check=True)
    lines = done.stderr.strip().splitlines()
    assert lines and all(LINE.match(line) for line in lines), done.stderr
    assert any(" INFO streams.gate-7: status starting -> offline" in line for line in lines)
    assert any(" INFO streams.gate-7: reconnecting in" in line for line in lines)
    assert any(" WARNING streams.gate-7: cannot open" in line for line in lines)
    assert "s3cret-pw" not in done.stderr
