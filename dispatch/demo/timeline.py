"""One case's history as the workflow would have written it, cut at ``now``.

:class:`Trail` appends events the way :mod:`dispatch.cases` does (same actions, states and
payload facts) and keeps the case's columns in step, so replaying the generated events gives
the generated columns (the tests check this with :func:`dispatch.effects.replay`). Events that
would lie after ``now`` are dropped with everything after them: the case stays in the state it
had reached, so open cases are exactly those whose history is not over yet.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from dispatch.types import CaseState as S

ISO_CACHE: dict[int, str] = {}
#: One encoder for every payload: ``json.dumps`` with options builds a new one per call.
encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def iso(epoch: int) -> str:
    """What the services write for a timestamp in a payload (``datetime.isoformat``)."""
    text = ISO_CACHE.get(epoch)
    if text is None:
        text = datetime.fromtimestamp(epoch, UTC).isoformat()
        if len(ISO_CACHE) < 200_000:
            ISO_CACHE[epoch] = text
    return text


#: The columns of an order's row after its id, case, department, center and role (in the
#: order :data:`dispatch.demo.ORDER_COLUMNS` writes them); :meth:`Trail.set_order` writes by name.
ORDER_TAIL = (
    "state", "dispatched_at", "dispatched_by", "signed_at", "signed_by", "returned_at",
    "returned_reason", "return_decision", "return_decided_at", "return_decided_by", "feedback",
    "feedback_at", "feedback_by",
)  # fmt: skip
ORDER_FIELDS = {name: 5 + i for i, name in enumerate(ORDER_TAIL)}
#: Orders whose holder still holds the work (as :func:`dispatch.orders.active_orders`).
ACTIVE = ("pending", "signed", "return_asked")


class Trail:
    """Events of one case and the columns they produce."""

    __slots__ = (
        "case_id",
        "now",
        "events",
        "escalations",
        "cols",
        "cut",
        "orders",
        "next_order",
        "record",
        "n",
        "last_at",
    )

    def __init__(
        self, case_id: int, now: int, cols: dict[str, Any], next_order: int, record: bool = True
    ) -> None:
        self.case_id, self.now, self.cols = case_id, now, cols
        self.events: list[tuple[Any, ...]] = []
        self.escalations: list[tuple[int, int, int]] = []  # (case, from center id, at)
        self.orders: list[list[Any]] = []
        self.cut = False
        self.next_order = next_order
        self.record = record  # False: count the events, keep no rows (no audit trail wanted)
        self.n = 0
        self.last_at = 0

    def emit(self, at: int, actor: str, action: str, to: str, payload: dict[str, Any]) -> bool:
        """Append an event unless it lies after ``now`` (then the history stops here)."""
        if self.cut or at > self.now:
            self.cut = True
            return False
        c = self.cols
        self.n += 1
        if self.record:
            self.events.append(
                (
                    self.case_id, self.n, at, actor, action, c["state"] if self.n > 1 else None,
                    to, encode(payload),
                )
            )  # fmt: skip
        c["state"] = to
        c["event_count"] = self.n
        self.last_at = at
        return True

    # -- orders ---------------------------------------------------------------------------

    def order(
        self, at: int, actor: str, role: str, department_id: int | None, center_id: int | None
    ) -> int:
        oid = self.next_order
        self.next_order += 1
        # id, case, department, center, role, then ORDER_TAIL
        row: list[Any] = [oid, self.case_id, department_id, center_id, role, "pending", at, actor]
        self.orders.append(row + [None] * (len(ORDER_TAIL) - 3))
        return oid

    def set_order(self, oid: int, **changes: Any) -> None:
        for o in self.orders:
            if o[0] == oid:
                for name, value in changes.items():
                    o[ORDER_FIELDS[name]] = value

    def finish_active(self, state: str) -> None:
        for o in self.orders:
            if o[5] in ACTIVE:
                o[5] = state

    def resolve_orders(self) -> None:
        """办结 (as :func:`dispatch.facts.resolve`): the lead is done; an assist still open
        never reported its part (未反馈), it is not marked done."""
        for o in self.orders:
            if o[5] in ACTIVE:
                o[5] = "done" if o[4] == "lead" else "unreported"

    # -- the columns each action changes (as dispatch.effects does) -------------------------

    def accept(self, at: int, actor: str, due: int) -> bool:
        if self.emit(at, actor, "accept", S.ACCEPTED, {"due_at": iso(due)}):
            self.cols["accepted_at"] = at
            self.cols["due_at"] = due
            return True
        return False

    def escalate(self, at: int, actor: str, frm: tuple[Any, ...], to: tuple[Any, ...]) -> bool:
        payload = {
            "reason": "超出本级处置能力，上报上级中心",
            "from_center": frm[0],
            "to_center": to[0],
            "to_center_id": to[1],
            "to_path": to[2],
        }
        if self.emit(at, actor, "escalate", S.ACCEPTED, payload):
            if self.record:  # the row dispatch.facts.escalate writes beside the trail's line
                self.escalations.append((self.case_id, frm[1], at))
            c = self.cols
            c["center_id"], c["owning_path"] = to[1], to[2]
            c["escalation_count"] += 1
            c["accepted_at"] = c["accepted_at"] or at
            return True
        return False
