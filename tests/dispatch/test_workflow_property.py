"""Random action sequences never reach an invalid state, and the audit replays to the present."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatch.cases import orders_of, perform, replay_matches, timeline
from dispatch.effects import snapshot
from dispatch.errors import DispatchError
from dispatch.models import Case
from dispatch.types import CaseState, OrderRole, OrderState
from dispatch.workflow import BY_ACTION, TRANSITIONS, actions_in, role_allows
from tests.dispatch.factories import (
    COUNTY_LEADER,
    COUNTY_OP,
    JUDICIAL,
    LEADER,
    OPERATOR,
    POLICE,
    SYSTEM,
    T0,
    VILLAGE_OP,
    Db,
    new_case,
)

ACTORS = [OPERATOR, LEADER, JUDICIAL, POLICE, VILLAGE_OP, COUNTY_OP, COUNTY_LEADER, SYSTEM]
TARGETS = [
    {"department": "532622101-judicial"},
    {"center": "532622101201"},
    {"center": "532622101202"},
    {"department": "532622-police"},
    {"center": "532622101"},
    {"department": "532622101-judicial"},
    {"center": "532622101201"},
]
TEXT = st.sampled_from(["原因", "处理结果", "<b>说明</b>"])
Draw = Callable[[st.SearchStrategy[Any]], Any]


def payload_for(action: str, draw: Draw, order_ids: list[int], other_case: int) -> dict[str, Any]:
    order = st.sampled_from(order_ids or [1])
    builders: dict[str, Callable[[], dict[str, Any]]] = {
        "accept": lambda: draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "risk": st.sampled_from(["high", "medium", "low"]),
                    "leader": st.just("李镇长"),
                    "plan": st.just("一案一策"),
                },
            )
        ),
        "dispatch": lambda: {
            "lead": draw(st.sampled_from(TARGETS)),
            "assists": draw(st.lists(st.sampled_from(TARGETS), max_size=2)),
        },
        "sign": lambda: {"order_id": draw(order)},
        "return": lambda: {"order_id": draw(order), "reason": draw(TEXT)},
        "approve_return": lambda: {
            "order_id": draw(order),
            **draw(st.fixed_dictionaries({}, optional={"lead": st.sampled_from(TARGETS)})),
        },
        "reject_return": lambda: {"order_id": draw(order), "reason": draw(TEXT)},
        "feedback": lambda: {"order_id": draw(order), "feedback": draw(TEXT)},
        "start": lambda: {"order_id": draw(order)},
        "resolve": lambda: {"order_id": draw(order), "result": draw(TEXT)},
        "visit": lambda: {
            "satisfaction": draw(
                st.sampled_from(["satisfied", "basically_satisfied", "unsatisfied"])
            )
        },
        "extend": lambda: {"days": draw(st.integers(1, 5)), "reason": draw(TEXT)},
        "assign_leader": lambda: {"leader": "张县长", "plan": "专班"},
        "merge": lambda: {"into": other_case},
        "regrade": lambda: {
            "risk": draw(st.sampled_from(["high", "medium", "low"])), "reason": draw(TEXT),
            "leader": "李镇长", "plan": "一案一策",
        },
        "plan_review": lambda: {"note": draw(TEXT), "review_on": "2027-06-30"},
        "supervise": lambda: {"note": draw(TEXT)},
    }
    needs_reason = {t.action for t in TRANSITIONS if "reason" in t.required}
    if action in builders:
        return builders[action]()
    return {"reason": draw(TEXT)} if action in needs_reason else {}


FORWARD = {"accept", "dispatch", "sign", "start", "resolve", "verify", "visit", "close"}
RESOLVED_STATES = {CaseState.RESOLVED, CaseState.VERIFIED, CaseState.VISITED, CaseState.CLOSED}


def check_invariants(db: Db, case_id: int, origin: str) -> None:
    with db.begin() as s:
        case = s.get(Case, case_id)
        assert case is not None
        state = CaseState(case.state)
        assert replay_matches(s, case), "the audit trail must replay to the stored state"
        assert case.event_count == len(timeline(s, case_id))
        assert (case.closed_at is not None) == (state == CaseState.CLOSED)
        assert (case.resolved_at is not None) == (state in RESOLVED_STATES)
        assert origin == case.owning_path or origin.startswith(case.owning_path + "/")
        assert (case.suspended_at is not None) == (state == CaseState.SUSPENDED)
        working = CaseState(case.suspended_from) if state == CaseState.SUSPENDED else state
        leads = [
            o
            for o in orders_of(s, case_id)
            if o.role == OrderRole.LEAD
            and o.state in (OrderState.PENDING, OrderState.SIGNED, OrderState.RETURN_REQUESTED)
        ]
        # A lead order whose return (退单) awaits the center's decision still holds the case.
        if [o.state for o in leads] == [OrderState.RETURN_REQUESTED]:
            assert working == CaseState.DISPATCHED
            leads = [o for o in leads if o.state != OrderState.RETURN_REQUESTED]
            working = CaseState.ACCEPTED
        expected = {
            CaseState.DISPATCHED: [OrderState.PENDING],
            CaseState.SIGNED: [OrderState.SIGNED],
            CaseState.HANDLING: [OrderState.SIGNED],
        }.get(working, [])
        assert [o.state for o in leads] == expected, (state, [o.state for o in leads])
        if case.risk == "high" and state not in (
            CaseState.REPORTED,
            CaseState.REFUSED,
            CaseState.MERGED,
        ):
            assert case.leader and case.plan


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_random_sequences_keep_the_case_valid(db: Db, data: st.DataObject) -> None:
    other = new_case(db, title="另一件")
    case = new_case(db)
    origin = case.owning_path
    actions = [t.action for t in TRANSITIONS]
    for step in range(data.draw(st.integers(5, 40), label="steps")):
        with db.begin() as s:
            orders = orders_of(s, case.id)
            active = [o.id for o in orders if o.state in (OrderState.PENDING, OrderState.SIGNED,
                                                          OrderState.RETURN_REQUESTED)]
            order_ids = (
                active if active and data.draw(st.integers(0, 5)) else [o.id for o in orders]
            )
            before = snapshot(s.get(Case, case.id))
        # Mostly actions the state allows (to get deep), sometimes anything (to test guards).
        possible = actions_in(before["state"]) or actions
        forward = [a for a in possible if a in FORWARD] or possible
        bias = data.draw(st.integers(0, 9), label="bias")
        pool = actions if bias == 0 else possible if bias < 3 else forward
        action = data.draw(st.sampled_from(pool), label="action")
        fit = [a for a in ACTORS if role_allows(BY_ACTION[action], a)]
        who = data.draw(
            st.sampled_from(fit if fit and data.draw(st.booleans()) else ACTORS), label="actor"
        )
        payload = payload_for(action, data.draw, order_ids, other.id)
        try:
            with db.begin() as s:
                perform(
                    s, who, case.id, action, payload, sla=db.sla, now=T0 + timedelta(hours=step)
                )
        except DispatchError:
            with db.begin() as s:  # a refused action changes nothing
                assert snapshot(s.get(Case, case.id)) == before
        check_invariants(db, case.id, origin)
