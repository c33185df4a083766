"""A replicated deployment started from the example files of ``examples/deploy/``: a fresh
PostgreSQL database, two app processes and a stream worker run from the command lines of their
systemd units, Debian's nginx with the example site in front (TLS, self-signed), and the test
OpenID Connect provider for single sign-on.

What the tests add to the examples is said where it is done (:func:`render_settings`,
:func:`render_site`): local paths and ports, the provider, a longer login lock.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.live import free_port

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "deploy"
SERVE_UNIT = EXAMPLES / "systemd" / "zongzhi-serve@.service"
WORKER_UNIT = EXAMPLES / "systemd" / "zongzhi-worker@.service"
SITE = EXAMPLES / "nginx" / "zongzhi.conf"
SETTINGS = EXAMPLES / "settings.toml"
INSTALLED = "/opt/zongzhi/venv/bin/zongzhi"
CONFIG = "/etc/zongzhi/settings.toml"
PG_ADMIN = os.environ.get("ZONGZHI_TEST_POSTGRES_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
COOKIE_SECRET = "replicas-cookie-secret-" + "r" * 24
CLIENT_SECRET = "replicas-client-secret"


def replace_once(text: str, old: str, new: str) -> str:
    """``text`` with ``old`` replaced; fails when the example no longer holds ``old``."""
    assert text.count(old) == 1, f"the example should hold {old!r} once"
    return text.replace(old, new)


@dataclass(frozen=True)
class UnitCommand:
    argv: list[str]
    env: dict[str, str]
    cwd: str


def unit_command(unit: Path, instance: str, settings: Path, cwd: Path) -> UnitCommand:
    """The ``ExecStart`` and ``Environment`` of a template unit for ``instance``, as systemd
    would run them, with the installed program replaced by this checkout's."""
    env: dict[str, str] = {}
    exec_start = ""
    for line in unit.read_text(encoding="utf-8").splitlines():
        line = line.replace("%i", instance).replace("%H", socket.gethostname())
        if line.startswith("Environment="):
            key, _, value = line.removeprefix("Environment=").partition("=")
            env[key] = value
        elif line.startswith("ExecStart="):
            exec_start = line.removeprefix("ExecStart=")
    argv = shlex.split(exec_start)
    assert argv[0] == INSTALLED and CONFIG in argv, exec_start
    argv = [sys.executable, "-m", "dashboard.server.cli",
            *[str(settings) if a == CONFIG else a for a in argv[1:]]]
    return UnitCommand(argv, env, str(cwd))


