"""Run Debian's ``janus`` with a configuration folder written here (tests, bench, a small site).

Only the HTTP transport (on 127.0.0.1), the VideoRoom and the Streaming plugins are loaded;
the NAT section names no STUN server (air-gapped), ICE gathers on the listed interfaces only
and media use the given RTP port range. :meth:`JanusServer.stop` terminates the process,
waits, then kills it.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import httpx

log = logging.getLogger("streams.janus")
LIB = Path("/usr/lib/x86_64-linux-gnu/janus")
KEEP_PLUGINS = {"libjanus_videoroom.so", "libjanus_streaming.so"}
KEEP_TRANSPORTS = {"libjanus_http.so"}


def janus_binary() -> str | None:
    return shutil.which("janus") or (str(Path("/usr/bin/janus")) if Path("/usr/bin/janus").exists() else None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _others(folder: Path, keep: set[str]) -> str:
    return ",".join(sorted(p.name for p in folder.glob("*.so") if p.name not in keep))


@dataclass
class JanusServer:
    """One Janus process. ``ice_interfaces`` is janus.jcfg's ``ice_enforce_list``."""

    folder: Path
    port: int = field(default_factory=_free_port)
    ice_interfaces: str = "lo"
    rtp_ports: tuple[int, int] = (30000, 39999)
    api_secret: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    admin_key: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    debug_level: int = 3
    #: janus.jcfg ``event_loops``: 0 = a loop thread per handle (Janus's default); n > 0 = n
    #: shared loops (fewer threads and wake-ups when a room has many subscriptions).
    event_loops: int = 0
    process: subprocess.Popen[bytes] | None = None
    _log: BinaryIO | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/janus"

    def write_config(self) -> Path:
        conf = self.folder / "conf"
        conf.mkdir(parents=True, exist_ok=True)
        lo, hi = self.rtp_ports
        (conf / "janus.jcfg").write_text(f"""general: {{
  configs_folder = "{conf}"
  plugins_folder = "{LIB / 'plugins'}"
  transports_folder = "{LIB / 'transports'}"
  events_folder = "{LIB / 'events'}"
  loggers_folder = "{LIB / 'loggers'}"
  debug_level = {self.debug_level}
  api_secret = "{self.api_secret}"
  admin_secret = "{secrets.token_urlsafe(16)}"
  session_timeout = 60
  server_name = "zongzhi-media"
  hide_dependencies = true
  event_loops = {self.event_loops}
}}
certificates: {{}}
media: {{
  rtp_port_range = "{lo}-{hi}"
  dtls_timeout = 500
}}
nat: {{
  nice_debug = false
  ice_enforce_list = "{self.ice_interfaces}"
  ignore_mdns = false
}}
plugins: {{ disable = "{_others(LIB / 'plugins', KEEP_PLUGINS)}" }}
transports: {{ disable = "{_others(LIB / 'transports', KEEP_TRANSPORTS)}" }}
events: {{ broadcast = false }}
loggers: {{ disable = "{_others(LIB / 'loggers', set())}" }}
""")
        (conf / "janus.transport.http.jcfg").write_text(f"""general: {{
  json = "plain"
  base_path = "/janus"
  http = true
  port = {self.port}
  ip = "127.0.0.1"
  https = false
}}
admin: {{ admin_http = false }}
cors: {{}}
""")
        for plugin in ("videoroom", "streaming"):
            (conf / f"janus.plugin.{plugin}.jcfg").write_text(
                f'general: {{\n  admin_key = "{self.admin_key}"\n}}\n')
        return conf

    def start(self, timeout: float = 15.0) -> JanusServer:
        binary = janus_binary()
        if binary is None:
            raise FileNotFoundError("janus is not installed (Debian package 'janus')")
        conf = self.write_config()
        self._log = open(self.folder / "janus.log", "wb")  # noqa: SIM115 - closed by stop()
        self.process = subprocess.Popen(
            [binary, "-C", str(conf / "janus.jcfg"), "-F", str(conf)],
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"janus exited ({self.process.returncode}): {self.log_tail()}")
            try:
                answer = httpx.get(self.url.rsplit("/", 1)[0] + "/janus/info", timeout=1)
                if answer.status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"janus did not answer on {self.url}: {self.log_tail()}")
            time.sleep(0.1)

    def log_tail(self, lines: int = 30) -> str:
        path = self.folder / "janus.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def stop(self, timeout: float = 5.0) -> None:
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> JanusServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
