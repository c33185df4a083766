"""The product with one recording RTSP camera and open access, for the playback browser test.

``python -m tests.dashboard.recordings.playback_app DATA_DIR PORT RTSP_URL`` imports the
example deployment into an SQLite database under DATA_DIR, points its camera at RTSP_URL,
records it continuously (2-second segments) under DATA_DIR/video and serves the product on
PORT until killed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from config.deployment import load_deployment
from config.recording import RecordingPolicy
from config.settings import load_settings
from dashboard.recordings.service import RecordingService
from dashboard.server.app import build_app
from dashboard.server.launch import _run
from dashboard.server.services import make_services
from dispatch.db import make_engine, make_session_factory
from dispatch.migrate import upgrade
from dispatch.registry import import_deployment
from dispatch.sla import Sla

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "deployment.toml"


def main() -> None:
    data, port, url = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    settings = load_settings(None, data_dir=data, port=port)
    deployment = load_deployment(EXAMPLE)
    cameras = [c.model_copy(update={"sub_url": url, "main_url": None, "tamper": False})
               for c in deployment.cameras]
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    with make_session_factory(engine).begin() as session:
        import_deployment(session, deployment)
    engine.dispose()
    svc = make_services(settings, cameras, open_access=True,
                        sla=Sla.build(deployment.sla, deployment.holidays))
    policy = RecordingPolicy(default_mode="continuous", segment_seconds=2,
                             storage=[{"path": data / "video", "quota_gb": 1}])  # type: ignore[list-item]
    assert svc.hub is not None
    svc.recording = RecordingService(svc.hub, policy, svc.session_factory, data, settings.timezone)
    _run(build_app(svc), settings)


if __name__ == "__main__":
    main()
