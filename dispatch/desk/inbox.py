"""The inbox (待办): what awaits this principal's action, whoever created the case.

Tabs, each leading to a workflow action the principal may take (:data:`TABS`):

==============  =====================================================  =====================
tab             what                                                   action
==============  =====================================================  =====================
``to_sign``     orders addressed to its center or department, pending  签收 sign / 退单
``handling``    orders it signed, case still in handling               开始处置 / 办结 / 协办反馈
``to_accept``   cases at its center, reported                          受理 / 不予受理
``to_dispatch`` cases at its center, accepted (not after a 退单)       派单
``return_review`` orders of cases at its center whose holder asked to    同意退单 / 驳回退单
                return them (退单), awaiting its decision
``returned``    cases at its center whose lead order came back (退单)  派单 again / 上报
``to_verify``   cases at its center, resolved                          核查通过 / 返工
``to_visit``    cases at its center, verified                          回访
``to_close``    cases at its center, visited                           归档
``supervised``  cases under 催办/通报 or 督办 that it must move on: its  (the case's next step)
                orders still open, or its own cases without an open order
``escalated``   the cases its center sent up (上报上级), newest first,    (none: it follows them)
                with state, holder and latest step, as ``reported``
``reported``    the cases it reported itself (a reporter without a     (none: it follows them)
                desk, e.g. a grid worker), newest first, each with its
                state, where it is and the latest step of its trail
==============  =====================================================  =====================

"Its center" is the principal's home center itself (``owning_path`` equal to its path), not
the subtree: the inbox lists what this desk must do, the queues of :mod:`dispatch.queues`
what its subtree holds. Order tabs need the right to act on the order
(:func:`dispatch.orders.holds`: a department's liaison, or the desk of the addressed center);
center tabs need a desk role. The counts are computed in the database, all tabs in one
statement (``COUNT(*) FILTER`` per tab over the home center's cases and the addressed orders).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from config.sla import SlaPolicy
from dispatch.desk.signing import sign_deadline
from dispatch.desk.tabs import (
    BY_TAB,
    Desk,
    Tab,
    TabRule,
    addressed,
    escalated_ids,
    reported_ids,
    tabs_for,
)
from dispatch.models import Case, CaseEvent, Center, Department, DispatchOrder
from dispatch.order_alerts import sign_clock_start
from dispatch.principal import Principal
from dispatch.rollup.tables import is_overdue
from dispatch.sla import Sla, WorkCalendar
from dispatch.types import OrderRole, OrderState

__all__ = ["InboxItem", "InboxPage", "Tab", "inbox_counts", "inbox_page", "tabs_for"]

MAX_LIMIT = 200
_ACTIVE_ORDERS = (OrderState.PENDING.value, OrderState.SIGNED.value)


@dataclass(frozen=True)
class InboxItem:
    """One row of a tab. Order tabs fill the ``order_*`` and ``sign_*`` fields (the UI acts
    with ``order_id``); ``sign_deadline`` only while the order waits for 签收."""

    case_id: int
    number: str
    title: str
    kind: str
    sub_kind: str | None
    risk: str
    state: str
    center_name: str  # the owning center
    reported_at: datetime
    due_at: datetime | None
    overdue: bool
    supervision_stage: int  # 0, 1 催办, 2 通报
    order_id: int | None = None
    order_role: str | None = None
    addressee: str | None = None  # the center or department the order is addressed to
    dispatched_at: datetime | None = None
    sign_deadline: datetime | None = None
    sign_seconds_left: float | None = None  # negative once late
    sign_late: bool = False
    return_reason: str | None = None  # the holder's reason for a return (退单)
    return_decision_note: str | None = None  # why the center rejected the last return
    #: The latest 督办 by a higher center: when, by which center, its note and deadline day.
    supervise_at: datetime | None = None
    supervise_by: str | None = None
    supervise_note: str | None = None
    supervise_due_on: date | None = None
    #: ``reported`` tab: the latest line of the case's trail (action, when, its reason or note).
    latest_action: str | None = None
    latest_at: datetime | None = None
    latest_note: str | None = None


@dataclass(frozen=True)
class InboxPage:
    tab: Tab
    items: list[InboxItem]
    total: int
    limit: int
    offset: int


def _returned_last() -> sa.ColumnElement[bool]:
    """The case's latest order is a lead order sent back (退单)."""
    o, later = aliased(DispatchOrder), aliased(DispatchOrder)
    return sa.exists().where(
        o.case_id == Case.id,
        o.role == OrderRole.LEAD.value,
        o.state == OrderState.RETURNED.value,
        ~sa.exists().where(later.case_id == o.case_id, later.id > o.id),
    )


