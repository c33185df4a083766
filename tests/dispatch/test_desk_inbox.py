"""The inbox: each account sees what awaits its own action, counted exactly in the database,
and every item leads to an action the workflow accepts from that account."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from dispatch.cases import perform
from dispatch.db import make_engine, make_session_factory
from dispatch.demo import generate_demo
from dispatch.desk.inbox import Tab, inbox_counts, inbox_page, tabs_for
from dispatch.desk.signing import sign_deadline
from dispatch.models import Case, Department, DispatchOrder
from dispatch.principal import Principal, Role
from dispatch.rollup import install_rollups
from tests.dispatch.factories import (
    ADMIN,
    COUNTY,
    COUNTY_LEADER,
    COUNTY_OP,
    JUDICIAL,
    LEADER,
    OPERATOR,
    POLICE,
    PREFECTURE,
    T0,
    VILLAGE,
    VILLAGE_OP,
    Db,
    act,
    new_case,
    order_ids,
    principal,
    recount_inbox,
    walk_to_handling,
)

PREFECTURE_LEADER = principal(PREFECTURE, Role.LEADER, actor="prefecture-leader")
GRID_WORKER = principal(VILLAGE, Role.GRID_WORKER, actor="grid-worker")
DUTY = principal(COUNTY, Role.DUTY_OFFICER, actor="county-duty")
ACCOUNTS = (
    PREFECTURE_LEADER, COUNTY_OP, COUNTY_LEADER, DUTY, OPERATOR, LEADER, VILLAGE_OP, POLICE,
    JUDICIAL, GRID_WORKER,
)  # fmt: skip
VILLAGE_CENTER = {"center": "532622101201"}


def _populate(db: Db) -> dict[str, int]:
    """One case in every inbox situation (returns their ids by name)."""
    ids: dict[str, int] = {}
    ids["reported"] = new_case(db).id
    ids["accepted"] = new_case(db).id
    act(db, OPERATOR, ids["accepted"], "accept")
    for name in ("to_village", "village_handling"):
        ids[name] = new_case(db).id
        act(db, OPERATOR, ids[name], "accept")
        act(db, OPERATOR, ids[name], "dispatch", lead=VILLAGE_CENTER)
    (order,) = order_ids(db, ids["village_handling"])["lead/pending"]
    act(db, VILLAGE_OP, ids["village_handling"], "sign", order_id=order)
    act(db, VILLAGE_OP, ids["village_handling"], "start", order_id=order)
    # 退单 before 签收: one approved by the township (back to 派单), one awaiting its decision.
    for name in ("returned", "return_review"):
        ids[name] = new_case(db).id
        act(db, OPERATOR, ids[name], "accept")
        act(db, OPERATOR, ids[name], "dispatch", lead={"department": "532622101-judicial"})
        (order,) = order_ids(db, ids[name])["lead/pending"]
        act(db, JUDICIAL, ids[name], "return", order_id=order, reason="不属于本所职责")
    (order,) = order_ids(db, ids["returned"])["lead/return_asked"]
    act(db, OPERATOR, ids["returned"], "approve_return", order_id=order)
    for name, steps in (("resolved", 0), ("verified", 1), ("visited", 2)):
        ids[name], order = walk_to_handling(db)
        act(db, JUDICIAL, ids[name], "resolve", order_id=order, result="已调解")
        if steps >= 1:
            act(db, OPERATOR, ids[name], "verify")
        if steps >= 2:
            act(db, OPERATOR, ids[name], "visit", satisfaction="satisfied")
    # A county case dispatched to the county police, urged by the county leader.
    ids["police"] = new_case(db, COUNTY_OP, center="532622").id
    act(db, COUNTY_OP, ids["police"], "accept")
    act(db, COUNTY_OP, ids["police"], "dispatch", lead={"department": "532622-police"})
    act(db, COUNTY_LEADER, ids["police"], "urge", message="请加快办理")
    # A township case urged before anyone took it, and one escalated to the county.
    ids["urged"] = new_case(db).id
    act(db, LEADER, ids["urged"], "urge")
    ids["escalated"] = new_case(db).id
    act(db, OPERATOR, ids["escalated"], "escalate", reason="涉及多个乡镇")
    ids["village_report"] = new_case(db, VILLAGE_OP, center="532622101201").id
    # Two reports of the grid worker: one refused by the village, one escalated to the township.
    for name, minute in (("grid_refused", 1), ("grid_escalated", 2)):
        ids[name] = new_case(db, GRID_WORKER, T0 + timedelta(minutes=minute),
                             channel="grid_worker", center="532622101201").id
    act(db, VILLAGE_OP, ids["grid_refused"], "refuse", reason="重复上报，已在处理")
    act(db, VILLAGE_OP, ids["grid_escalated"], "escalate", reason="涉及两个村")
    return ids


def test_each_account_sees_exactly_what_awaits_it(db: Db) -> None:
    _populate(db)
    with db.begin() as s:
        counts = {who.actor: inbox_counts(s, who) for who in ACCOUNTS}
        for who in ACCOUNTS:
            expected = recount_inbox(s, who)
            assert counts[who.actor] == {t: expected[t.value] for t in tabs_for(who)}, who.actor
    assert counts["township-op"] == {
        Tab.TO_SIGN: 0, Tab.HANDLING: 0, Tab.TO_ACCEPT: 2, Tab.TO_DISPATCH: 2,  # + the grid's
        Tab.RETURN_REVIEW: 1, Tab.RETURNED: 1, Tab.TO_VERIFY: 1, Tab.TO_VISIT: 1, Tab.TO_CLOSE: 1,
        Tab.SUPERVISED: 1, Tab.ESCALATED: 1,
    }  # fmt: skip
    assert counts["village-op"][Tab.TO_SIGN] == 1
    assert counts["village-op"][Tab.HANDLING] == 1
    assert counts["village-op"][Tab.TO_ACCEPT] == 1
    assert counts["police-liaison"] == {Tab.TO_SIGN: 1, Tab.HANDLING: 0, Tab.SUPERVISED: 1}
    assert counts["county-op"][Tab.TO_DISPATCH] == 1  # the escalated case
    # A grid worker has no desk: it follows its own reports, wherever they went.
    assert counts["grid-worker"] == {Tab.REPORTED: 2}
    # What a center sent up: the township its one, the village the grid worker's.
    assert counts["village-op"][Tab.ESCALATED] == 1 and counts["county-op"][Tab.ESCALATED] == 0
    assert Tab.REPORTED not in counts["township-op"] and Tab.REPORTED not in counts["police-liaison"]
    assert sum(counts["prefecture-leader"].values()) == 0


def test_pages_match_counts_and_carry_what_a_row_shows(db: Db) -> None:
    ids = _populate(db)
    now = T0 + timedelta(hours=1)
    with db.begin() as s:
        for who in ACCOUNTS:
            for tab, total in inbox_counts(s, who).items():
                page = inbox_page(s, who, tab, limit=1, now=now)
                assert page.total == total
                assert len(page.items) == min(1, total)
        (item,) = inbox_page(s, VILLAGE_OP, Tab.TO_SIGN, now=now).items
        assert item.case_id == ids["to_village"]
        assert item.number.startswith("ZZ-532622-") and item.center_name
        assert item.addressee and item.order_role == "lead" and item.order_id
        assert item.sign_deadline == T0 + timedelta(hours=2)
        assert item.sign_seconds_left == 3600 and not item.sign_late
        late = inbox_page(s, VILLAGE_OP, Tab.TO_SIGN, now=T0 + timedelta(hours=3)).items[0]
        assert late.sign_late and late.sign_seconds_left == -3600
        urged = inbox_page(s, POLICE, Tab.SUPERVISED, now=now).items
        assert [i.case_id for i in urged] == [ids["police"]]
        assert urged[0].supervision_stage == 1
        mine = inbox_page(s, GRID_WORKER, Tab.REPORTED, now=now).items
        assert [i.case_id for i in mine] == [ids["grid_escalated"], ids["grid_refused"]]
        escalated, refused = mine
        assert (refused.state, refused.latest_action) == ("refused", "refuse")
        assert refused.latest_note == "重复上报，已在处理" and refused.latest_at == T0
        assert (escalated.latest_action, escalated.latest_note) == ("escalate", "涉及两个村")
        assert escalated.center_name != refused.center_name  # now held by the township
        second = inbox_page(s, GRID_WORKER, Tab.REPORTED, limit=1, offset=1, now=now)
        assert second.total == 2 and [i.case_id for i in second.items] == [ids["grid_refused"]]
        assert inbox_page(s, GRID_WORKER, Tab.REPORTED, offset=5, now=now).total == 2
        assert inbox_page(s, OPERATOR, Tab.REPORTED, now=now).total == 0  # a desk: not its tab
        # 已上报: what the township sent up, held by the county now, its latest step the 上报.
        (sent,) = inbox_page(s, OPERATOR, Tab.ESCALATED, now=now).items
        assert sent.case_id == ids["escalated"] and sent.state == "accepted"
        assert (sent.latest_action, sent.latest_note) == ("escalate", "涉及多个乡镇")
        assert sent.center_name != escalated.center_name  # the county, not a township
        (up,) = inbox_page(s, VILLAGE_OP, Tab.ESCALATED, now=now).items
        assert up.case_id == ids["grid_escalated"]
        assert inbox_page(s, GRID_WORKER, Tab.ESCALATED, now=now).total == 0  # not a desk


def _payload(s: Session, tab: Tab, case: Case, order_id: int | None) -> tuple[str, dict]:
    if tab is Tab.TO_SIGN:
        return "sign", {"order_id": order_id}
    if tab is Tab.HANDLING:
        order = s.get(DispatchOrder, order_id)
        assert order is not None
        if order.role == "assist":
            return "feedback", {"order_id": order_id, "feedback": "已协助"}
        if case.state == "signed":
            return "start", {"order_id": order_id}
        return "resolve", {"order_id": order_id, "result": "r"}
    if tab is Tab.RETURN_REVIEW:
        return "reject_return", {"order_id": order_id, "reason": "r"}
    if tab in (Tab.TO_DISPATCH, Tab.RETURNED):
        target = {"department": "532622-police"} if case.owning_path == COUNTY else VILLAGE_CENTER
        return "dispatch", {"lead": target}
    return {
        Tab.TO_ACCEPT: ("refuse", {"reason": "r"}),
        Tab.TO_VERIFY: ("verify", {}),
        Tab.TO_VISIT: ("visit", {"satisfaction": "satisfied"}),
        Tab.TO_CLOSE: ("close", {}),
    }[tab]


def test_every_item_leads_to_an_action_the_workflow_accepts(db: Db) -> None:
    _populate(db)
    tried = 0
    with db.factory() as s:
        for who in (*ACCOUNTS, ADMIN):
            for tab in inbox_counts(s, who):
                if tab in (Tab.SUPERVISED, Tab.REPORTED, Tab.ESCALATED):
                    continue  # followed, not acted on (the escalated ones: see below)
                for item in inbox_page(s, who, tab).items:
                    case = s.get(Case, item.case_id)
                    assert case is not None
                    action, payload = _payload(s, tab, case, item.order_id)
                    nested = s.begin_nested()
                    perform(s, who, item.case_id, action, payload, sla=db.sla, now=T0)
                    nested.rollback()
                    tried += 1
    assert tried >= 12


def test_sign_deadline_is_shorter_for_emergencies(db: Db) -> None:
    policy = db.sla.policy
    assert sign_deadline(policy, T0, "emergency", "low", None, None) == T0 + timedelta(minutes=30)
    assert sign_deadline(policy, T0, "dispute", "low", None, None) == T0 + timedelta(hours=2)
    soon = T0 + timedelta(minutes=20)
    assert sign_deadline(policy, T0, "dispute", "low", None, soon) == soon


NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


@pytest.fixture
def demo(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    factory = install_rollups(make_session_factory(engine))
    generate_demo(factory, cases=3000, grids=1100, now=NOW, trail=False)
    yield factory
    engine.dispose()


def _busiest(s: Session, level: int) -> str:
    """The center path at ``level`` owning the most open cases (or any, if none)."""
    from dispatch.models import Center

    row = s.execute(
        sa.select(Center.path, sa.func.count(Case.id))
        .outerjoin(Case, sa.and_(Case.owning_path == Center.path,
                                 Case.state.not_in(("closed", "refused", "merged"))))
        .where(Center.level == level)
        .group_by(Center.path)
        .order_by(sa.func.count(Case.id).desc(), Center.path)
        .limit(1)
    ).one()  # fmt: skip
    return str(row.path)


def test_demo_accounts_counts_equal_a_recount(demo: sessionmaker[Session]) -> None:
    with demo() as s:
        accounts = [
            Principal(f"op{lvl}", _busiest(s, lvl), frozenset({Role.OPERATOR}))
            for lvl in (1, 2, 3, 4)
        ]
        accounts.append(Principal("leader", _busiest(s, 2), frozenset({Role.LEADER})))
        accounts.append(Principal("grid", _busiest(s, 4), frozenset({Role.GRID_WORKER})))
        dept = s.execute(
            sa.select(Department.code, Department.center_id)
            .join(DispatchOrder, DispatchOrder.department_id == Department.id)
            .where(DispatchOrder.state.in_(("pending", "signed")))
            .group_by(Department.code, Department.center_id)
            .order_by(sa.func.count().desc(), Department.code)
            .limit(1)
        ).one()
        from dispatch.models import Center

        path = s.scalar(sa.select(Center.path).where(Center.id == dept.center_id))
        accounts.append(
            Principal("liaison", str(path), frozenset({Role.LIAISON}), department=dept.code)
        )
        seen = 0
        for who in accounts:
            expected = recount_inbox(s, who)
            got = inbox_counts(s, who)
            assert got == {t: expected[t.value] for t in tabs_for(who)}, who
            seen += sum(got.values())
        assert seen > 0


def test_a_center_reads_what_it_sent_up_but_acts_no_more(db: Db) -> None:
    """The township's desk still opens the case it escalated (read-only: no action is
    allowed, the API's read keeps the scope); the village below it and a sibling do not."""
    from dispatch.cases import get_case
    from dispatch.errors import Hidden
    from dispatch.permissions import can_see, escalated_from, follows
    from dispatch.workflow import allowed_actions

    ids = _populate(db)
    with db.factory() as s:
        case = s.get(Case, ids["escalated"])
        assert case is not None and not can_see(s, OPERATOR, case)
        assert escalated_from(s, OPERATOR, case) and follows(s, OPERATOR, case)
        assert get_case(s, OPERATOR, case.id, follower=True).id == case.id
        with pytest.raises(Hidden):
            get_case(s, OPERATOR, case.id)
        assert allowed_actions(s, OPERATOR, case) == []
        for other in (VILLAGE_OP, GRID_WORKER, principal(f"{COUNTY}/532622102", Role.OPERATOR, actor="sibling-op")):
            assert not follows(s, other, case), other.actor
            with pytest.raises(Hidden):
                get_case(s, other, case.id, follower=True)
