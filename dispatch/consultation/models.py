"""Tables of video-linked dispatch sessions (视频会商): the session, its people, cameras and evidence.

A session is bound to one case. Every participant is first an invitation: a personal join
token whose SHA-256 digest (never the token) is stored, with the nonce it is derived from
(:mod:`dispatch.consultation.links`); it lasts the whole session unless given a lifetime. Joins, leaves, actions
and notes are not kept here but written into the case's own audit trail (``case_events``),
so the case record tells the whole story; these tables hold what the live room needs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.db import Base
from dispatch.models import JsonDict, UtcDateTime


class ConsultSession(Base):
    """One live consultation on a case; ``ended_at`` set means closed for good."""

    __tablename__ = "consult_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    alert_id: Mapped[int | None] = mapped_column(sa.ForeignKey("alerts.id"))
    center_id: Mapped[int] = mapped_column(sa.ForeignKey("centers.id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    started_by: Mapped[str] = mapped_column(sa.String(64))
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_by: Mapped[str | None] = mapped_column(sa.String(64))
    summary: Mapped[dict[str, Any] | None] = mapped_column(JsonDict)

    participants: Mapped[list[Participant]] = relationship(
        back_populates="session", order_by="Participant.id"
    )

    @property
    def open(self) -> bool:
        return self.ended_at is None


class Participant(Base):
    """An invitee and, once joined, a participant. ``state`` is invited / connected /
    disconnected (the network dropped: the same link rejoins) / left."""

    __tablename__ = "consult_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("consult_sessions.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    role: Mapped[str] = mapped_column(sa.String(24))
    actor: Mapped[str | None] = mapped_column(sa.String(64))
    center_id: Mapped[int | None] = mapped_column(sa.ForeignKey("centers.id"))
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: None: the link lasts as long as the session (an explicit lifetime is for guests).
    token_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: The link's token is derived from it with the server's key (see ``links``); None for links
    #: made before 0010, which cannot be shown again.
    link_nonce: Mapped[str | None] = mapped_column(sa.String(32))
    invited_at: Mapped[datetime] = mapped_column(UtcDateTime)
    invited_by: Mapped[str] = mapped_column(sa.String(64))
    state: Mapped[str] = mapped_column(sa.String(16), default="invited")
    first_joined_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_joined_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_left_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    joins: Mapped[int] = mapped_column(sa.Integer, default=0)
    connected_seconds: Mapped[int] = mapped_column(sa.Integer, default=0)
    arrived_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # 三必到: on site

    session: Mapped[ConsultSession] = relationship(back_populates="participants")

    @property
    def feed(self) -> str:
        """The id of this participant's picture in the media room."""
        return f"p-{self.id}"


class SessionCamera(Base):
    """A camera attached to a session; detaching keeps the row (``detached_at``)."""

    __tablename__ = "consult_cameras"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("consult_sessions.id"), index=True)
    camera_id: Mapped[str] = mapped_column(sa.ForeignKey("cameras.id"))
    attached_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attached_by: Mapped[str] = mapped_column(sa.String(64))
    detached_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Evidence(Base):
    """A burned-in snapshot taken during a session; the picture is a case attachment."""

    __tablename__ = "consult_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("consult_sessions.id"), index=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    attachment_id: Mapped[int] = mapped_column(sa.ForeignKey("attachments.id"))
    feed: Mapped[str] = mapped_column(sa.String(80))
    feed_name: Mapped[str] = mapped_column(sa.String(100))
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime)
    taken_by: Mapped[str] = mapped_column(sa.String(64))