def _center_where(me: Desk, rule: TabRule) -> list[sa.ColumnElement[bool]]:
    where = [Case.owning_path == me.center_path, Case.state.in_(rule.case_states)]
    if rule.returned is not None:
        where.append(_returned_last() if rule.returned else ~_returned_last())
    return where


def _order_where(me: Desk, rule: TabRule) -> list[sa.ColumnElement[bool]]:
    if rule.arbitrate:
        return _arbitrate_where(me, rule)
    return [
        addressed(me, DispatchOrder),
        DispatchOrder.state == rule.order_state,
        Case.state.in_(rule.case_states),
    ]


def _arbitrate_where(me: Desk, rule: TabRule) -> list[sa.ColumnElement[bool]]:
    """Orders of the cases at its center whose return awaits its decision."""
    return [
        sa.true() if me.desk else sa.false(),
        Case.owning_path == me.center_path,
        DispatchOrder.state == OrderState.RETURN_REQUESTED.value,
        Case.state.in_(rule.case_states),
    ]


def _supervised_ids(me: Desk) -> sa.CompoundSelect:
    """Cases under 催办/通报 or 督办 this principal must move on: through an open order it
    holds, or at its center when no order is open."""
    rule = BY_TAB[Tab.SUPERVISED]
    pressed = [
        sa.or_(Case.supervision_stage > 0, Case.supervise_at.is_not(None)),
        Case.state.in_(rule.case_states),
    ]
    via_order = (
        sa.select(Case.id)
        .join(DispatchOrder, DispatchOrder.case_id == Case.id)
        .where(addressed(me, DispatchOrder), DispatchOrder.state.in_(_ACTIVE_ORDERS), *pressed)
    )
    open_order = aliased(DispatchOrder)
    at_center = sa.select(Case.id).where(
        sa.true() if me.desk else sa.false(),
        Case.owning_path == me.center_path,
        *pressed,
        ~sa.exists().where(open_order.case_id == Case.id, open_order.state.in_(_ACTIVE_ORDERS)),
    )
    return sa.union(via_order, at_center)


def _count_reported(session: Session, actor: str) -> int:
    query = sa.select(sa.func.count()).select_from(reported_ids(actor).subquery())
    return int(session.scalar(query) or 0)


def _count(session: Session, me: Desk, rule: TabRule, actor: str) -> int:
    if rule.reporter:
        return _count_reported(session, actor)
    return _counts(session, me, (rule,))[rule.tab]


def _counts(session: Session, me: Desk, rules: tuple[TabRule, ...]) -> dict[Tab, int]:
    """The counts of ``rules`` in one statement: one pass over the cases at the home center
    (``ix_cases_owning_path_state``), one over the orders addressed to the principal
    (``ix_dispatch_orders_*_state``), the supervised union; each an aggregate row."""
    holds_center = me.desk and me.center_id is not None
    query, tabs = _count_statement(rules, me.desk, holds_center, me.department_id is not None)
    if query is None:
        return {}
    params = {"center_path": me.center_path}
    if holds_center:
        params["center_id"] = me.center_id  # type: ignore[assignment]
    if me.department_id is not None:
        params["department_id"] = me.department_id  # type: ignore[assignment]
    row = session.execute(query, params).one()
    return {tab: int(row._mapping[tab.value] or 0) for tab in tabs}


