"""The signing limit's alert (签收超时): an order not signed within the policy's limit.

The SLA clock calls :func:`check_signing` on every tick. An order waiting for 签收 past its
limit (:func:`dispatch.desk.signing.sign_deadline`, counted from dispatch or from the
rejection of its return) raises ``order_unsigned`` at the addressee's center (a department
counts at the center it is stationed at), so the holder sees it and so does every center
above, the dispatching one included. The alert clears when the order is signed, its return
is asked for, or it stops waiting for any other reason (cancelled, case escalated …).
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from dispatch.alerts import clear_alert, raise_alert
from dispatch.desk.signing import sign_deadline
from dispatch.localtime import TZ
from dispatch.models import Alert, Case, Center, Department, DispatchOrder
from dispatch.sla import Sla
from dispatch.types import AlertKind, CaseState, OrderState, Severity

#: Case states in which an order can be signed (the workflow's ``sign`` sources).
SIGNABLE = tuple(s.value for s in (CaseState.DISPATCHED, CaseState.SIGNED, CaseState.HANDLING))


def unsigned_key(order_id: int) -> str:
    """The dedup key of the order's 签收超时 alert."""
    return f"{AlertKind.ORDER_UNSIGNED.value}:{order_id}"


def sign_clock_start(order: DispatchOrder) -> datetime:
    """When the order's signing limit started: at dispatch, or when its return was rejected."""
    if order.return_decision == "rejected" and order.return_decided_at is not None:
        return max(order.dispatched_at, order.return_decided_at)
    return order.dispatched_at


def check_signing(session: Session, sla: Sla, now: datetime | None = None) -> tuple[int, int]:
    """Raise the alert of every order late to be signed and clear those no longer waiting;
    returns (alerts raised, alerts cleared)."""
    now = now or datetime.now(UTC)
    to_center, dept, dept_center = aliased(Center), aliased(Department), aliased(Center)
    rows = session.execute(
        sa.select(
            DispatchOrder, Case, to_center.path, to_center.name, dept.name, dept_center.path
        )
        .join(Case, Case.id == DispatchOrder.case_id)
        .outerjoin(to_center, to_center.id == DispatchOrder.center_id)
        .outerjoin(dept, dept.id == DispatchOrder.department_id)
        .outerjoin(dept_center, dept_center.id == dept.center_id)
        .where(DispatchOrder.state == OrderState.PENDING.value, Case.state.in_(SIGNABLE))
    ).all()
    late: set[str] = set()
    raised = 0
    for order, case, center_path, center_name, dept_name, dept_path in rows:
        deadline = sign_deadline(
            sla.policy, sign_clock_start(order), case.kind, case.risk, case.complexity,
            case.due_at, sla.calendar,
        )  # fmt: skip
        if deadline > now:
            continue
        key = unsigned_key(order.id)
        late.add(key)
        target = center_name or dept_name or ""
        local = f"{deadline.astimezone(TZ):%Y-%m-%d %H:%M}"
        _, created = raise_alert(
            session, AlertKind.ORDER_UNSIGNED, Severity.WARNING, center_path or dept_path or
            case.owning_path,
            f"逾期未签收 order not signed in time: {case.number} → {target} (时限 limit {local})",
            key, case_id=case.id,
            params={"number": case.number, "target": target, "order_id": order.id,
                    "deadline": deadline.astimezone(UTC).isoformat()},
            now=now,
        )  # fmt: skip
        raised += created
    cleared = 0
    stale = session.scalars(
        sa.select(Alert.dedup_key).where(
            Alert.open_key.is_not(None), Alert.kind == AlertKind.ORDER_UNSIGNED.value
        )
    ).all()
    for key in stale:
        if key not in late:
            cleared += clear_alert(session, key, now) is not None
    return raised, cleared


def clear_settled(session: Session, case_id: int, now: datetime) -> int:
    """Close at once the 签收超时 alerts of the case's orders that no longer wait for 签收
    (cancelled by an escalation or a returned lead, done at the resolution …), rather than at
    the clock's next tick; returns how many closed."""
    keys = session.scalars(
        sa.select(Alert.dedup_key).where(
            Alert.case_id == case_id,
            Alert.kind == AlertKind.ORDER_UNSIGNED.value,
            Alert.open_key.is_not(None),
        )
    ).all()
    pending = {
        unsigned_key(i)
        for i in session.scalars(
            sa.select(DispatchOrder.id).where(
                DispatchOrder.case_id == case_id, DispatchOrder.state == OrderState.PENDING.value
            )
        )
    }
    return sum(clear_alert(session, key, now) is not None for key in keys if key not in pending)
