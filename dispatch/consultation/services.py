"""Session services: start, cameras, invitations, joins and leaves, arrival, notes, end.

They take a Session and the caller owns the transaction. Operator calls carry a
:class:`~dispatch.principal.Principal` and see only cases within its scope (404 otherwise);
participant calls carry the :class:`Participant` their join token resolved to. Each change is
written into the case's audit trail in the same transaction (:mod:`dispatch.consultation.audit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.accounts.crypto import digest
from dispatch.cases import get_case
from dispatch.consultation import audit
from dispatch.consultation.chain import CameraProposal, Invitee, invitees, propose_cameras
from dispatch.consultation.links import new_nonce, token_for
from dispatch.consultation.lookup import get_session as get_session
from dispatch.consultation.lookup import require_desk, require_open
from dispatch.consultation.models import ConsultSession, Participant, SessionCamera
from dispatch.desk.tabs import Desk
from dispatch.errors import InvalidInput, NotFound, RuleViolation
from dispatch.models import Alert, Camera, Case
from dispatch.permissions import can_see
from dispatch.principal import Principal

#: The longest a link given an explicit lifetime may last (links without one last the session).
MAX_TTL = timedelta(days=7)
CONNECTED, DISCONNECTED, LEFT, INVITED = "connected", "disconnected", "left", "invited"


class TokenRefused(Exception):
    """A join token that is unknown, forged, expired or whose session ended. ``status`` is the
    HTTP answer (404 hides whether anything exists; 403 for a known but expired link)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass(frozen=True)
class Invitation:
    """A participant and its join token (the database keeps its digest and nonce only)."""

    participant: Participant
    token: str


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def start_session(
    session: Session, principal: Principal, *, case_id: int | None = None,
    alert_id: int | None = None, now: datetime | None = None,
) -> ConsultSession:
    """Open a session on a case, or on the case of an alert (an alert without one is refused)."""
    require_desk(principal)
    now = _now(now)
    if (case_id is None) == (alert_id is None):
        raise InvalidInput("case_id", "give exactly one of case_id and alert_id")
    if alert_id is not None:
        alert = session.get(Alert, alert_id)
        if alert is None or not principal.sees(alert.center_path):
            raise NotFound("alert", alert_id)
        if alert.case_id is None:
            raise InvalidInput("alert_id", "this alert has no case: report a case from it first")
        case_id = alert.case_id
    assert case_id is not None
    case = get_case(session, principal, case_id)
    consult = ConsultSession(
        case_id=case.id, alert_id=alert_id, center_id=case.center_id,
        title=f"{case.number} {case.title}"[:200], started_at=now, started_by=principal.actor,
    )
    session.add(consult)
    session.flush()
    audit.record(session, case, principal.actor, "session_start",
                 {"session": consult.id, "alert": alert_id}, now)
    return consult


def proposals(session: Session, principal: Principal, consult_id: int) -> list[CameraProposal]:
    _, case = get_session(session, principal, consult_id)
    return propose_cameras(session, case)


def attached_cameras(session: Session, consult_id: int) -> list[str]:
    return list(session.scalars(
        sa.select(SessionCamera.camera_id)
        .where(SessionCamera.session_id == consult_id, SessionCamera.detached_at.is_(None))
        .order_by(SessionCamera.id)
    ))


def attach_camera(session: Session, principal: Principal, consult_id: int, camera_id: str,
                  now: datetime | None = None) -> None:
    require_desk(principal)
    consult, case = get_session(session, principal, consult_id)
    require_open(consult)
    camera = session.get(Camera, camera_id)
    if camera is None or not principal.sees(camera.center.path):
        raise InvalidInput("camera_id", f"unknown camera {camera_id}")
    if camera_id in attached_cameras(session, consult_id):
        return
    now = _now(now)
    session.add(SessionCamera(session_id=consult_id, camera_id=camera_id, attached_at=now,
                              attached_by=principal.actor))
    audit.record(session, case, principal.actor, "session_camera",
                 {"session": consult_id, "camera": camera_id, "attached": True}, now)


def detach_camera(session: Session, principal: Principal, consult_id: int, camera_id: str,
                  now: datetime | None = None) -> None:
    require_desk(principal)
    consult, case = get_session(session, principal, consult_id)
    row = session.scalar(sa.select(SessionCamera).where(
        SessionCamera.session_id == consult_id, SessionCamera.camera_id == camera_id,
        SessionCamera.detached_at.is_(None)))
    if row is None:
        raise InvalidInput("camera_id", f"camera {camera_id} is not attached")
    now = _now(now)
    row.detached_at = now
    audit.record(session, case, principal.actor, "session_camera",
                 {"session": consult_id, "camera": camera_id, "attached": False}, now)