@lru_cache(maxsize=256)
def _count_statement(
    rules: tuple[TabRule, ...], desk: bool, holds_center: bool, department: bool
) -> tuple[sa.Select | None, tuple[Tab, ...]]:
    """The counting statement for this shape of desk, built once (building it costs more than
    running it); the principal's ids are bound parameters."""
    me = Desk(
        sa.bindparam("center_id") if holds_center else None,  # type: ignore[arg-type]
        sa.bindparam("center_path"),  # type: ignore[arg-type]
        sa.bindparam("department_id") if department else None,  # type: ignore[arg-type]
        desk,
    )
    columns: list[sa.ColumnElement[int]] = []
    parts: list[sa.Subquery] = []
    tabs: list[Tab] = []
    center = [
        r for r in rules
        if r.order_state is None and r.tab is not Tab.SUPERVISED and not r.arbitrate
        and not r.escalated
    ]  # fmt: skip
    if center:
        states = sorted({s for r in center for s in r.case_states})
        parts.append(
            sa.select(*(
                sa.func.count().filter(*_center_where(me, r)[1:]).label(r.tab.value)
                for r in center
            ))
            .select_from(Case)
            .where(Case.owning_path == me.center_path, Case.state.in_(states))
            .subquery()
        )  # fmt: skip
        tabs += [r.tab for r in center]
    ordered = [r for r in rules if r.order_state is not None]
    if ordered:
        order_states = sorted({r.order_state for r in ordered if r.order_state})
        case_states = sorted({s for r in ordered for s in r.case_states})
        parts.append(
            sa.select(*(
                sa.func.count().filter(
                    DispatchOrder.state == r.order_state, Case.state.in_(r.case_states)
                ).label(r.tab.value)
                for r in ordered
            ))
            .select_from(DispatchOrder)
            .join(Case, Case.id == DispatchOrder.case_id)
            .where(
                addressed(me, DispatchOrder),
                DispatchOrder.state.in_(order_states),
                Case.state.in_(case_states),
            )
            .subquery()
        )  # fmt: skip
        tabs += [r.tab for r in ordered]
    for r in (r for r in rules if r.arbitrate):
        parts.append(
            sa.select(sa.func.count().label(r.tab.value))
            .select_from(DispatchOrder)
            .join(Case, Case.id == DispatchOrder.case_id)
            .where(*_arbitrate_where(me, r))
            .subquery()
        )
        tabs.append(r.tab)
    if any(r.tab is Tab.SUPERVISED for r in rules):
        supervised = _supervised_ids(me).subquery()
        parts.append(
            sa.select(sa.func.count().label(Tab.SUPERVISED.value))
            .select_from(supervised)
            .subquery()
        )
        tabs.append(Tab.SUPERVISED)
    if any(r.escalated for r in rules):
        sent = escalated_ids(me).distinct().subquery()
        parts.append(
            sa.select(sa.func.count().label(Tab.ESCALATED.value)).select_from(sent).subquery()
        )
        tabs.append(Tab.ESCALATED)
    if not parts:
        return None, ()
    for part in parts:
        columns += [part.c[c.name] for c in part.columns]
    query = sa.select(*columns).select_from(parts[0])
    for part in parts[1:]:
        query = query.join(part, sa.true())
    return query, tuple(tabs)


def inbox_counts(session: Session, principal: Principal) -> dict[Tab, int]:
    """How many items each of the principal's tabs (:func:`tabs_for`) holds, in tab order,
    from one statement."""
    tabs = tabs_for(principal)
    if not tabs:
        return {}
    rules = tuple(BY_TAB[tab] for tab in tabs if not BY_TAB[tab].reporter)
    counts = _counts(session, Desk.of(session, principal), rules) if rules else {}
    if Tab.REPORTED in tabs:
        counts[Tab.REPORTED] = _count_reported(session, principal.actor)
    return {tab: counts[tab] for tab in tabs}


def inbox_page(
    session: Session,
    principal: Principal,
    tab: Tab | str,
    *,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
    policy: SlaPolicy | Sla | None = None,
) -> InboxPage:
    """One page of ``tab``: order tabs by longest waiting first, case tabs by deadline,
    ``supervised`` by the latest 催办 first. ``policy`` (an :class:`~dispatch.sla.Sla` for
    the deployment's calendar) gives the signing limit (:mod:`dispatch.desk.signing`); a tab
    the principal has no part in is empty."""
    tab = Tab(tab)
    rule = BY_TAB[tab]
    limit, offset = max(1, min(limit, MAX_LIMIT)), max(0, offset)
    now = now or datetime.now(UTC)
    if tab not in tabs_for(principal):
        return InboxPage(tab, [], 0, limit, offset)
    me = Desk.of(session, principal)
    owner = aliased(Center)
    to_center, to_dept = aliased(Center), aliased(Department)
    columns = [Case, owner.name.label("owner_name")]
    if rule.order_state is not None or rule.arbitrate:
        query = (
            sa.select(*columns, DispatchOrder, to_center.name.label("center_to"),
                      to_dept.name.label("dept_to"))
            .join(Case, Case.id == DispatchOrder.case_id)
            .outerjoin(to_center, to_center.id == DispatchOrder.center_id)
            .outerjoin(to_dept, to_dept.id == DispatchOrder.department_id)
            .where(*_order_where(me, rule))
        )  # fmt: skip
        order_by = [DispatchOrder.dispatched_at, DispatchOrder.id]
        if tab is Tab.HANDLING:
            order_by = [Case.due_at.is_(None), Case.due_at, DispatchOrder.id]
        elif tab is Tab.RETURN_REVIEW:
            order_by = [DispatchOrder.returned_at, DispatchOrder.id]
    elif rule.reporter:
        query = sa.select(*columns).where(Case.id.in_(reported_ids(principal.actor)))
        order_by = [Case.reported_at.desc(), Case.id.desc()]
    elif rule.escalated:
        query = sa.select(*columns).where(Case.id.in_(escalated_ids(me)))
        order_by = [Case.reported_at.desc(), Case.id.desc()]
    elif tab is Tab.SUPERVISED:
        query = sa.select(*columns).where(Case.id.in_(_supervised_ids(me)))
        latest = sa.case(
            (Case.supervised_at.is_(None), Case.supervise_at),
            (Case.supervise_at.is_(None), Case.supervised_at),
            (Case.supervise_at > Case.supervised_at, Case.supervise_at),
            else_=Case.supervised_at,
        )
        order_by = [latest.desc(), Case.id.desc()]
    else:
        query = sa.select(*columns).where(*_center_where(me, rule))
        order_by = [Case.due_at.is_(None), Case.due_at, Case.id]
    # The tab's total rides on the page (a window count over the same rows); only a page past
    # the end needs its own count.
    query = query.add_columns(sa.func.count().over().label("tab_total"))
    query = query.join(owner, owner.id == Case.center_id).order_by(*order_by)
    rows = session.execute(query.limit(limit).offset(offset)).all()
    total = rows[0].tab_total if rows else (
        _count(session, me, rule, principal.actor) if offset else 0
    )
    sla = policy if isinstance(policy, Sla) else None
    clock = sla.policy if sla is not None else (policy or SlaPolicy())
    calendar = sla.calendar if sla is not None else None
    items = [_item(row, now, clock, tab, calendar) for row in rows]
    if rule.reporter or rule.escalated:
        items = _with_latest(session, items)
    return InboxPage(tab, items, total, limit, offset)


