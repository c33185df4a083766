"""Alerts follow their case: when a case is escalated, its orders withdrawn or it is merged, the
alerts of centers that no longer hold it close with the reason on their trail and the new
holder's open; 督办 alerts end when the resolution awaits 核查 and when the case ends."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dispatch.alerts import list_alerts, raise_alert
from dispatch.clock import SlaClock
from dispatch.duty.steps import trail
from dispatch.events import InProcessBus
from dispatch.models import Alert, Case
from dispatch.principal import Role
from dispatch.types import AlertKind, Severity
from tests.dispatch.factories import (
    ADMIN,
    COUNTY,
    COUNTY_LEADER,
    COUNTY_OP,
    JUDICIAL,
    OPERATOR,
    PREFECTURE,
    T0,
    TOWNSHIP,
    VILLAGE,
    VILLAGE_OP,
    Db,
    act,
    new_case,
    order_ids,
    principal,
    walk_to_handling,
)

VILLAGE_CODE = VILLAGE.rsplit("/", 1)[1]
VILLAGE_LEADER = principal(VILLAGE, Role.LEADER, actor="village-leader")


def open_at(db: Db, path: str, case_id: int) -> dict[str, str]:
    """Open alerts of the case raised at exactly ``path``: kind → center."""
    with db.begin() as s:
        rows = list_alerts(s, ADMIN, PREFECTURE, limit=500)
        return {a.kind: a.center_path for a in rows if a.case_id == case_id and a.center_path == path}


def all_alerts(db: Db, case_id: int) -> list[tuple[str, str, bool]]:
    """(kind, center, open) of every alert of the case, oldest first."""
    with db.begin() as s:
        rows = s.scalars(sa.select(Alert).where(Alert.case_id == case_id).order_by(Alert.id))
        return [(a.kind, a.center_path, a.open_key is not None) for a in rows]


def steps_of(db: Db, case_id: int, kind: str) -> list[list[tuple[str, str | None, str | None]]]:
    """The trail of each alert of ``kind`` about the case: (step, center, note)."""
    with db.begin() as s:
        ids = list(s.scalars(sa.select(Alert.id).where(Alert.case_id == case_id, Alert.kind == kind)
                             .order_by(Alert.id)))
        found = trail(s, ids)
        return [[(r.step, r.center_path, r.note) for r in found[i]] for i in ids]


def overdue_village_case(db: Db, **overrides: object) -> tuple[int, object]:
    """A case accepted at the village, then overdue: the clock raised 超期 and 催办 there."""
    case = new_case(db, who=VILLAGE_OP, center=VILLAGE_CODE, **overrides)
    act(db, VILLAGE_OP, case.id, "accept")
    with db.begin() as s:
        due = s.get(Case, case.id).due_at  # type: ignore[union-attr]
    SlaClock(db.factory, InProcessBus(), db.sla).run_once(due + timedelta(minutes=1))
    return case.id, due


def test_escalation_hands_the_village_alerts_to_the_township(db: Db) -> None:
    case_id, due = overdue_village_case(db)
    assert open_at(db, VILLAGE, case_id) == {"case_overdue": VILLAGE, "supervision": VILLAGE}
    at = due + timedelta(hours=2)  # type: ignore[operator]
    act(db, VILLAGE_OP, case_id, "escalate", at, reason="超出村级处置能力")

    assert open_at(db, VILLAGE, case_id) == {}  # the village cannot open the case any more
    assert open_at(db, TOWNSHIP, case_id) == {
        "case_overdue": TOWNSHIP, "supervision": TOWNSHIP, "escalation": TOWNSHIP,
    }
    old, new = steps_of(db, case_id, "case_overdue")
    assert old[-1] == ("handed_over", TOWNSHIP, "escalate")  # where it went, and why
    assert new[0][0] == "raised" and new[1] == ("taken_over", VILLAGE, "escalate")
    (old_sup, new_sup) = steps_of(db, case_id, "supervision")
    assert old_sup[-1] == ("handed_over", TOWNSHIP, "escalate")
    assert new_sup[1] == ("taken_over", VILLAGE, "escalate")


def test_escalation_by_rule_moves_alerts_again_and_closes_the_old_escalation_alert(db: Db) -> None:
    case_id, due = overdue_village_case(db)
    clock = SlaClock(db.factory, InProcessBus(), db.sla)
    window = timedelta(hours=db.sla.policy.escalation.overdue_hours)
    first = clock.run_once(due + window + timedelta(minutes=2))  # type: ignore[operator]
    assert first.escalated == 1
    assert set(open_at(db, TOWNSHIP, case_id)) == {"case_overdue", "supervision", "escalation"}
    second = clock.run_once(due + 2 * window + timedelta(minutes=3))  # type: ignore[operator]
    assert second.escalated == 1
    assert open_at(db, TOWNSHIP, case_id) == {}  # its escalation alert too: it holds nothing
    assert set(open_at(db, COUNTY, case_id)) == {"case_overdue", "supervision", "escalation"}
    opened = [(k, c) for k, c, is_open in all_alerts(db, case_id) if is_open]
    assert {c for _, c in opened} == {COUNTY}  # 催办 and the later 通报 included
    assert [k for k, _ in opened].count("case_overdue") == 1


def test_high_risk_alert_follows_to_the_new_holder_once(db: Db) -> None:
    case = new_case(db, who=VILLAGE_OP, center=VILLAGE_CODE, risk="high")
    act(db, VILLAGE_LEADER, case.id, "assign_leader", leader="村支书", plan="一案一策")
    assert open_at(db, VILLAGE, case.id) == {"high_risk_case": VILLAGE}
    act(db, VILLAGE_OP, case.id, "escalate", T0 + timedelta(hours=1), reason="风险较高")
    assert open_at(db, VILLAGE, case.id) == {}
    assert open_at(db, TOWNSHIP, case.id) == {"high_risk_case": TOWNSHIP, "escalation": TOWNSHIP}
    (old, new) = steps_of(db, case.id, "high_risk_case")
    assert old[-1] == ("handed_over", TOWNSHIP, "escalate")
    assert new[1] == ("taken_over", VILLAGE, "escalate")


@pytest.mark.parametrize(
    ("lead", "holder"),
    [({"center": VILLAGE_CODE}, VILLAGE), ({"department": "532622101-judicial"}, TOWNSHIP)],
    ids=["center", "department"],
)
def test_an_order_holder_keeps_its_alert_until_the_order_is_withdrawn(
    db: Db, lead: dict[str, str], holder: str
) -> None:
    """A lower center holding an active order (its own, or its stationed department's) holds
    the case: an alert raised there about the case stays while the order is active and goes
    to the owner's parent with the case once the order is withdrawn by the escalation."""
    case = new_case(db, who=COUNTY_OP, center="532622")
    act(db, COUNTY_OP, case.id, "accept")
    act(db, COUNTY_OP, case.id, "dispatch", lead=lead)
    with db.begin() as s:
        raise_alert(s, AlertKind.SUPERVISION, Severity.WARNING, holder, "催办 urged", "supervision:t",
                    case_id=case.id, params={"number": case.number, "action": "urge"}, now=T0)
    act(db, COUNTY_LEADER, case.id, "urge", T0 + timedelta(minutes=5))  # a change while it holds
    assert open_at(db, holder, case.id) == {"supervision": holder}
    assert order_ids(db, case.id)["lead/pending"]
    act(db, COUNTY_OP, case.id, "escalate", T0 + timedelta(hours=1), reason="需州级协调")
    assert "lead/cancelled" in order_ids(db, case.id)
    assert open_at(db, holder, case.id) == {}
    assert open_at(db, PREFECTURE, case.id)["supervision"] == PREFECTURE
    holder_trail = steps_of(db, case.id, "supervision")[0]
    assert holder_trail[-1] == ("handed_over", PREFECTURE, "escalate")


def test_supervision_alert_closes_when_the_resolution_awaits_verification(db: Db) -> None:
    case_id, order = walk_to_handling(db)
    with db.begin() as s:
        due = s.get(Case, case_id).due_at  # type: ignore[union-attr]
    SlaClock(db.factory, InProcessBus(), db.sla).run_once(due + timedelta(minutes=1))
    assert open_at(db, TOWNSHIP, case_id)["supervision"] == TOWNSHIP
    act(db, JUDICIAL, case_id, "resolve", due + timedelta(hours=1), order_id=order,  # type: ignore[operator]
        result="已调解")
    assert "supervision" not in open_at(db, TOWNSHIP, case_id)
    (sup,) = steps_of(db, case_id, "supervision")
    assert sup[-1] == ("cleared", None, "resolve")


def test_ending_a_case_closes_every_alert_about_it_with_the_reason(db: Db) -> None:
    case_id, due = overdue_village_case(db)
    act(db, VILLAGE_OP, case_id, "escalate", due + timedelta(hours=1), reason="上报")  # type: ignore[operator]
    assert "escalation" in open_at(db, TOWNSHIP, case_id)
    target = new_case(db, who=OPERATOR)
    act(db, OPERATOR, case_id, "merge", due + timedelta(hours=2), into=target.id)  # type: ignore[operator]
    assert [k for k, _, is_open in all_alerts(db, case_id) if is_open] == []
    for kind in ("case_overdue", "supervision", "escalation"):
        assert steps_of(db, case_id, kind)[-1][-1] == ("cleared", None, "merge")


def test_a_center_moved_in_the_deployment_takes_its_alerts_along(db: Db) -> None:
    from config.deployment import CenterEntry, Deployment
    from dispatch.alerts import raise_camera_alert
    from dispatch.registry import import_deployment
    from tests.dispatch.factories import deployment

    case = new_case(db, risk="high", leader="镇长", plan="一案一策")  # at the township
    with db.begin() as s:
        raise_camera_alert(s, "cam-jiangna-1", "offline", at=T0)  # at the village below it
    dep = deployment()
    centers = [c if c.code != "532622101" else CenterEntry(**{**c.model_dump(), "parent": "532623"})
               for c in dep.centers]
    with db.begin() as s:  # a re-parented township keeps its code only in this test
        import_deployment(s, Deployment.model_construct(**{**dict(dep), "centers": centers}))
    moved = "532600/532623/532622101"
    assert open_at(db, moved, case.id) == {"high_risk_case": moved}
    with db.begin() as s:
        paths = {a.kind: a.center_path for a in list_alerts(s, ADMIN, PREFECTURE)}
        assert paths["camera_offline"] == f"{moved}/532622101201"
        assert not [a for a in list_alerts(s, ADMIN, TOWNSHIP)]  # nothing left at the old path
    (steps,) = steps_of(db, case.id, "high_risk_case")
    assert steps[0] == ("raised", moved, None)


def test_a_return_approved_and_redispatched_moves_the_alert_off_the_old_holder(db: Db) -> None:
    case = new_case(db, who=COUNTY_OP, center="532622")
    act(db, COUNTY_OP, case.id, "accept")
    act(db, COUNTY_OP, case.id, "dispatch", lead={"center": VILLAGE_CODE})
    (order,) = order_ids(db, case.id)["lead/pending"]
    with db.begin() as s:
        raise_alert(s, AlertKind.SUPERVISION, Severity.WARNING, VILLAGE, "催办 urged", "supervision:r",
                    case_id=case.id, params={"number": case.number, "action": "urge"}, now=T0)
    act(db, VILLAGE_OP, case.id, "return", T0 + timedelta(minutes=10), order_id=order,
        reason="事发地不在本村")
    assert open_at(db, VILLAGE, case.id) == {"supervision": VILLAGE}  # it holds until decided
    act(db, COUNTY_OP, case.id, "approve_return", T0 + timedelta(minutes=30), order_id=order,
        lead={"center": "532622101202"})
    assert open_at(db, VILLAGE, case.id) == {}
    assert open_at(db, COUNTY, case.id) == {"supervision": COUNTY}
    old, new = steps_of(db, case.id, "supervision")
    assert old[-1] == ("handed_over", COUNTY, "approve_return")
    assert new[1] == ("taken_over", VILLAGE, "approve_return")