def invite(
    session: Session, principal: Principal, consult_id: int, invitee: Invitee, *, key: bytes,
    actor: str | None = None, ttl: timedelta | None = None, now: datetime | None = None,
) -> Invitation:
    """A personal join link for one person, valid while the session runs (or for ``ttl``).
    The token is derived from a stored nonce with ``key`` (:mod:`dispatch.consultation.links`):
    :func:`link_token` gives it again; only its digest is looked up."""
    require_desk(principal)
    consult, case = get_session(session, principal, consult_id)
    require_open(consult)
    if not invitee.name.strip():
        raise InvalidInput("name", "an invitee needs a name")
    if ttl is not None and (ttl <= timedelta(0) or ttl > MAX_TTL):
        raise InvalidInput("ttl", "a join link lasts between a second and 7 days")
    now = _now(now)
    nonce = new_nonce()
    token = token_for(key, nonce)
    person = Participant(
        session_id=consult_id, name=invitee.name.strip()[:100], role=invitee.role, actor=actor,
        center_id=invitee.center_id, department_id=invitee.department_id,
        token_digest=digest(token), link_nonce=nonce,
        token_expires_at=now + ttl if ttl is not None else None, invited_at=now,
        invited_by=principal.actor, state=INVITED, joins=0, connected_seconds=0,
    )
    session.add(person)
    session.flush()
    audit.record(session, case, principal.actor, "session_invite",
                 {"session": consult_id, "participant": person.id, "name": person.name,
                  "role": person.role,
                  **({"expires_at": person.token_expires_at.isoformat()} if person.token_expires_at else {})},
                 now)
    return Invitation(person, token)


def invite_chain(session: Session, principal: Principal, consult_id: int, *, key: bytes,
                 ttl: timedelta | None = None, now: datetime | None = None) -> list[Invitation]:
    """Invite everyone along the case's chain (see :func:`chain.invitees`)."""
    _, case = get_session(session, principal, consult_id)
    return [invite(session, principal, consult_id, i, key=key, ttl=ttl, now=now)
            for i in invitees(session, case)]


def link_token(person: Participant, key: bytes) -> str | None:
    """``person``'s join token again (None for a link made before links could be re-sent)."""
    if person.link_nonce is None:
        return None
    token = token_for(key, person.link_nonce)
    return token if digest(token) == person.token_digest else None


def resend_link(session: Session, principal: Principal, consult_id: int, participant_id: int, *,
                key: bytes) -> str | None:
    """A participant's join token for the organiser to send again (desk roles, in scope)."""
    require_desk(principal)
    consult, _ = get_session(session, principal, consult_id)
    require_open(consult)
    person = session.get(Participant, participant_id)
    if person is None or person.session_id != consult_id:
        raise NotFound("participant", participant_id)
    return link_token(person, key)


def own_invitation(session: Session, principal: Principal, consult_id: int, *,
                   key: bytes) -> Invitation:
    """The caller's own link in a session: the invitation made for this account, or a new one
    (an operator opening a running session from the list joins it as themself)."""
    consult, _ = get_session(session, principal, consult_id)
    require_open(consult)
    mine = [p for p in consult.participants if p.actor == principal.actor]
    for person in reversed(mine):
        token = link_token(person, key)
        if token is not None and (person.token_expires_at is None
                                  or person.token_expires_at > _now(None)):
            return Invitation(person, token)
    return invite(session, principal, consult_id, Invitee(principal.name or principal.actor, "operator"),
                  key=key, actor=principal.actor)


def resolve_token(session: Session, token: str, now: datetime | None = None) -> Participant:
    """The participant a join token belongs to, or :class:`TokenRefused`."""
    if not token or len(token) > 128:
        raise TokenRefused(404, "unknown")
    person = session.scalar(sa.select(Participant).where(Participant.token_digest == digest(token)))
    if person is None:
        raise TokenRefused(404, "unknown")
    if person.token_expires_at is not None and person.token_expires_at <= _now(now):
        raise TokenRefused(403, "expired")
    if person.session.ended_at is not None:
        raise TokenRefused(403, "ended")
    return person


def _actor(person: Participant) -> str:
    return person.actor or f"guest:{person.id}"


def _case(session: Session, person: Participant) -> Case:
    case = session.get(Case, person.session.case_id)
    assert case is not None
    return case


def mark_joined(session: Session, person: Participant, now: datetime | None = None) -> None:
    now = _now(now)
    rejoin = person.joins > 0
    if person.state == CONNECTED:
        _close_stint(person, now)
    person.state, person.last_joined_at = CONNECTED, now
    person.first_joined_at = person.first_joined_at or now
    person.joins += 1
    audit.record(session, _case(session, person), _actor(person), "session_join",
                 {"session": person.session_id, "participant": person.id, "name": person.name,
                  "role": person.role, "rejoin": rejoin}, now)


def _close_stint(person: Participant, now: datetime) -> None:
    if person.last_joined_at is not None:
        person.connected_seconds += max(0, int((now - person.last_joined_at).total_seconds()))


