"""The product with ``[streams] ingest = "workers"`` and open access, for the worker tests.

``python -m tests.streams.workers.app_process SETTINGS PORT`` serves the command center of
the deployment named in SETTINGS (already imported) on PORT until interrupted; its pictures
come from the stream workers.
"""

from __future__ import annotations

import sys

from config.deployment import load_deployment
from config.settings import load_settings
from dashboard.server.app import build_app
from dashboard.server.launch import _run, attach_recording
from dashboard.server.services import make_services
from dispatch.sla import Sla


def main() -> None:
    settings = load_settings(sys.argv[1], port=int(sys.argv[2]))
    assert settings.deployment_file is not None
    deployment = load_deployment(settings.deployment_file)
    svc = make_services(settings, list(deployment.cameras), open_access=True,
                        sla=Sla.build(deployment.sla, deployment.holidays))
    if deployment.recording.storage:  # the workers record; the app serves the recordings
        attach_recording(svc, deployment.recording)
    _run(build_app(svc), settings)


if __name__ == "__main__":
    main()