#: The payload field that says why, for the trail lines a reporter wants to read.
_NOTE_FIELDS = ("reason", "result", "note", "message", "feedback")


def _with_latest(session: Session, items: list[InboxItem]) -> list[InboxItem]:
    """``items`` with the latest line of each case's trail (one query for the page)."""
    if not items:
        return items
    last = (
        sa.select(CaseEvent.case_id, sa.func.max(CaseEvent.seq).label("seq"))
        .where(CaseEvent.case_id.in_([i.case_id for i in items]))
        .group_by(CaseEvent.case_id)
        .subquery()
    )
    events = session.scalars(
        sa.select(CaseEvent).join(
            last, sa.and_(CaseEvent.case_id == last.c.case_id, CaseEvent.seq == last.c.seq)
        )
    )
    latest = {e.case_id: e for e in events}
    out = []
    for item in items:
        event = latest.get(item.case_id)
        if event is None:
            out.append(item)
            continue
        payload = event.payload or {}
        note = next((str(payload[k]) for k in _NOTE_FIELDS if payload.get(k)), None)
        out.append(replace(item, latest_action=event.action, latest_at=event.at, latest_note=note))
    return out



def _item(
    row: sa.Row, now: datetime, policy: SlaPolicy, tab: Tab, calendar: WorkCalendar | None
) -> InboxItem:
    case: Case = row.Case
    fields = dict(
        case_id=case.id, number=case.number or "", title=case.title, kind=case.kind,
        sub_kind=case.sub_kind, risk=case.risk, state=case.state, center_name=row.owner_name,
        reported_at=case.reported_at, due_at=case.due_at,
        overdue=is_overdue(case, now),  # the KPIs' rule: a resolution in time is not late
        supervision_stage=case.supervision_stage,
        supervise_at=case.supervise_at, supervise_by=case.supervise_by,
        supervise_note=case.supervise_note, supervise_due_on=case.supervise_due_on,
    )  # fmt: skip
    order: DispatchOrder | None = getattr(row, "DispatchOrder", None)
    if order is None:
        return InboxItem(**fields)
    deadline = left = None
    if tab is Tab.TO_SIGN:
        deadline = sign_deadline(
            policy, sign_clock_start(order), case.kind, case.risk, case.complexity, case.due_at,
            calendar,
        )
        left = (deadline - now).total_seconds()
    return InboxItem(
        **fields,
        order_id=order.id,
        order_role=order.role,
        addressee=row.center_to or row.dept_to,
        dispatched_at=order.dispatched_at,
        sign_deadline=deadline,
        sign_seconds_left=left,
        sign_late=left is not None and left < 0,
        return_reason=order.returned_reason if tab is Tab.RETURN_REVIEW else None,
        return_decision_note=order.return_decision_note
        if tab is Tab.TO_SIGN and order.return_decision == "rejected"
        else None,
    )
