"""The product with accounts, two recorded simulated cameras and one dispatched case, for the
case page's evidence-clip browser test.

``python -m tests.dashboard.recordings.case_clips_app DATA_DIR PORT`` imports the example
deployment into an SQLite database under DATA_DIR with a second camera at the township, both
cameras simulated with their capture time stamped in and recorded continuously (their pictures
encoded by the recorder); creates the accounts of :data:`ACCOUNTS`; reports a case at the
township on the township's camera and dispatches it to the village; prints
``CASE <number>`` and serves the product on PORT until killed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from config.deployment import CameraConfig, load_deployment
from config.recording import RecordingPolicy
from config.settings import load_settings
from dashboard.recordings.service import RecordingService
from dashboard.server.app import build_app
from dashboard.server.launch import _run
from dashboard.server.services import make_services
from dispatch.accounts import users
from dispatch.cases import perform
from dispatch.db import make_engine, make_session_factory
from dispatch.intake import parse_intake
from dispatch.migrate import upgrade
from dispatch.principal import Principal, Role
from dispatch.registry import import_deployment
from dispatch.report import report_case
from dispatch.rollup import install_rollups
from dispatch.sla import Sla

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "deployment.toml"
PASSWORD = "Clip-evidence-2026"
#: username → (home center, roles, display name)
ACCOUNTS = {
    "zhen.op": ("532622101", ["operator"], "江那镇调度员"),
    "cun.op": ("532622101201", ["operator"], "江那社区调度员"),
    "xian.leader": ("532622", ["leader"], "砚山县领导"),
    "xichou.op": ("532623", ["operator"], "西畴县调度员"),
}
TOWN_CAMERA = "cam-jiangna-town"
SIM = "sim://?w=320&h=180&fps=10&stamp=1"


def main() -> None:
    data, port = Path(sys.argv[1]), int(sys.argv[2])
    settings = load_settings(None, data_dir=data, port=port)
    deployment = load_deployment(EXAMPLE)
    cameras = [c.model_copy(update={"sub_url": SIM, "main_url": None, "tamper": False})
               for c in deployment.cameras]
    cameras.append(CameraConfig(id=TOWN_CAMERA, name="江那镇政府门口", center="532622101",
                                sub_url=SIM, tamper=False))  # type: ignore[arg-type]
    deployment = deployment.model_copy(update={"cameras": cameras})
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    factory = install_rollups(make_session_factory(engine))
    sla = Sla.build(deployment.sla, deployment.holidays)
    with factory.begin() as session:
        import_deployment(session, deployment)
        for username, (center, roles, name) in ACCOUNTS.items():
            users.add_user(session, username, PASSWORD, center, roles, display_name=name,
                           must_change_password=False, actor="setup")
    town = Principal(actor="zhen.op", center_path="532600/532622/532622101",
                     roles=frozenset({Role.OPERATOR}), name="江那镇调度员")
    with factory.begin() as session:
        case, _ = report_case(session, town, parse_intake({
            "title": "广场聚集纠纷", "description": "商户与群众在广场发生争执", "kind": "dispute",
            "channel": "walk_in", "center": "532622101", "risk": "low", "camera_id": TOWN_CAMERA,
        }), sla=sla)
        perform(session, town, case.id, "accept", {}, sla=sla)
        perform(session, town, case.id, "dispatch", {"lead": {"center": "532622101201"}}, sla=sla)
        number = case.number
    engine.dispose()
    svc = make_services(settings, cameras, sla=sla)
    policy = RecordingPolicy(default_mode="continuous", segment_seconds=4,
                             storage=[{"path": data / "video", "quota_gb": 1}])  # type: ignore[list-item]
    assert svc.hub is not None
    svc.recording = RecordingService(svc.hub, policy, svc.session_factory, data, settings.timezone)
    print(f"CASE {number}", flush=True)
    _run(build_app(svc), settings)


if __name__ == "__main__":
    main()
