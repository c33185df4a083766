"""The demo data is what the services would have written: every generated event is an action
the workflow declaration allows from the state it was taken in, by a role allowed to take it,
at the center that held the case (or by the holder of the order it acts on), leading where the
declaration leads; and every dispatch order carries what the services write on it (who
dispatched it and when, who signed it and when, why its return was asked and who approved it,
what an assist reported)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from dispatch.db import make_engine, make_session_factory
from dispatch.demo import generate_demo
from dispatch.models import CaseEvent, Center, Department, DispatchOrder
from dispatch.principal import Role
from dispatch.rollup import install_rollups
from dispatch.types import CaseState, OrderState
from dispatch.workflow import BY_ACTION

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
#: Demo actors: ``op-<center code>``, ``leader-<center code>``, ``liaison-<department code>``,
#: and the SLA clock.
ROLES = {"op": Role.OPERATOR, "leader": Role.LEADER, "liaison": Role.LIAISON}


@pytest.fixture
def demo(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    factory = install_rollups(make_session_factory(engine))
    generate_demo(factory, seed=11, cases=1500, grids=1100, now=NOW)
    yield factory
    engine.dispose()


def actor_role(actor: str) -> tuple[Role, str]:
    """(role, center or department code) of a demo actor."""
    if actor == "clock":
        return Role.SYSTEM, ""
    kind, _, code = actor.partition("-")
    return ROLES[kind], code


def holder_of(order: DispatchOrder, departments: dict[int, str], centers: dict[int, str]) -> str:
    """The actor who may act on ``order``: its department's liaison or its center's desk."""
    if order.department_id is not None:
        return f"liaison-{departments[order.department_id]}"
    return f"op-{centers[order.center_id]}"  # type: ignore[index]


def check_trail(
    events: list[CaseEvent],
    orders: dict[int, DispatchOrder],
    departments: dict[int, str],
    centers: dict[int, str],
) -> dict[str, list[tuple[int, CaseEvent]]]:
    """Check one case's events against the declaration; return its order events by action."""
    first = events[0]
    assert first.action == "report" and first.from_state is None and first.to_state == "reported"
    owner = first.payload["owning_path"]
    previous: str | None = None
    by_order: dict[str, list[tuple[int, CaseEvent]]] = {}
    for event in events[1:]:
        t = BY_ACTION[event.action]
        where = f"case {event.case_id} event {event.seq} ({event.action})"
        assert event.from_state in t.sources, where
        assert set(t.required) <= set(event.payload), where
        branch = event.payload.get(t.branch_on) if t.branch_on else None
        expected = t.next_state(CaseState(event.from_state), branch, previous)
        assert event.to_state == expected, where
        role, code = actor_role(event.actor)
        assert role in t.roles, where
        if t.on_order:
            order = orders[event.payload["order_id"]]
            assert order.case_id == event.case_id, where
            assert event.actor == holder_of(order, departments, centers), where
            by_order.setdefault(event.action, []).append((order.id, event))
        elif role != Role.SYSTEM:  # the owning center's own desk or leader
            assert code == owner.rsplit("/", 1)[-1], where
        for made in event.payload.get("orders", ()):  # dispatch, approve_return
            by_order.setdefault("dispatch", []).append((made["id"], event))
        if event.action in ("approve_return", "reject_return"):
            by_order.setdefault("decide", []).append((event.payload["order_id"], event))
        if event.action == "escalate":
            owner = event.payload["to_path"]
        if event.action == "suspend":
            previous = event.from_state
        elif event.action == "resume":
            previous = None
    return by_order


def test_demo_events_and_orders_follow_the_workflow_rules(demo: sessionmaker[Session]) -> None:
    with demo() as s:
        departments: dict[int, str] = dict(s.execute(sa.select(Department.id, Department.code)).all())
        centers: dict[int, str] = dict(s.execute(sa.select(Center.id, Center.code)).all())
        orders = {o.id: o for o in s.scalars(sa.select(DispatchOrder))}
        trails: dict[int, list[CaseEvent]] = {}
        for event in s.scalars(sa.select(CaseEvent).order_by(CaseEvent.case_id, CaseEvent.seq)):
            trails.setdefault(event.case_id, []).append(event)
        assert len(trails) > 1000 and len(orders) > 1000
        acts: dict[str, dict[int, CaseEvent]] = {
            "dispatch": {}, "sign": {}, "return": {}, "decide": {}, "feedback": {},
        }
        for events in trails.values():
            for action, pairs in check_trail(events, orders, departments, centers).items():
                for order_id, event in pairs:
                    if action in acts:
                        assert order_id not in acts[action]  # each order made, signed once
                        acts[action][order_id] = event
        seen: dict[str, int] = {}
        for order in orders.values():
            seen[order.state] = seen.get(order.state, 0) + 1
            made = acts["dispatch"][order.id]  # made by a dispatch event of the owning desk
            assert (order.dispatched_by, order.dispatched_at) == (made.actor, made.at)
            signed = acts["sign"].get(order.id)
            if order.state in (OrderState.SIGNED, OrderState.DONE) or (
                order.state == OrderState.UNREPORTED and signed is not None
            ):
                assert signed is not None, order.id
                assert (order.signed_by, order.signed_at) == (signed.actor, signed.at)
                assert order.signed_at >= order.dispatched_at  # type: ignore[operator]
            elif signed is None:
                assert order.signed_at is None and order.signed_by is None
            asked, decided = acts["return"].get(order.id), acts["decide"].get(order.id)
            if order.state in (OrderState.RETURNED, OrderState.RETURN_REQUESTED):
                assert asked is not None  # asked by its holder, with a reason
                assert order.returned_at == asked.at
                assert order.returned_reason == asked.payload["reason"] != ""
            else:
                assert asked is None and order.returned_reason is None
            if order.state == OrderState.RETURNED:  # approved by the dispatching desk
                assert decided is not None and decided.action == "approve_return"
                assert (order.return_decision, order.return_decided_at, order.return_decided_by) == (
                    "approved", decided.at, decided.actor)
                assert decided.payload["returned_reason"] == order.returned_reason
            reported = acts["feedback"].get(order.id)
            if order.role == "assist" and order.state == OrderState.DONE:  # reported its part
                assert reported is not None
                assert (order.feedback, order.feedback_at, order.feedback_by) == (
                    reported.payload["feedback"], reported.at, reported.actor)
            else:
                assert reported is None and order.feedback is None
        # The sample covers what is checked: finished, returned, reported and silent assists.
        assert seen.get("done", 0) > 1000 and seen.get("returned", 0) > 10, seen
        assert seen.get("unreported", 0) > 0 and len(acts["feedback"]) > 10, seen

