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
from dispatch.rollup import install_rollups
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
    factory = install_rollups(make_session_factory(engine))
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
        "channel": "walk_in",  # a desk's channel (dispatch.channels)
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


def _pressed(case: Case) -> bool:
    """Under 催办/通报 or 督办."""
    return case.supervision_stage > 0 or case.supervise_at is not None


def recount_inbox(session: Session, who: Principal) -> dict[str, int]:
    """The inbox counts of ``who`` recomputed in plain Python from rows read by equality: the
    cases owned at its home center and the orders addressed to its center or department."""
    import sqlalchemy as sa

    from dispatch.models import Center, Department, DispatchOrder

    desk = who.has(Role.OPERATOR, Role.DUTY_OFFICER, Role.LEADER)
    home = session.scalar(sa.select(Center.id).where(Center.path == who.center_path))
    dept = (
        session.scalar(sa.select(Department.id).where(Department.code == who.department))
        if who.department
        else None
    )
    mine = [
        o
        for o in session.scalars(sa.select(DispatchOrder))
        if (dept is not None and o.department_id == dept) or (desk and o.center_id == home)
    ]
    owned = list(session.scalars(sa.select(Case).where(Case.owning_path == who.center_path)))
    cases = {c.id: c for c in owned}
    for o in mine:
        cases.setdefault(o.case_id, session.get(Case, o.case_id))  # type: ignore[arg-type]
    orders_of: dict[int, list[Any]] = {}
    for o in session.scalars(sa.select(DispatchOrder).where(DispatchOrder.case_id.in_(cases))):
        orders_of.setdefault(o.case_id, []).append(o)
    counts = dict.fromkeys(
        ("to_sign", "handling", "to_accept", "to_dispatch", "return_review", "returned", "to_verify",
         "to_visit", "to_close", "supervised"), 0,
    )  # fmt: skip
    on_order = {"dispatched", "signed", "handling"}
    supervisable = {"reported", "accepted", "dispatched", "signed", "handling", "resolved"}
    pressed: set[int] = set()
    for o in mine:
        state = cases[o.case_id].state
        if o.state == "pending" and state in on_order:
            counts["to_sign"] += 1
        if o.state == "signed" and state in on_order:
            counts["handling"] += 1
        if o.state in ("pending", "signed") and _pressed(cases[o.case_id]):
            if state in supervisable:
                pressed.add(o.case_id)
    for c in owned if desk else []:
        latest = max(orders_of.get(c.id, []), key=lambda o: o.id, default=None)
        returned = latest is not None and latest.role == "lead" and latest.state == "returned"
        tab = {
            "reported": "to_accept",
            "accepted": "returned" if returned else "to_dispatch",
            "resolved": "to_verify",
            "verified": "to_visit",
            "visited": "to_close",
        }.get(c.state)
        if tab:
            counts[tab] += 1
        if c.state in on_order:
            counts["return_review"] += sum(
                1 for o in orders_of.get(c.id, []) if o.state == "return_asked"
            )
        active = any(o.state in ("pending", "signed") for o in orders_of.get(c.id, []))
        if _pressed(c) and c.state in supervisable and not active:
            pressed.add(c.id)
    counts["supervised"] = len(pressed)
    from dispatch.models import CaseEvent

    counts["reported"] = len({
        e.case_id for e in session.scalars(sa.select(CaseEvent).where(CaseEvent.actor == who.actor))
        if e.action == "report"
    })  # fmt: skip
    # What its center sent up: read from the trail's 上报 lines (their payload names the
    # center they came from), not from the table the inbox reads.
    code = who.center_path.rsplit("/", 1)[-1]
    counts["escalated"] = len({
        e.case_id for e in session.scalars(sa.select(CaseEvent).where(CaseEvent.action == "escalate"))
        if desk and e.payload.get("from_center") == code
    })  # fmt: skip
    return counts
