"""Stored briefings: drafts saved (and replaced) by the schedule and on demand, signed
briefings frozen, and what a principal may list and read.

Visibility: a principal sees the briefings of the centers in its subtree. Drafts are the
working copy of the center they belong to: only accounts of that center (and
administrators) see them; a higher center sees its children's **signed** briefings.
Signing: a duty officer or leader of the briefing's own center adds a conclusion and signs;
the stored JSON is then never rewritten (a later change to a case, or a later generation,
leaves it as it was signed).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.briefings.generate import generate
from dispatch.briefings.model import Briefing, Kind, Signature, Status
from dispatch.errors import DispatchError, Forbidden, Hidden, InvalidInput, NotFound
from dispatch.models import BriefingRecord, Center
from dispatch.principal import Principal, Role
from dispatch.registry import center_by_path, subtree_filter

CONCLUSION_MAX = 4000
LIST_MAX = 500


class BriefingConflict(DispatchError):
    """The briefing is signed already, or changed since the caller read it."""

    status = 409


def _record_view(rec: BriefingRecord) -> Briefing:
    """The stored briefing with its id and status (the body holds the rest)."""
    b = Briefing.from_dict(rec.body)
    return replace(b, id=rec.id, status=Status(rec.status), extra=b.extra | {"version": rec.version})


def _stored_extra(b: Briefing) -> dict[str, object]:
    return {k: v for k, v in b.extra.items() if k != "version"}


def save(session: Session, briefing: Briefing, center: Center | None = None) -> Briefing:
    """Store ``briefing`` as the draft of its center (``center``, when the caller has it at
    hand), kind and period (replacing an earlier draft). A signed briefing of the same period
    stays: BriefingConflict."""
    if center is None or center.path != briefing.center.path:
        center = center_by_path(session, briefing.center.path)
    start = date.fromisoformat(briefing.period_start)
    rec = session.scalar(
        sa.select(BriefingRecord).where(
            BriefingRecord.center_id == center.id,
            BriefingRecord.kind == briefing.kind.value,
            BriefingRecord.period_start == start,
        )
    )
    if rec is not None and rec.status == Status.SIGNED.value:
        raise BriefingConflict(
            f"briefing {rec.id} of this center and period is signed; a signed briefing is not "
            "generated again"
        )
    body = replace(
        briefing, id=None, status=Status.DRAFT, signature=None, extra=_stored_extra(briefing)
    ).to_dict()
    fields = {
        "center_path": center.path,
        "period_end": date.fromisoformat(briefing.period_end),
        "status": Status.DRAFT.value,
        "generated_at": datetime.fromisoformat(briefing.generated_at),
        "generated_by": briefing.generated_by,
        "body": body,
    }
    if rec is None:
        rec = BriefingRecord(
            center_id=center.id, kind=briefing.kind.value, period_start=start, **fields
        )
        session.add(rec)
    else:
        for k, v in fields.items():
            setattr(rec, k, v)
    session.flush()
    return _record_view(rec)


def save_many(session: Session, items: list[tuple[Briefing, Center]]) -> int:
    """Store many drafts of one kind and period (``(briefing, its center)`` pairs, as a
    :class:`~dispatch.briefings.batch.Batch` pass makes them) in a few statements: one read
    of the records already there, one multi-row insert of the new ones, an update per draft
    replaced. A signed briefing among them: BriefingConflict, nothing stored. Returns how
    many were stored."""
    if not items:
        return 0
    kinds = {(b.kind.value, b.period_start) for b, _ in items}
    if len(kinds) != 1:
        raise ValueError("save_many stores briefings of one kind and period")
    ((kind, first),) = kinds
    start = date.fromisoformat(first)
    have = {
        rec.center_id: rec
        for rec in session.scalars(
            sa.select(BriefingRecord).where(
                BriefingRecord.kind == kind,
                BriefingRecord.period_start == start,
                BriefingRecord.center_id.in_([c.id for _, c in items]),
            )
        )
    }
    fresh: list[dict[str, object]] = []
    for b, center in items:
        if center.path != b.center.path:
            raise ValueError(f"briefing of {b.center.path} given with center {center.path}")
        rec = have.get(center.id)
        if rec is not None and rec.status == Status.SIGNED.value:
            raise BriefingConflict(
                f"briefing {rec.id} of {center.path} and this period is signed; a signed "
                "briefing is not generated again"
            )
        body = replace(b, id=None, status=Status.DRAFT, signature=None, extra=_stored_extra(b))
        fields = {
            "center_path": center.path,
            "period_end": date.fromisoformat(b.period_end),
            "status": Status.DRAFT.value,
            "generated_at": datetime.fromisoformat(b.generated_at),
            "generated_by": b.generated_by,
            "body": body.to_dict(),
        }
        if rec is None:
            fresh.append(
                {"center_id": center.id, "kind": kind, "period_start": start, "version": 1}
                | fields
            )
        else:
            for k, v in fields.items():
                setattr(rec, k, v)
    if fresh:
        session.execute(sa.insert(BriefingRecord), fresh)
    session.flush()
    return len(items)


def generate_and_save(
    session: Session,
    center_path: str,
    kind: Kind | str,
    period_start: date,
    *,
    now: datetime | None = None,
    generated_by: str = "system",
) -> Briefing:
    """:func:`generate` then :func:`save`."""
    b = generate(session, center_path, kind, period_start, now=now, generated_by=generated_by)
    return save(session, b)


def _visible(principal: Principal) -> sa.ColumnElement[bool]:
    """Briefings the principal may read: its subtree's signed ones and, at its own center,
    the drafts (administrators: every draft of the subtree)."""
    inside = subtree_filter(BriefingRecord.center_path, principal.center_path)
    if principal.has(Role.ADMIN):
        return inside
    return sa.and_(
        inside,
        sa.or_(
            BriefingRecord.status == Status.SIGNED.value,
            BriefingRecord.center_path == principal.center_path,
        ),
    )


def get(session: Session, principal: Principal, briefing_id: int) -> Briefing:
    """One briefing; NotFound (or Hidden, answered the same) when the principal may not."""
    rec = session.get(BriefingRecord, briefing_id)
    if rec is None:
        raise NotFound("briefing", briefing_id)
    if not session.scalar(
        sa.select(sa.literal(True)).where(BriefingRecord.id == rec.id, _visible(principal))
    ):
        raise Hidden("briefing", briefing_id, rec.center_path)
    return _record_view(rec)


def list_briefings(
    session: Session,
    principal: Principal,
    scope_path: str,
    *,
    kind: Kind | None = None,
    start: date | None = None,
    end: date | None = None,
    status: Status | None = None,
    limit: int = LIST_MAX,
) -> list[dict[str, object]]:
    """Summaries of the briefings of ``scope_path``'s subtree the principal may read whose
    period starts in ``[start, end]`` (and in ``status``: the drafts awaiting a signature, or
    the signed ones), newest period first: id, kind, center, period, status, signer, time,
    version and the headline (no tables)."""
    where = [_visible(principal), subtree_filter(BriefingRecord.center_path, scope_path)]
    if kind is not None:
        where.append(BriefingRecord.kind == kind.value)
    if status is not None:
        where.append(BriefingRecord.status == status.value)
    if start is not None:
        where.append(BriefingRecord.period_start >= start)
    if end is not None:
        where.append(BriefingRecord.period_start <= end)
    recs = session.scalars(
        sa.select(BriefingRecord)
        .where(*where)
        .order_by(
            BriefingRecord.period_start.desc(), BriefingRecord.center_path, BriefingRecord.kind
        )
        .limit(limit)
    ).all()
    return [summary(r) for r in recs]


def summary(rec: BriefingRecord) -> dict[str, object]:
    body = rec.body
    return {
        "id": rec.id,
        "kind": rec.kind,
        "center": body["center"],
        "period_start": rec.period_start.isoformat(),
        "period_end": rec.period_end.isoformat(),
        "status": rec.status,
        "generated_at": body["generated_at"],
        "signed_by": rec.signed_by,
        "signed_at": rec.signed_at.isoformat() if rec.signed_at else None,
        "version": rec.version,
        "headline": body["headline"],
    }


def awaiting_signature(
    session: Session, principal: Principal, *, limit: int = 5
) -> tuple[int, list[dict[str, object]]]:
    """待签发: how many drafts of the principal's own center await a signature it may give
    (:func:`may_sign`), and the newest ``limit`` of them (newest period first)."""
    if not principal.has(Role.DUTY_OFFICER, Role.LEADER, Role.ADMIN):
        return 0, []
    where = (
        BriefingRecord.center_path == principal.center_path,
        BriefingRecord.status == Status.DRAFT.value,
    )
    total = session.scalar(sa.select(sa.func.count()).select_from(BriefingRecord).where(*where))
    recs = session.scalars(
        sa.select(BriefingRecord)
        .where(*where)
        .order_by(BriefingRecord.period_start.desc(), BriefingRecord.kind)
        .limit(limit)
    ).all()
    return int(total or 0), [summary(r) for r in recs]


def may_sign(principal: Principal, center_path: str) -> bool:
    """A duty officer, leader or administrator of the briefing's own center."""
    return principal.center_path == center_path and principal.has(
        Role.DUTY_OFFICER, Role.LEADER, Role.ADMIN
    )


