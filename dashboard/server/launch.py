"""Start the command center: ``zongzhi demo`` and ``zongzhi serve``.

Both prepare synchronously what the server needs (schema, data, camera registry), build the
services and the ``st.App``, print the local URL, and run it under uvicorn until interrupted.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any

from config.cameras import CameraConfig
from config.recording import RecordingPolicy
from config.settings import Settings, load_settings
from dashboard.server import app as app_module
from dashboard.server.app import build_app, streamlit_config
from dashboard.server.logs import configure_logging
from dashboard.server.replicas import exclusive
from dashboard.server.services import Services, make_services
from dispatch.db import make_engine, make_session_factory
from dispatch.localtime import set_timezone
from dispatch.rollup import install_rollups
from dispatch.sla import Sla, require_calendar

log = logging.getLogger("dashboard.server.launch")


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    for name in ("data_dir", "port", "host", "database_url"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = Path(value) if name == "data_dir" else value
    settings = load_settings(getattr(args, "config", None), **overrides)
    set_timezone(settings.timezone)  # before any local day or deadline is computed
    return settings


def _run(app: Any, settings: Settings) -> None:
    """Serve ``app`` (blocks). The launcher is dashboard/server/app.py so that Streamlit reads
    dashboard/server/.streamlit/config.toml (theme, fonts) wherever the command is run from."""
    sys.argv = [str(Path(app_module.__file__).resolve())]
    if settings.auth.oidc is not None:
        # Streamlit signs the provider round trip's state with its cookie secret, random per
        # process unless set; behind a load balancer the callback may reach another process
        # than the one that began the round trip, so every process signs with the same one.
        # Streamlit takes this option only from its environment or configuration file.
        os.environ["STREAMLIT_SERVER_COOKIE_SECRET"] = settings.auth.oidc.cookie_secret.get_secret_value()
    app.run(config=streamlit_config(settings))


def url_of(settings: Settings) -> str:
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    return f"http://{host}:{settings.port}/"


def run_demo(args: argparse.Namespace) -> int:
    from dashboard.demo.activity import FieldActivity
    from dashboard.demo.feed import FlakyFeed, build_feed_routes
    from dashboard.demo.setup import DemoOptions, demo_cameras, prepare_database

    configure_logging()
    settings = _settings(args)
    options = DemoOptions(cases=args.cases, seed=args.seed, activity_seconds=args.activity)
    spent = prepare_database(settings.resolved_database_url, options,
                             briefings=settings.briefings)
    log.info("demo database ready in %.1f s", spent)
    engine = make_engine(settings.resolved_database_url)
    factory = install_rollups(make_session_factory(engine))
    with factory.begin() as session:
        cameras = demo_cameras(session, settings.port, seed=options.seed)
        accounts = [] if args.open else _demo_accounts(session)
    engine.dispose()
    sla = Sla.build()
    feed = FlakyFeed(options.flaky_period, options.flaky_outage)
    cameras = feed.with_credentials(cameras)  # the hub reads the demo feed like a real camera
    svc = make_services(settings, cameras, demo=True, open_access=args.open, sla=sla,
                        extra_routes=build_feed_routes(feed), on_exit=[feed.close])
    recorded = demo_recording(settings.data_dir, cameras, args.record)
    if recorded is not None:
        attach_recording(svc, recorded)
    activity = None
    if options.activity_seconds > 0:
        activity = FieldActivity(svc.session_factory, sla, mean_pause=options.activity_seconds)
    app = build_app(svc, activity=activity)
    _print_banner(settings, cameras, accounts)
    _run(app, settings)
    return 0


def demo_recording(data_dir: Path, cameras: list[CameraConfig], count: int) -> RecordingPolicy | None:
    """The demo records its first ``count`` cameras (the prefecture hall's) continuously into
    ``data/recordings`` (2 GB, two days, 30 s segments), so 录像回放 and case clips have something to show.
    Simulated cameras have no packets: their pictures are encoded, about a tenth of a core
    each for the 1280×720 main stream (the idle demo measured 6 % of a core with none, 24–25 %
    with two), hence only a few."""
    if count <= 0:
        return None
    chosen = [c.id for c in cameras if c.sub_url.startswith("sim:")][:count]
    return RecordingPolicy(
        storage=[{"path": (data_dir / "recordings").resolve(), "quota_gb": 2}],  # type: ignore[list-item]
        default_mode="off", retention_days=2, segment_seconds=30,
        cameras=dict.fromkeys(chosen, "continuous"),
    )


def _demo_accounts(session: Any) -> list[Any]:
    from dispatch.accounts.demo import create_demo_accounts

    return create_demo_accounts(session)


def _print_banner(settings: Settings, cameras: list[CameraConfig], accounts: list[Any]) -> None:
    print(f"综治中心视频指挥调度 · command center: {url_of(settings)}", flush=True)
    print(f"  {len(cameras)} 路模拟摄像头 simulated cameras", flush=True)
    if accounts:
        print("  演示账号 demo accounts (passwords change at every start):", flush=True)
        for acc in accounts:
            print(f"    {acc.username:<16} {acc.password}  {acc.role:<13} {acc.center}", flush=True)
    else:
        print("  无需登录 open access (--open)", flush=True)


def run_serve(args: argparse.Namespace) -> int:
    from config.deployment import load_deployment
    from dispatch.migrate import upgrade
    from dispatch.registry import import_deployment

    configure_logging()
    settings = _settings(args)
    settings.data_dir.mkdir(parents=True, exist_ok=True)  # SQLite file, uploads, evidence
    cameras: list[CameraConfig] = []
    recording = None
    sla = Sla.build()
    engine = make_engine(settings.resolved_database_url)
    with exclusive(engine, "migrate"):  # replicas starting together take turns
        upgrade(engine)
    if settings.deployment_file is not None:
        deployment = load_deployment(settings.deployment_file)
        with exclusive(engine, "import"), install_rollups(make_session_factory(engine)).begin() as session:
            import_deployment(session, deployment)
        cameras = list(deployment.cameras)
        recording = deployment.recording if deployment.recording.storage else None
        sla = Sla.build(deployment.sla, deployment.holidays)
    engine.dispose()
    require_calendar(sla, allowed_without=settings.allow_without_holidays,
                     settings_file=getattr(args, "config", None))
    svc = make_services(settings, cameras, sla=sla)
    if recording is not None:
        attach_recording(svc, recording)
    app = build_app(svc)
    print(f"综治中心视频指挥调度 · command center: {url_of(settings)}", flush=True)
    _run(app, settings)
    return 0


def attach_recording(svc: Services, policy: RecordingPolicy) -> None:
    """The process's recording service for the deployment's ``[recording]`` policy. With stream
    workers they record the cameras they hold; the app serves the index and the shared storage
    folders (docs/workers.md). Retention runs under the job leases (one process)."""
    if svc.hub is None:
        return
    from dashboard.recordings.service import RecordingService

    settings = svc.settings
    role = "index" if settings.streams.ingest == "workers" else "local"
    svc.recording = RecordingService(
        svc.hub, policy, svc.session_factory, settings.data_dir, settings.timezone,
        role=role, gate=lambda job: svc.jobs is not None and svc.jobs.holds(job))


def register(sub: Any) -> None:
    demo = sub.add_parser("demo", help="演示 · run the live demo command center")
    demo.add_argument("--config", default=argparse.SUPPRESS, help="settings file (TOML)")
    demo.add_argument("--data-dir", default=None, help="folder of the demo database (default: data)")
    demo.add_argument("--port", type=int, default=None)
    demo.add_argument("--host", default=None)
    # 100k cases (the real yearly volume) take ~2 min to generate here, 20k ~45 s: the first
    # start should not keep a visitor waiting; --cases 100000 gives the full scale.
    demo.add_argument("--cases", type=int, default=20_000,
                      help="cases generated on first start (default 20000; 100000 = a full year)")
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--activity", type=float, default=4.0,
                      help="mean seconds between simulated field changes (0: none)")
    demo.add_argument("--record", type=int, default=2, metavar="N",
                      help="cameras of the prefecture hall recorded continuously (0: none)")
    demo.add_argument("--open", action="store_true",
                      help="no login: every visitor is a leader at the prefecture")
    demo.set_defaults(func=run_demo)

    serve = sub.add_parser("serve", help="运行 · run a deployment")
    serve.add_argument("--config", default=argparse.SUPPRESS, help="settings file (TOML)")
    serve.set_defaults(func=run_serve)
