"""Cases, their orders (派单), their append-only trail and their photos, with the listeners
that keep a case's search text and refuse changes to the trail."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from dispatch.db import Base
from dispatch.desk import search_index
from dispatch.models.columns import JsonDict, UtcDateTime
from dispatch.models.registry import Center, Department, Grid


class Case(Base):
    """A matter (事件 / 矛盾纠纷 / 隐患 / 诉求) and its current state.

    ``state`` only changes through :mod:`dispatch.cases`, which writes a :class:`CaseEvent` in
    the same transaction; ``version`` makes concurrent writers conflict instead of overwrite.
    ``due_at`` already includes suspensions and approved extensions, so "on time" is
    ``closed_at <= due_at`` and "overdue" is ``due_at < now`` for an open case.
    """

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    kind: Mapped[str] = mapped_column(sa.String(24))
    complexity: Mapped[str | None] = mapped_column(sa.String(16))
    channel: Mapped[str] = mapped_column(sa.String(24))
    source: Mapped[str | None] = mapped_column(sa.String(64))
    external_id: Mapped[str | None] = mapped_column(sa.String(128))
    risk: Mapped[str] = mapped_column(sa.String(8), default="low")
    state: Mapped[str] = mapped_column(sa.String(16), index=True)
    suspended_from: Mapped[str | None] = mapped_column(sa.String(16))
    center_id: Mapped[int] = mapped_column(sa.ForeignKey("centers.id"), index=True)
    owning_path: Mapped[str] = mapped_column(sa.String(64))
    reported_center_id: Mapped[int] = mapped_column(sa.ForeignKey("centers.id"))
    grid_id: Mapped[int | None] = mapped_column(sa.ForeignKey("grids.id"), index=True)
    camera_id: Mapped[str | None] = mapped_column(sa.ForeignKey("cameras.id"))
    lat: Mapped[float | None] = mapped_column(sa.Float)
    lon: Mapped[float | None] = mapped_column(sa.Float)
    reporter: Mapped[str] = mapped_column(sa.String(64), default="")
    #: Intake details (migration 0007): where, which 十联户 unit, the reporter's phone (digits,
    #: see dispatch.desk.phone; lists show it masked) and the sub-kind (dispatch.desk.vocabulary).
    address: Mapped[str | None] = mapped_column(sa.String(200))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    reporter_phone: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    sub_kind: Mapped[str | None] = mapped_column(sa.String(32))
    #: What search matches (dispatch.desk.search_index.compose), kept by the listeners below.
    search_text: Mapped[str] = mapped_column(sa.Text, default="", deferred=True)

    reported_at: Mapped[datetime] = mapped_column(UtcDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    suspended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    paused_seconds: Mapped[int] = mapped_column(sa.Integer, default=0)
    extended: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    extension_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    #: 逾期延期: extensions granted after the deadline, by the next level up (migration 0012).
    late_extension_count: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    #: Days of a late 延期 requested by the owning center, awaiting the next level's approval.
    extension_requested_days: Mapped[int | None] = mapped_column(sa.SmallInteger)
    rework_count: Mapped[int] = mapped_column(sa.Integer, default=0)  # 返工 after verification
    redo_count: Mapped[int] = mapped_column(sa.Integer, default=0)  # 重办 after 不满意
    return_count: Mapped[int] = mapped_column(sa.Integer, default=0)  # 退单 of orders (approved)
    #: 退单 the dispatching center rejected (驳回), and orders dispatched (派单, lead and
    #: assists): the 退单率's parts (migration 0014).
    return_rejected_count: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    order_count: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    escalation_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    supervision_stage: Mapped[int] = mapped_column(sa.SmallInteger, default=0)  # 0, 1 催办, 2 通报
    supervised_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    satisfaction: Mapped[str | None] = mapped_column(sa.String(24))
    handled_level: Mapped[int | None] = mapped_column(sa.SmallInteger)  # level that resolved it
    leader: Mapped[str | None] = mapped_column(sa.String(50))  # 领导包保
    plan: Mapped[str | None] = mapped_column(sa.Text)  # 一案一策
    #: The plan's next review date (local day, migration 0018): once it has passed without a
    #: ``plan_review`` the clock raises ``plan_review_overdue`` (dispatch.plan_review).
    plan_review_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
    #: The latest 督办 by a higher center (migration 0018): when, by which center (its name),
    #: the note and the deadline it set (a local day). Its event is on the trail.
    supervise_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    supervise_by: Mapped[str | None] = mapped_column(sa.String(100))
    supervise_note: Mapped[str | None] = mapped_column(sa.Text)
    supervise_due_on: Mapped[date | None] = mapped_column(sa.Date)
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"))
    event_count: Mapped[int] = mapped_column(sa.Integer, default=0)  # seq of the last CaseEvent
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)

    center: Mapped[Center] = relationship(foreign_keys=[center_id])
    orders: Mapped[list[DispatchOrder]] = relationship(
        back_populates="case", order_by="DispatchOrder.id"
    )
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.seq", viewonly=True
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # The key of a sending system: ``source`` holds the channel of a report with an
        # external id (dispatch.report; older rows keep the name they were sent with).
        sa.UniqueConstraint("source", "external_id", name="uq_cases_source_external_id"),
        sa.Index(
            "ix_cases_owning_path_reported_at",
            "owning_path",
            "reported_at",
            postgresql_ops={"owning_path": "varchar_pattern_ops"},
        ),
        sa.Index("ix_cases_closed_at", "closed_at"),
        # Briefings count the matters accepted in a period by kind and channel (0015).
        sa.Index("ix_cases_accepted_at", "accepted_at"),
        # The inbox counts cases at one center by state (exact owning_path).
        sa.Index(
            "ix_cases_owning_path_state",
            "owning_path",
            "state",
            postgresql_ops={"owning_path": "varchar_pattern_ops"},
        ),
    )


class DispatchOrder(Base):
    """An order (派单) to a department or a lower center: lead (主办) or assisting (协办)."""

    __tablename__ = "dispatch_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    center_id: Mapped[int | None] = mapped_column(sa.ForeignKey("centers.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(8))
    state: Mapped[str] = mapped_column(sa.String(12))
    dispatched_at: Mapped[datetime] = mapped_column(UtcDateTime)
    dispatched_by: Mapped[str] = mapped_column(sa.String(64))
    signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    signed_by: Mapped[str | None] = mapped_column(sa.String(64))
    #: 退单: when the holder asked to return the order, and why.
    returned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    returned_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: The dispatching center's decision on the latest return (migration 0014): ``approved``
    #: or ``rejected``, when, by whom, with its note (a rejection's reason).
    return_decision: Mapped[str | None] = mapped_column(sa.String(12))
    return_decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    return_decided_by: Mapped[str | None] = mapped_column(sa.String(64))
    return_decision_note: Mapped[str | None] = mapped_column(sa.Text)
    #: 协办反馈: an assisting order's report of its part (its photos are the attachments
    #: naming this order).
    feedback: Mapped[str | None] = mapped_column(sa.Text)
    feedback_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    feedback_by: Mapped[str | None] = mapped_column(sa.String(64))

    case: Mapped[Case] = relationship(back_populates="orders")
    department: Mapped[Department | None] = relationship()
    center: Mapped[Center | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("(department_id IS NULL) <> (center_id IS NULL)", name="one_target"),
        # The inbox: orders addressed to a center or a department, by state.
        sa.Index("ix_dispatch_orders_center_id_state", "center_id", "state"),
        sa.Index("ix_dispatch_orders_department_id_state", "department_id", "state"),
    )


class CaseEvent(Base):
    """One append-only line of a case's audit trail. Never updated, never deleted."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    seq: Mapped[int] = mapped_column(sa.Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(24))
    from_state: Mapped[str | None] = mapped_column(sa.String(16))
    to_state: Mapped[str] = mapped_column(sa.String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonDict, default=dict)

    case: Mapped[Case] = relationship(back_populates="events", viewonly=True)

    __table_args__ = (
        sa.UniqueConstraint("case_id", "seq", name="uq_case_events_case_id_seq"),
        # Briefings count a period's escalations, 催办 and 通报 (migration 0015).
        sa.Index("ix_case_events_action_at", "action", "at"),
        # A reporter's own reports, the inbox's 我上报的 (migration 0022).
        sa.Index("ix_case_events_actor_action", "actor", "action"),
    )