def mark_left(session: Session, person: Participant, *, dropped: bool = False,
              now: datetime | None = None) -> bool:
    """Record a leave (or a network drop); False when the person was not connected."""
    if person.state != CONNECTED:
        return False
    now = _now(now)
    _close_stint(person, now)
    person.state, person.last_left_at = (DISCONNECTED if dropped else LEFT), now
    audit.record(session, _case(session, person), _actor(person),
                 "session_drop" if dropped else "session_leave",
                 {"session": person.session_id, "participant": person.id, "name": person.name}, now)
    return True


def record_arrival(session: Session, actor: str, person: Participant,
                   now: datetime | None = None) -> int:
    """三必到: ``person`` is on site; returns seconds since the session started."""
    require_open(person.session)
    now = _now(now)
    if person.arrived_at is not None:
        raise RuleViolation(f"{person.name} was already recorded on site")
    person.arrived_at = now
    seconds = int((now - person.session.started_at).total_seconds())
    audit.record(session, _case(session, person), actor, "session_arrival",
                 {"session": person.session_id, "participant": person.id, "name": person.name,
                  "seconds_after_start": seconds}, now)
    return seconds


def add_note(session: Session, actor: str, consult: ConsultSession, text: str,
             now: datetime | None = None) -> None:
    require_open(consult)
    text = text.strip()
    if not text:
        raise InvalidInput("text", "a note needs text")
    if len(text) > 4000:
        raise InvalidInput("text", "at most 4000 characters")
    case = session.get(Case, consult.case_id)
    assert case is not None
    audit.record(session, case, actor, "session_note", {"session": consult.id, "text": text}, _now(now))


@dataclass(frozen=True)
class RunningSession:
    """A session still open, as the list of running sessions shows it."""

    id: int
    case_number: str
    case_title: str
    started_at: datetime
    people: list[tuple[str, str, str]]  # (name, role, state) of every invitee
    connected: int


#: Invitees that stand for a center's desk or a department: whoever is on duty there answers.
_CENTER_INVITEES = ("village_center", "township_center", "lower_center")


@dataclass(frozen=True)
class DeskInvitation:
    """A running session that invited the caller's center or department, with that
    invitation's join token (the center's seat: whoever is on duty there takes it)."""

    session: RunningSession
    invitee: str  # the invited center's or department's name
    participant_id: int
    token: str


def invitations_for(session: Session, principal: Principal, *, key: bytes,
                    limit: int = 20) -> list[DeskInvitation]:
    """Open sessions that invited the caller's own center (a desk account) or department (a
    liaison) where nobody has taken that seat yet and this account is not in the session on a
    seat of its own, newest first: what an invited desk must be told wherever it works. The
    invitation is the credential (as its link is), so a session on a case outside the caller's
    scope is told too: a village invited to a township's consultation joins on its link."""
    me = Desk.of(session, principal)
    mine = []
    if me.desk and me.center_id is not None:
        mine.append(sa.and_(Participant.center_id == me.center_id,
                            Participant.role.in_(_CENTER_INVITEES)))
    if me.department_id is not None:
        mine.append(sa.and_(Participant.department_id == me.department_id,
                            Participant.role == "department"))
    if not mine:
        return []
    joined = sa.select(Participant.session_id).where(Participant.actor == principal.actor)
    rows = session.execute(
        sa.select(Participant, ConsultSession, Case)
        .join(ConsultSession, ConsultSession.id == Participant.session_id)
        .join(Case, Case.id == ConsultSession.case_id)
        .where(sa.or_(*mine), Participant.state == INVITED, ConsultSession.ended_at.is_(None),
               Participant.session_id.not_in(joined))
        .order_by(ConsultSession.started_at.desc(), Participant.id).limit(limit)
    ).all()
    out, seen = [], set()
    for person, consult, case in rows:
        token = link_token(person, key)
        if token is None or consult.id in seen or (
            person.token_expires_at is not None and person.token_expires_at <= _now(None)
        ):
            continue
        seen.add(consult.id)
        out.append(DeskInvitation(_running(consult, case), person.name, person.id, token))
    return out


def _running(consult: ConsultSession, case: Case) -> RunningSession:
    people = [(p.name, p.role, p.state) for p in consult.participants]
    return RunningSession(consult.id, case.number or "", case.title, consult.started_at, people,
                          sum(1 for _, _, state in people if state == CONNECTED))


def running_sessions(session: Session, principal: Principal, limit: int = 200) -> list[RunningSession]:
    """Open sessions whose case the caller may see (its subtree, or an order it holds), newest first."""
    rows = session.execute(
        sa.select(ConsultSession, Case).join(Case, Case.id == ConsultSession.case_id)
        .where(ConsultSession.ended_at.is_(None))
        .order_by(ConsultSession.started_at.desc(), ConsultSession.id.desc()).limit(limit)
    ).all()
    out = []
    for consult, case in rows:
        if not can_see(session, principal, case):
            continue
        out.append(_running(consult, case))
    return out