class Process:
    """One product process from its unit, its output kept for failures."""

    def __init__(self, name: str, command: UnitCommand) -> None:
        self.name = name
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            command.argv, cwd=command.cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, env={**os.environ, **command.env},
        )
        self.pump = threading.Thread(target=self._pump, name=f"{name}-output", daemon=True)
        self.pump.start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def tail(self) -> str:
        return f"{self.name}:\n" + "\n".join(self.lines[-40:])

    def wait_healthy(self, url: str, seconds: float = 240) -> None:
        deadline = time.monotonic() + seconds
        while True:
            assert self.proc.poll() is None, "exited early\n" + self.tail()
            assert time.monotonic() < deadline, "did not start\n" + self.tail()
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # the units' KillSignal
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.pump.join(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def render_settings(database_url: str, data: Path, oidc: dict[str, str] | None = None) -> str:
    text = SETTINGS.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^database_url = ".*"$', f'database_url = "{database_url}"', text)
    text = replace_once(text, '"/etc/zongzhi/deployment.toml"', f'"{ROOT / "examples" / "deployment.toml"}"')
    text = replace_once(text, '"/var/lib/zongzhi"', f'"{data}"')
    assert database_url in text
    # The test's additions: its provider, a login lock long enough to be seen on a loaded
    # machine (the default 2 s first lock could pass between two requests)...
    text += "\n[auth.user_throttle]\nbase_delay_seconds = 60\n"
    # ... and an escalation pass every 2 s, so that a job's move to another process is seen
    # within seconds (the SLA clock's 30 s and the purge's hour are the same mechanism).
    text += "\n[duty]\ntick_seconds = 2\n"
    if oidc is not None:
        text += "\n[auth.oidc]\n" + "".join(f'{k} = "{v}"\n' for k, v in oidc.items())
    return text


def render_site(ports: Sequence[int], listen: int, work: Path, cert: Path, key: Path) -> str:
    """The example site on this machine's ports: ``ports`` are the app processes of its
    upstream (the example lists two)."""
    site = SITE.read_text(encoding="utf-8")
    site = replace_once(site, "listen 443 ssl;", f"listen 127.0.0.1:{listen} ssl;")
    site = replace_once(site, "/etc/nginx/tls/zongzhi.crt", str(cert))
    site = replace_once(site, "/etc/nginx/tls/zongzhi.key", str(key))
    site = replace_once(site, "/var/log/nginx/zongzhi.access.log", str(work / "access.log"))
    servers = re.search(r"(?m)^ *server 127\.0\.0\.1:8501 (.*)\n *server 127\.0\.0\.1:8502 .*\n", site)
    assert servers is not None, "the example's upstream lists 127.0.0.1:8501 and :8502"
    site = site.replace(servers.group(0), "".join(
        f"    server 127.0.0.1:{port} {servers.group(1)}\n" for port in ports))
    temp = work / "nginx-temp"
    temp.mkdir(exist_ok=True)
    temp.chmod(0o777)
    return (
        f"pid {work / 'nginx.pid'};\nerror_log {work / 'error.log'} info;\nevents {{}}\n"
        "http {\n"
        + "".join(f"  {kind}_temp_path {temp / kind};\n"
                  for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        + site + "\n}\n"
    )


@dataclass
class Cluster:
    url: str
    database_url: str
    backends: tuple[int, int]
    work: Path
    #: Route cookie values nginx sends to backend 0 and backend 1.
    routes: tuple[str, str] = ("", "")
    processes: list[Process] = field(default_factory=list)

    @property
    def access_log(self) -> Path:
        return self.work / "access.log"

    def served(self, method: str, path: str) -> list[int]:
        """Which backend (0 or 1) served each ``method path`` request so far, in order."""
        ports = {f"127.0.0.1:{p}": i for i, p in enumerate(self.backends)}
        out: list[int] = []
        for line in self.access_log.read_text(encoding="utf-8").splitlines():
            if f'"{method} {path}"' in line:
                # "a, b" when the first process failed and nginx tried the next: b answered.
                upstream = line.split(" upstream=", 1)[1].split(" route=", 1)[0]
                out.append(ports[upstream.split(",")[-1].strip()])
        return out

    def served_at_least(self, method: str, path: str, count: int, timeout: float = 5.0) -> list[int]:
        """:meth:`served` once it holds ``count`` entries: nginx writes a request's line after
        its answer, so the line of the request just answered may not be there yet."""
        deadline = time.monotonic() + timeout
        while len(found := self.served(method, path)) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return found

    def client(self, backend: int) -> httpx.Client:
        """An HTTPS client pinned by its route cookie to ``backend`` (through nginx)."""
        c = httpx.Client(base_url=self.url, verify=False, timeout=30)
        c.cookies.set("zongzhi_route", self.routes[backend], domain="127.0.0.1")
        return c


def find_routes(cluster: Cluster) -> tuple[str, str]:
    """Route cookie values that nginx's consistent hash sends to each backend."""
    found: dict[int, str] = {}
    for n in range(200):
        value = f"probe{n}"
        with httpx.Client(base_url=cluster.url, verify=False, timeout=10) as c:
            c.cookies.set("zongzhi_route", value, domain="127.0.0.1")
            assert c.get(f"/_stcore/health?probe={n}").status_code == 200
        time.sleep(0.05)  # nginx writes the line after the answer
        backend = cluster.served("GET", "/_stcore/health")[-1]
        found.setdefault(backend, value)
        if len(found) == 2:
            return found[0], found[1]
    raise AssertionError(f"nginx sent every route to one backend: {found}")


@contextmanager
def fresh_database(admin: str = PG_ADMIN) -> Iterator[str]:
    """A PostgreSQL database of its own, dropped afterwards."""
    admin_url = make_url(admin)
    name = f"zongzhi_deploy_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def self_signed(work: Path) -> tuple[Path, Path]:
    key, cert = work / "zongzhi.key", work / "zongzhi.crt"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


@contextmanager
def nginx(conf: str, work: Path, url: str) -> Iterator[subprocess.Popen[str]]:
    path = work / "nginx.conf"
    path.write_text(conf, encoding="utf-8")
    proc = subprocess.Popen(["/usr/sbin/nginx", "-p", str(work), "-c", str(path), "-g", "daemon off;"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                if httpx.get(url + "/_stcore/health", verify=False, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (work / "error.log").read_text()
            time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


def start_processes(
    database_url: str, settings: Path, data: Path, *, worker: bool = True
) -> tuple[list[Process], tuple[int, int]]:
    """Both app processes at once (their start-up work takes turns) and one stream worker."""
    ports = (free_port(), free_port())
    apps = [Process(f"serve@{p}", unit_command(SERVE_UNIT, str(p), settings, data)) for p in ports]
    try:
        for proc, port in zip(apps, ports, strict=True):
            proc.wait_healthy(f"http://127.0.0.1:{port}/_stcore/health")
    except BaseException:
        for proc in apps:
            proc.stop()
        raise
    if not worker:
        return apps, ports
    port = free_port()
    held = Process(f"worker@{port}", unit_command(WORKER_UNIT, str(port), settings, data))
    return [*apps, held], ports