def sign(
    session: Session,
    principal: Principal,
    briefing_id: int,
    conclusion: str,
    *,
    version: int | None = None,
    now: datetime | None = None,
) -> Briefing:
    """Sign a draft with the officer's ``conclusion``: from then on its JSON is frozen.

    ``version`` (optional) is the briefing's ``extra.version`` the caller read: a draft
    generated again since then is refused rather than signed unseen."""
    b = get(session, principal, briefing_id)
    rec = session.get(BriefingRecord, briefing_id)
    assert rec is not None
    if not may_sign(principal, rec.center_path):
        raise Forbidden(
            "only a duty officer, leader or administrator of the briefing's own center signs it"
        )
    if rec.status == Status.SIGNED.value:
        raise BriefingConflict(f"briefing {briefing_id} is signed already by {rec.signed_by}")
    if version is not None and version != rec.version:
        raise BriefingConflict(
            f"briefing {briefing_id} was generated again since version {version}; read it again"
        )
    text = (conclusion or "").strip()
    if not text:
        raise InvalidInput("conclusion", "required: the duty officer's conclusion")
    if len(text) > CONCLUSION_MAX:
        raise InvalidInput("conclusion", f"at most {CONCLUSION_MAX} characters")
    at = (now or datetime.now(UTC)).astimezone(UTC)
    signed = replace(
        b,
        status=Status.SIGNED,
        signature=Signature(
            signer=principal.actor, signed_at=at.isoformat(), conclusion=text,
            signer_name=principal.name,
        ),
    )
    rec.body = replace(signed, id=None, extra=_stored_extra(signed)).to_dict()
    rec.status = Status.SIGNED.value
    rec.signed_by = principal.actor
    rec.signed_at = at
    session.flush()
    return _record_view(rec)
