"""``zongzhi demo``: the generated prefecture, simulated cameras at every level, live activity.

:func:`prepare` creates the SQLite database with the generated prefecture when it is absent
(a second start reuses it), then lays out the demo cameras on one branch of each county so
every level has video: the prefecture's hall, each county's center, townships and villages.
One camera is *flaky*: it is fed over HTTP by :mod:`dashboard.demo.feed`, which goes silent
for a while every few minutes, so the watchdog, the duty alerts and the wall show a real
outage and recovery.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from config.briefings import BriefingSchedule
from config.cameras import CameraConfig
from dispatch.accounts.demo import demo_branch
from dispatch.briefings.schedule import BriefingScheduler
from dispatch.db import make_engine, make_session_factory
from dispatch.duty.demo import seed_demo_roster
from dispatch.migrate import upgrade
from dispatch.models import Camera, Center
from dispatch.rollup import install_rollups

SUB = "sim://?w=640&h=360&fps={fps}&label={label}"
MAIN = "sim://?w=1280&h=720&fps=10&label={label}"
FLAKY_ID = "demo-flaky"
#: Cameras per level: the command hall, each county, townships and villages (one branch each).
PER_LEVEL = {1: 2, 2: 1, 3: 1, 4: 2}
#: Sub-streams at 5 fps keep dozens of simulated cameras well inside a 2-core machine.
SUB_FPS = 5


@dataclass(frozen=True)
class DemoOptions:
    cases: int = 20_000
    seed: int = 1
    activity_seconds: float = 4.0  # mean pause of the field simulator between two changes
    flaky_period: float = 180.0  # seconds of one flaky-camera cycle
    flaky_outage: float = 30.0  # seconds of silence in each cycle


def has_centers(session_factory: sessionmaker[Session]) -> bool:
    try:
        with session_factory() as session:
            return bool(session.scalar(sa.select(sa.func.count()).select_from(Center)))
    except sa.exc.OperationalError:
        return False


#: Levels whose assessments (周/月/季研判) the demo makes before it starts: the prefecture and
#: the counties. A village's weekly assessment costs about as much as a county's (some twenty
#: statements each), and there are 1,129 centers: the schedule's first pass, five minutes
#: after the start, makes the rest in the background.
FIRST_ASSESSMENT_LEVELS = (1, 2)


def first_briefings(policy: BriefingSchedule) -> BriefingSchedule:
    """What the demo makes before it starts: every daily summary the schedule would have made
    by now (one batch, about a second), and the assessments of :data:`FIRST_ASSESSMENT_LEVELS`."""
    return policy.model_copy(update={
        f"{kind}_levels": [lv for lv in getattr(policy, f"{kind}_levels")
                           if lv in FIRST_ASSESSMENT_LEVELS]
        for kind in ("weekly", "monthly", "quarterly")
    })


def prepare_database(
    url: str, options: DemoOptions, log: callable = print,  # type: ignore[valid-type]
    briefings: BriefingSchedule | None = None,
) -> float:
    """Migrate, generate the prefecture when the database has none, and make the briefings
    the schedule would have made by now (yesterday's 日小结, last week's 研判 …) when
    ``briefings`` is given, so a leader opening the 研判 page of a fresh demo finds them
    instead of waiting for the schedule's first pass (see :func:`first_briefings`). Returns
    seconds spent."""
    started = time.perf_counter()
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    try:
        upgrade(engine)
        factory = install_rollups(make_session_factory(engine))
        if not has_centers(factory):
            from dispatch.demo import generate_demo

            log(f"生成演示数据 · generating the demo prefecture ({options.cases:,} cases)…")
            generate_demo(factory, seed=options.seed, cases=options.cases)
        if briefings is not None and briefings.enabled:
            made = BriefingScheduler(factory, first_briefings(briefings)).run_once().made
            if any(made.values()):
                log("生成简报 · briefings made: " + ", ".join(
                    f"{kind} {n}" for kind, n in made.items() if n))
    finally:
        engine.dispose()
    return time.perf_counter() - started


def _branch_centers(session: Session) -> dict[int, list[Center]]:
    """For each level, the centers that get cameras: spread over counties, deterministic."""
    chosen: dict[int, list[Center]] = {1: [], 2: [], 3: [], 4: []}
    chosen[1] = list(session.scalars(sa.select(Center).where(Center.level == 1).order_by(Center.code)))
    counties = list(session.scalars(sa.select(Center).where(Center.level == 2).order_by(Center.code)))
    chosen[2] = counties
    for county in counties:
        town = session.scalars(
            sa.select(Center).where(Center.parent_id == county.id).order_by(Center.code).limit(1)
        ).first()
        if town is None:
            continue
        chosen[3].append(town)
        chosen[4] += list(
            session.scalars(
                sa.select(Center).where(Center.parent_id == town.id).order_by(Center.code).limit(2)
            )
        )
    return chosen


def demo_cameras(session: Session, port: int, seed: int = 1) -> list[CameraConfig]:
    """The demo's cameras (and their registry rows, created or updated in ``session``)."""
    rng = random.Random(seed)
    configs: list[CameraConfig] = []
    spots = ("路口", "广场", "大门", "主街", "河道", "市场", "学校周边", "村委会")
    for level, centers in _branch_centers(session).items():
        for center in centers:
            for i in range(PER_LEVEL[level] if level != 1 else 2):
                cam_id = f"cam-{center.code}-{i + 1}"
                # The first camera of the prefecture's and each county's hall has a PTZ head
                # (a window over a larger scene), steered through the simulated ONVIF device.
                ptz = level <= 2 and i == 0
                head = f"&ptz={cam_id}" if ptz else ""
                short = center.name.replace("综治中心", "")
                name = f"{short}{spots[(i + len(configs)) % len(spots)]}"
                configs.append(
                    CameraConfig(
                        id=cam_id, name=name[:100], center=center.code,
                        sub_url=SUB.format(fps=SUB_FPS, label=cam_id) + head,
                        main_url=MAIN.format(label=cam_id) + head,
                        fps=SUB_FPS,
                        ptz={"url": f"sim://{cam_id}"} if ptz else None,
                        lat=(center.lat or 23.4) + rng.uniform(-0.01, 0.01),
                        lon=(center.lon or 104.2) + rng.uniform(-0.01, 0.01),
                    )
                )
    if configs:
        host = configs[len(configs) // 2]
        configs.append(
            CameraConfig(
                id=FLAKY_ID, name="演示故障摄像头 flaky", center=host.center,
                sub_url=f"http://127.0.0.1:{port}/demo/feed/{FLAKY_ID}.mjpg", fps=SUB_FPS,
                lat=host.lat, lon=host.lon, tamper=False, important=True,
            )
        )
    register_cameras(session, configs)
    seed_demo_roster(session, demo_branch(session))  # who is on duty: escalations name them
    return configs


def register_cameras(session: Session, configs: list[CameraConfig]) -> None:
    """Upsert registry rows for ``configs`` (URLs stay in configuration: they are secrets)."""
    codes = {c.center for c in configs}
    ids = dict(session.execute(sa.select(Center.code, Center.id).where(Center.code.in_(codes))).all())
    existing = {c.id: c for c in session.scalars(sa.select(Camera).where(Camera.id.in_([c.id for c in configs])))}
    for cfg in configs:
        row = existing.get(cfg.id)
        values = dict(name=cfg.name, center_id=ids[cfg.center], lat=cfg.lat, lon=cfg.lon, enabled=cfg.enabled)
        if row is None:
            session.add(Camera(id=cfg.id, status="unknown", **values))
        else:
            for key, value in values.items():
                setattr(row, key, value)
    session.flush()
