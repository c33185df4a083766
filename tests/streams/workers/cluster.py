"""Stream workers and the product as real processes over one PostgreSQL database.

:func:`prepare` writes a deployment of N RTSP cameras and the settings file, migrates and
imports it; :class:`Proc` runs ``zongzhi worker`` or the app in a subprocess and keeps its
output (for the secrets check and for failure messages).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import sqlalchemy as sa

from config.deployment import load_deployment
from dispatch.db import make_engine, make_session_factory
from dispatch.migrate import upgrade
from dispatch.models import CameraLease, StreamWorker
from dispatch.registry import import_deployment
from tests.live import free_port

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "deployment.toml"
CENTER = "532622101201"  # a village of the example deployment


def reset(url: str) -> None:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def prepare(folder: Path, url: str, rtsp_urls: list[str], *, lease: float = 6.0,
            renew: float = 2.0, fps: int = 10, tamper: bool = False,
            token: str | None = None, recording: str = "") -> Path:
    """The settings file of a deployment whose cameras are ``rtsp_urls`` (cam-0, cam-1 …),
    imported into the empty database at ``url``; ``recording``: its ``[recording]`` tables."""
    text = EXAMPLE.read_text(encoding="utf-8")
    head, rest = text.split("[[cameras]]", 1)
    tail = rest[rest.index("[sla]"):]
    cameras = "".join(
        f'[[cameras]]\nid = "cam-{i}"\nname = "测试摄像机 {i}"\ncenter = "{CENTER}"\n'
        f'sub_url = "{u}"\nfps = {fps}\ntamper = {str(tamper).lower()}\n\n'
        for i, u in enumerate(rtsp_urls)
    )
    deployment = folder / "deployment.toml"
    deployment.write_text(head + cameras + tail + recording, encoding="utf-8")
    settings = folder / "settings.toml"
    settings.write_text(
        f'database_url = "{url}"\ndeployment_file = "{deployment}"\ndata_dir = "{folder}"\n'
        "[streams]\ningest = \"workers\"\nconnect_timeout = 3.0\nread_timeout = 2.0\n"
        "reconnect_initial = 0.2\nreconnect_max = 1.0\nwatchdog_interval = 0.1\n"
        "first_status_seconds = 4.0\nrecover_seconds = 1.0\n"
        f"[streams.workers]\nlease_seconds = {lease}\nrenew_seconds = {renew}\n"
        + (f'token = "{token}"\n' if token else ""),
        encoding="utf-8",
    )
    engine = make_engine(url)
    upgrade(engine)
    with make_session_factory(engine).begin() as session:
        import_deployment(session, load_deployment(deployment))
    engine.dispose()
    return settings


class Proc:
    """A product process with its output kept."""

    def __init__(self, args: list[str], name: str) -> None:
        self.name = name
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self._pump = threading.Thread(target=self._read, name=f"out:{name}", daemon=True)
        self._pump.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._pump.join(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def worker(settings: Path, worker_id: str) -> tuple[Proc, int]:
    port = free_port()
    return Proc(["-m", "dashboard.server.cli", "worker", "--config", str(settings),
                 "--port", str(port), "--id", worker_id], worker_id), port


def app(settings: Path) -> tuple[Proc, str]:
    port = free_port()
    proc = Proc(["-m", "tests.streams.workers.app_process", str(settings), str(port)], "app")
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: _healthy(base), 150, "the app did not start", proc)
    return proc, base


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/_stcore/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_for(check: Callable[[], object], seconds: float, what: str, *procs: Proc) -> object:
    deadline = time.monotonic() + seconds
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            tails = "\n".join(f"--- {p.name}\n" + "\n".join(p.lines[-20:]) for p in procs)
            raise AssertionError(f"{what} within {seconds} s\n{tails}")
        time.sleep(0.2)


def owners(url: str) -> dict[str, str]:
    """Camera → live owner, read straight from the lease table."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {key: value for key, value in conn.execute(
                sa.select(CameraLease.camera_id, CameraLease.worker_id)
                .where(CameraLease.worker_id.is_not(None), CameraLease.expires_at > sa.func.now())
            ).all()}
    finally:
        engine.dispose()


def live_workers(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return set(conn.scalars(sa.select(StreamWorker.id)
                                    .where(StreamWorker.expires_at > sa.func.now())))
    finally:
        engine.dispose()
