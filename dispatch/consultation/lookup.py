"""Finding a session for a caller, and the two rules every change checks first."""

from __future__ import annotations

from sqlalchemy.orm import Session

from dispatch.cases import get_case
from dispatch.consultation.models import ConsultSession
from dispatch.errors import Forbidden, NotFound, RuleViolation
from dispatch.models import Case
from dispatch.principal import Principal
from dispatch.workflow import DESK


def get_session(session: Session, principal: Principal, consult_id: int) -> tuple[ConsultSession, Case]:
    """The session and its case, when the case is within the caller's scope (404 otherwise)."""
    consult = session.get(ConsultSession, consult_id)
    if consult is None:
        raise NotFound("session", consult_id)
    try:
        case = get_case(session, principal, consult.case_id)
    except NotFound:
        raise NotFound("session", consult_id) from None  # never reveal other centers' sessions
    return consult, case


def require_desk(principal: Principal) -> None:
    """Only the desk roles run video sessions."""
    if not principal.has(*DESK):
        raise Forbidden("only operators, duty officers and leaders run video sessions")


def require_open(consult: ConsultSession) -> None:
    """An ended session takes no more changes."""
    if consult.ended_at is not None:
        raise RuleViolation(f"session {consult.id} has ended")
