"""The rollups follow the real services: after every kind of action the KPIs still equal the
plain recomputation, and the rollup table equals a rebuild from the cases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from dispatch.cases import orders_of, perform
from dispatch.errors import ConflictError
from dispatch.kpi import compute_kpis
from dispatch.models import Case
from dispatch.principal import Role
from dispatch.rollup import kpi_daily, rebuild_rollups
from tests.dispatch.factories import (
    COUNTY,
    COUNTY_LEADER,
    COUNTY_OP,
    JUDICIAL,
    LEADER,
    OPERATOR,
    PREFECTURE,
    T0,
    TOWNSHIP,
    VILLAGE,
    VILLAGE_OP,
    Db,
    act,
    make_db,
    new_case,
    principal,
    walk_to_handling,
)
from tests.dispatch.test_kpi import check_scope

H = timedelta(hours=1)
PREFECT_OP = principal(PREFECTURE, Role.OPERATOR, actor="prefecture-op")


def _close(db: Db, case_id: int, order: int, at: Any, satisfaction: str = "satisfied") -> None:
    act(db, JUDICIAL, case_id, "resolve", at, order_id=order, result="已化解")
    act(db, OPERATOR, case_id, "verify", at + H)
    act(db, OPERATOR, case_id, "visit", at + 2 * H, satisfaction=satisfaction)
    if satisfaction != "unsatisfied":
        act(db, OPERATOR, case_id, "close", at + 3 * H)


def _orders(db: Db, case_id: int) -> list[Any]:
    with db.begin() as s:
        found = orders_of(s, case_id)
        for o in found:
            s.expunge(o)
        return found


def _rows(db: Db) -> dict[tuple[Any, ...], tuple[int, ...]]:
    with db.begin() as s:
        rows = s.execute(sa.select(kpi_daily)).all()
    return {tuple(r[:3]): tuple(int(v) for v in r[3:]) for r in rows if any(r[3:])}


def _check_all(db: Db, now: Any) -> None:
    with db.factory() as s:
        for scope in (PREFECTURE, COUNTY, TOWNSHIP, VILLAGE):
            check_scope(s, scope, T0 - timedelta(days=30), now, now)
            check_scope(s, scope, T0, T0 + timedelta(days=1), now)
    before = _rows(db)
    with db.begin() as s:
        rebuild_rollups(s)
    assert _rows(db) == before


@pytest.fixture
def db(database_url: str) -> Iterator[Db]:
    db = make_db(database_url)
    yield db
    db.engine.dispose()


def test_rollups_follow_every_kind_of_action(db: Db) -> None:
    with db.begin() as s:
        rebuild_rollups(s)  # creates the (empty) table: from now on the listener keeps it
    # Closed on time, at the township's judicial office.
    a, order = walk_to_handling(db)
    _close(db, a, order, T0 + 2 * H)
    # Reworked once, then 不满意 once (重办), then closed 基本满意.
    b, order = walk_to_handling(db)
    act(db, JUDICIAL, b, "resolve", T0 + H, order_id=order, result="初步处理")
    act(db, OPERATOR, b, "rework", T0 + 2 * H, reason="未实地核实")
    _close(db, b, order, T0 + 3 * H, "unsatisfied")
    _close(db, b, order, T0 + 7 * H, "basically_satisfied")
    # Open and overdue: reported ten days ago, accepted, never dispatched.
    c = new_case(db, at=T0 - timedelta(days=10))
    act(db, OPERATOR, c.id, "accept", T0 - timedelta(days=10))
    # Suspended (缓办): open, its clock paused, never overdue while suspended.
    d, _ = walk_to_handling(db, at=T0 - timedelta(days=9))
    act(db, LEADER, d, "suspend", T0 - timedelta(days=9), reason="当事人外出")
    # Extended (延期), then closed.
    e, order = walk_to_handling(db, complexity="simple")
    act(db, LEADER, e, "extend", T0 + H, days=3, reason="需要鉴定")
    _close(db, e, order, T0 + 30 * H)
    # Closed, then reopened (重启): no longer counts as closed.
    f, order = walk_to_handling(db)
    _close(db, f, order, T0 + H)
    act(db, LEADER, f, "reopen", T0 + 5 * H, reason="当事人反映问题复发")
    # High risk with leader and plan, open.
    new_case(db, risk="high", leader="张书记", plan="一案一策：专班稳控")
    # Refused.
    g = new_case(db)
    act(db, OPERATOR, g.id, "refuse", T0 + H, reason="不属于受理范围")
    # Escalated from the village up to the county and on to the prefecture: it leaves the
    # county's subtree and lands on the prefecture's own row.
    v = new_case(db, who=VILLAGE_OP, center="532622101201")
    act(db, VILLAGE_OP, v.id, "accept", T0)
    act(db, VILLAGE_OP, v.id, "escalate", T0 + H, reason="超出村级处置能力")
    act(db, OPERATOR, v.id, "escalate", T0 + 2 * H, reason="涉及多个乡镇")
    act(db, COUNTY_OP, v.id, "escalate", T0 + 3 * H, reason="跨县矛盾")
    # 退单: one rejected, then one approved with a re-dispatch, then closed; and one approved
    # without re-dispatch, waiting to be dispatched again.
    r = new_case(db, channel="walk_in")
    act(db, OPERATOR, r.id, "accept", T0)
    act(db, OPERATOR, r.id, "dispatch", T0, lead={"center": "532622101201"},
        assists=[{"department": "532622101-judicial"}])  # fmt: skip
    (first,) = [o for o in _orders(db, r.id) if o.role == "lead"]
    act(db, VILLAGE_OP, r.id, "return", T0 + H, order_id=first.id, reason="人手不足")
    act(db, OPERATOR, r.id, "reject_return", T0 + H, order_id=first.id, reason="请签收")
    act(db, VILLAGE_OP, r.id, "return", T0 + 2 * H, order_id=first.id, reason="确需司法所")
    act(db, OPERATOR, r.id, "approve_return", T0 + 2 * H, order_id=first.id,
        lead={"department": "532622101-judicial"})  # fmt: skip
    (again,) = [o for o in _orders(db, r.id) if o.state == "pending"]
    act(db, JUDICIAL, r.id, "sign", T0 + 2 * H, order_id=again.id)
    act(db, JUDICIAL, r.id, "start", T0 + 2 * H, order_id=again.id)
    _close(db, r.id, again.id, T0 + 3 * H)
    q = new_case(db, channel="walk_in")
    act(db, OPERATOR, q.id, "accept", T0)
    act(db, OPERATOR, q.id, "dispatch", T0, lead={"center": "532622101201"})
    (only,) = _orders(db, q.id)
    act(db, VILLAGE_OP, q.id, "return", T0 + H, order_id=only.id, reason="不属于本村")
    act(db, OPERATOR, q.id, "approve_return", T0 + H, order_id=only.id)
    # A case in the other county, closed at county level by the county police.
    w = new_case(db, who=COUNTY_OP, center="532622")
    act(db, COUNTY_OP, w.id, "accept", T0)

    now = T0 + timedelta(days=2)
    _check_all(db, now)
    with db.factory() as s:
        top = compute_kpis(s, PREFECTURE, T0 - timedelta(days=30), now, now=now)
        own = [c for c in top["children"] if c["own"]]
        assert len(own) == 1 and own[0]["open"] == 1, "the escalated case sits at the prefecture"
        county = compute_kpis(s, COUNTY, T0 - timedelta(days=30), now, now=now)
        assert county["closed"] == 4 and county["reworked"] == 1 and county["extended"] == 1
        assert county["visits"] == 5 and county["satisfied_visits"] == 4
        assert (county["returns"], county["returns_rejected"]) == (1, 1)
        assert county["suspended"] == 1 and county["overdue"] >= 1
        assert county["open_by_risk"]["high"] == 1

    # Resuming the suspended case and closing the overdue one move the figures; still exact.
    act(db, OPERATOR, d, "resume", now)
    act(db, OPERATOR, c.id, "dispatch", now, lead={"department": "532622101-judicial"})
    _check_all(db, now + timedelta(hours=5))
    with db.factory() as s:
        assert compute_kpis(s, PREFECT_OP.center_path, T0, now, now=now)["scope"] == PREFECTURE
    assert COUNTY_LEADER.center_path == COUNTY


def test_a_lost_race_leaves_the_rollups_untouched(db: Db) -> None:
    """The loser of two concurrent actions rolls back its rollup change with its case change."""
    with db.begin() as s:
        rebuild_rollups(s)
    a, order = walk_to_handling(db)
    loser = db.factory()
    try:
        stale = loser.get(Case, a)
        assert stale is not None and stale.state == "handling"
        act(db, JUDICIAL, a, "resolve", T0 + H, order_id=order, result="已化解")
        act(db, OPERATOR, a, "verify", T0 + 2 * H)
        with pytest.raises(ConflictError):
            # Escalating moves the case's counts to another center: a real rollup change.
            perform(loser, OPERATOR, a, "escalate", {"reason": "x"}, sla=db.sla, now=T0 + 3 * H)
        loser.rollback()
    finally:
        loser.close()
    before = _rows(db)
    with db.begin() as s:
        rebuild_rollups(s)
    assert _rows(db) == before
    with db.factory() as s:
        check_scope(s, COUNTY, T0 - timedelta(days=1), T0 + timedelta(days=1), T0 + 4 * H)


def test_the_api_answers_the_same_kpis(db: Db, tmp_path: Any) -> None:
    from tests.dispatch.apiclient import api_for

    with db.begin() as s:
        rebuild_rollups(s)
    a, order = walk_to_handling(db)
    _close(db, a, order, T0 + H)
    new_case(db, risk="high", leader="张书记", plan="一案一策")
    with api_for(db, tmp_path, {"county": COUNTY_OP}) as (api, _):
        r = api.get("/api/kpis?scope=532622&from=2026-11-01&to=2026-11-30", as_="county")
        assert r.status_code == 200, r.text
        doc = r.json()
        assert doc["reported"] == 2 and doc["closed"] == 1 and doc["open_by_risk"]["high"] == 1
        assert [c["code"] for c in doc["children"]] == ["532622101", "532622102"]
        assert doc["from"].startswith("2026-10-31T16:00:00")
        outside = api.get("/api/kpis?scope=532623", as_="county")
        assert outside.status_code == 404