class CaseEscalation(Base):
    """A case went up from ``from_center_id`` (its 上报 line, kept beside the trail): the
    desk's 已上报 tab lists what its center sent up, and that center's desks may still read
    those cases (read-only) after they left its scope. Written with the trail's ``escalate``
    line (:func:`dispatch.facts.escalate`); migration 0023 fills it from earlier trails."""

    __tablename__ = "case_escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    from_center_id: Mapped[int] = mapped_column(sa.ForeignKey("centers.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        sa.Index("ix_case_escalations_from_center_case", "from_center_id", "case_id"),
    )


class Attachment(Base):
    """A photo or document of a case; bytes live under the data folder, named by sha256."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column(sa.Integer)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    stored_path: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(sa.String(64))
    #: The order whose 协办 feedback the photo belongs to (migration 0014).
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("dispatch_orders.id"))


#: The fields of a case its search text is made of, in order (the grid's name comes last).
SEARCHED_FIELDS = ("number", "title", "description", "reporter", "reporter_phone", "address")


def case_search_text(conn: sa.Connection, case: Case) -> str:
    grid_name = None
    if case.grid_id is not None:
        grid_name = conn.scalar(sa.select(Grid.name).where(Grid.id == case.grid_id))
    return search_index.compose(*(getattr(case, f) for f in SEARCHED_FIELDS), grid_name)


@sa.event.listens_for(Case, "before_insert")
def _search_text_on_insert(_mapper: Any, conn: sa.Connection, case: Case) -> None:
    case.search_text = case_search_text(conn, case)


@sa.event.listens_for(Case, "before_update")
def _search_text_on_update(_mapper: Any, conn: sa.Connection, case: Case) -> None:
    state = sa.inspect(case)
    if any(state.attrs[f].history.has_changes() for f in (*SEARCHED_FIELDS, "grid_id")):
        case.search_text = case_search_text(conn, case)


@sa.event.listens_for(Case.__table__, "after_create")
def _create_search_index(_table: sa.Table, conn: sa.Connection, **_kw: Any) -> None:
    search_index.install(conn)


@sa.event.listens_for(Case.__table__, "before_drop")
def _drop_search_index(_table: sa.Table, conn: sa.Connection, **_kw: Any) -> None:
    search_index.uninstall(conn)


@sa.event.listens_for(Session, "before_flush")
def _case_events_are_append_only(session: Session, _context: Any, _instances: Any) -> None:
    """The audit trail is written once: an update or delete of a CaseEvent is a bug."""
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, CaseEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise sa.exc.InvalidRequestError(
                f"case event {obj.case_id}/{obj.seq} is append-only: it cannot be changed or deleted"
            )
