"""Session services on both databases: proposals, the invitation chain, tokens, the trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dispatch.accounts.crypto import digest
from dispatch.cases import replay_matches
from dispatch.consultation import record
from dispatch.consultation import services as svc
from dispatch.consultation.chain import Invitee
from dispatch.consultation.models import Participant
from dispatch.errors import Forbidden, NotFound, RuleViolation
from dispatch.models import Case, CaseEvent
from tests.consultation.conftest import PRINCIPALS, case_in_handling
from tests.dispatch.factories import JUDICIAL, OPERATOR, T0, Db

T1 = T0 + timedelta(minutes=1)
KEY = b"k" * 32  # the server's link key (a file in the data folder in production)


def test_proposes_grid_then_village_then_township_nearest_first(db: Db) -> None:
    case_id = case_in_handling(db)
    with db.begin() as s:
        consult = svc.start_session(s, OPERATOR, case_id=case_id, now=T1)
        got = [(p.camera_id, p.scope) for p in svc.proposals(s, OPERATOR, consult.id)]
    assert got == [("cam-gate", "grid"), ("cam-jiangna-1", "grid"), ("cam-town", "township")]


def test_invites_the_case_chain_with_hashed_expiring_tokens(db: Db) -> None:
    case_id = case_in_handling(db)
    with db.begin() as s:
        consult = svc.start_session(s, OPERATOR, case_id=case_id, now=T1)
        made = svc.invite_chain(s, OPERATOR, consult.id, key=KEY, ttl=timedelta(hours=1), now=T1)
        roles = [(i.participant.role, i.participant.name) for i in made]
        tokens = [i.token for i in made]
    assert [r for r, _ in roles] == [
        "village_center", "township_center", "department", "leader", "grid_worker"]
    assert ("department", "江那镇司法所") in roles and ("leader", "李副镇长") in roles
    with db.begin() as s:
        stored = list(s.scalars(sa.select(Participant.token_digest)))
        assert not set(tokens) & set(stored)  # digests only
        assert digest(tokens[0]) in stored
        trail = " ".join(str(e.payload) for e in s.scalars(sa.select(CaseEvent)))
        assert not any(t in trail for t in tokens)
        assert svc.resolve_token(s, tokens[0], now=T1).role == "village_center"
        with pytest.raises(svc.TokenRefused) as expired:
            svc.resolve_token(s, tokens[0], now=T1 + timedelta(hours=2))
        assert expired.value.status == 403
        with pytest.raises(svc.TokenRefused) as forged:
            svc.resolve_token(s, tokens[0][:-1] + ("x" if tokens[0][-1] != "x" else "y"), now=T1)
        assert forged.value.status == 404


def test_scope_and_roles(db: Db) -> None:
    case_id = case_in_handling(db)
    with db.begin() as s:
        consult = svc.start_session(s, OPERATOR, case_id=case_id, now=T1)
        cid = consult.id
    with db.begin() as s, pytest.raises(NotFound):
        svc.get_session(s, PRINCIPALS["other-county"], cid)
    with db.begin() as s, pytest.raises(Forbidden):
        svc.start_session(s, JUDICIAL, case_id=case_id)  # a liaison joins, it does not run


def test_every_step_lands_in_the_trail_and_the_replay_still_holds(db: Db) -> None:
    case_id = case_in_handling(db)
    with db.begin() as s:
        consult = svc.start_session(s, OPERATOR, case_id=case_id, now=T1)
        cid = consult.id
        svc.attach_camera(s, OPERATOR, cid, "cam-gate", now=T1)
        worker = svc.invite(s, OPERATOR, cid, Invitee("王网格员", "grid_worker"), key=KEY, now=T1).participant
        svc.mark_joined(s, worker, now=T1 + timedelta(seconds=10))
        assert svc.record_arrival(s, OPERATOR.actor, worker, now=T1 + timedelta(seconds=70)) == 70
        with pytest.raises(RuleViolation):
            svc.record_arrival(s, OPERATOR.actor, worker, now=T1 + timedelta(seconds=80))
        svc.add_note(s, OPERATOR.actor, consult, "双方同意明日到司法所调解", now=T1 + timedelta(seconds=90))
        svc.mark_left(s, worker, dropped=True, now=T1 + timedelta(seconds=100))
        svc.mark_joined(s, worker, now=T1 + timedelta(seconds=110))
    with db.begin() as s:
        record.take_action(s, PRINCIPALS["leader"], cid, "urge", {"message": "今日内签收"},
                           sla=db.sla, now=T1 + timedelta(seconds=120))
        summary = record.end_session(s, OPERATOR, cid, conclusion="明日调解",
                                     now=T1 + timedelta(seconds=200))
    people = {p["name"]: p for p in summary["participants"]}
    assert people["王网格员"]["seconds"] == 90 + 90 and people["王网格员"]["arrived_after_seconds"] == 70
    assert [d["action"] for d in summary["decisions"]] == ["note", "urge"]
    assert summary["cameras"] == ["cam-gate"] and summary["duration_seconds"] == 200
    with db.begin() as s:
        actions = [e.action for e in s.scalars(
            sa.select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq))]
        assert actions[-10:] == [
            "session_start", "session_camera", "session_invite", "session_join", "session_arrival",
            "session_note", "session_drop", "session_join", "urge", "session_end"]
        case = s.get(Case, case_id)
        assert case is not None and case.state == "dispatched"
        assert replay_matches(s, case)
        with pytest.raises(RuleViolation):
            svc.add_note(s, OPERATOR.actor, svc.get_session(s, OPERATOR, cid)[0], "too late")


def test_an_invited_desk_is_told_until_it_joins(db: Db) -> None:
    """The village center and the judicial office are invited along the chain: their accounts
    find the session among their invitations until they join it themselves or it ends."""
    from tests.dispatch.factories import VILLAGE_OP

    case_id = case_in_handling(db)
    with db.begin() as s:
        consult = svc.start_session(s, OPERATOR, case_id=case_id, now=T1)
        svc.own_invitation(s, OPERATOR, consult.id, key=KEY)  # the one who starts it is in it
        svc.invite_chain(s, OPERATOR, consult.id, key=KEY, now=T1)
        cid = consult.id
    with db.begin() as s:
        found = {}
        for who, seat in ((VILLAGE_OP, "village_center"), (JUDICIAL, "department")):
            (found[who.actor],) = svc.invitations_for(s, who, key=KEY)
            invited = found[who.actor]
            assert invited.session.id == cid and invited.session.case_title
            # The seat's own link: it resolves to the invited center or department.
            assert svc.resolve_token(s, invited.token).role == seat
        assert found["village-op"].invitee and found["judicial-liaison"].invitee == "江那镇司法所"
        assert svc.invitations_for(s, OPERATOR, key=KEY) == []  # already in it
        assert svc.invitations_for(s, PRINCIPALS["other-county"], key=KEY) == []
        assert svc.invitations_for(s, PRINCIPALS["county"], key=KEY) == []  # not invited
        # The village takes its seat (its link joins): nobody there is told any more.
        person = svc.resolve_token(s, found["village-op"].token)
        svc.mark_joined(s, person, now=T1)
    with db.begin() as s:
        assert svc.invitations_for(s, VILLAGE_OP, key=KEY) == []
        assert [f.session.id for f in svc.invitations_for(s, JUDICIAL, key=KEY)] == [cid]
        record.end_session(s, OPERATOR, cid, now=T1 + timedelta(minutes=5))
    with db.begin() as s:
        assert svc.invitations_for(s, JUDICIAL, key=KEY) == []
