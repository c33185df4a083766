"""Small builders for dispatch tests: a four-level deployment, principals, cases."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from config.deployment import Deployment, load_deployment
from dispatch import models  # noqa: F401  (registers the tables)
from dispatch.cases import perform, report_case
from dispatch.db import Base, make_engine, make_session_factory
from dispatch.intake import parse_intake
from dispatch.models import Case
from dispatch.principal import Principal, Role
from dispatch.registry import import_deployment
from dispatch.sla import Sla

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "deployment.toml"
PREFECTURE = "532600"
COUNTY = "532600/532622"
TOWNSHIP = "532600/532622/532622101"
VILLAGE = "532600/532622/532622101/532622101201"
OTHER_COUNTY = "532600/532623"
# A Tuesday morning, far from holidays.
T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def deployment() -> Deployment:
    return load_deployment(EXAMPLE)


@dataclass
class Db:
    engine: Engine
    factory: sessionmaker[Session]
    sla: Sla

    @contextmanager
    def begin(self) -> Iterator[Session]:
        with self.factory.begin() as session:
            yield session


def make_db(url: str) -> Db:
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    factory = make_session_factory(engine)
    dep = deployment()
    with factory.begin() as session:
        import_deployment(session, dep)
    return Db(engine, factory, Sla.build(dep.sla, dep.holidays))


def principal(
    path: str = TOWNSHIP, *roles: Role, actor: str = "op1", department: str | None = None
) -> Principal:
    return Principal(
        actor=actor,
        center_path=path,
        roles=frozenset(roles or {Role.OPERATOR}),
        name=actor,
        department=department,
    )


OPERATOR = principal(TOWNSHIP, Role.OPERATOR, actor="township-op")
LEADER = principal(TOWNSHIP, Role.LEADER, actor="township-leader")
COUNTY_OP = principal(COUNTY, Role.OPERATOR, actor="county-op")
COUNTY_LEADER = principal(COUNTY, Role.LEADER, actor="county-leader")
VILLAGE_OP = principal(VILLAGE, Role.OPERATOR, actor="village-op")
POLICE = principal(COUNTY, Role.LIAISON, actor="police-liaison", department="532622-police")
JUDICIAL = principal(
    TOWNSHIP, Role.LIAISON, actor="judicial-liaison", department="532622101-judicial"
)
SYSTEM = principal(PREFECTURE, Role.SYSTEM, actor="clock")
ADMIN = principal(PREFECTURE, Role.ADMIN, actor="admin")


def intake(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "邻里噪音纠纷",
        "description": "楼上装修噪音",
        "kind": "dispute",
        "channel": "grid_worker",
        "center": "532622101",
        "risk": "low",
    }
    data.update(overrides)
    return data


def new_case(db: Db, who: Principal = OPERATOR, at: datetime = T0, **overrides: Any) -> Case:
    with db.begin() as s:
        case, _ = report_case(s, who, parse_intake(intake(**overrides)), sla=db.sla, now=at)
        return case


def act(
    db: Db, who: Principal, case_id: int, action: str, at: datetime = T0, **payload: Any
) -> Case:
    with db.begin() as s:
        return perform(s, who, case_id, action, payload, sla=db.sla, now=at)


def order_ids(db: Db, case_id: int) -> dict[str, list[int]]:
    from dispatch.cases import orders_of

    with db.begin() as s:
        out: dict[str, list[int]] = {}
        for o in orders_of(s, case_id):
            out.setdefault(f"{o.role}/{o.state}", []).append(o.id)
        return out


def walk_to_handling(db: Db, at: datetime = T0, **overrides: Any) -> tuple[int, int]:
    """Report, accept, dispatch to the judicial office, sign and start: (case id, lead order)."""
    case = new_case(db, at=at, **overrides)
    act(db, OPERATOR, case.id, "accept", at)
    act(db, OPERATOR, case.id, "dispatch", at, lead={"department": "532622101-judicial"})
    (order,) = order_ids(db, case.id)["lead/pending"]
    act(db, JUDICIAL, case.id, "sign", at, order_id=order)
    act(db, JUDICIAL, case.id, "start", at, order_id=order)
    return case.id, order
