"""The SLA clock: near-deadline and overdue alerts, supervision and escalation by rule.

The clock presses the handler: it looks at cases whose work is owed (reported, accepted,
dispatched, signed, handling), not at those suspended or whose resolution awaits 核查.

:meth:`SlaClock.run_once` looks at every open case once; each case is handled in its own
transaction, so one conflict (an operator acting at the same moment) skips that case until the
next tick instead of failing the whole pass. Alerts are deduplicated by condition, so running
the clock twice raises nothing new.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from functools import partial

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from config.sla import SlaPolicy
from dispatch.alerts import clear_alert
from dispatch.case_alerts import raise_case_alert
from dispatch.cases import perform
from dispatch.errors import DispatchError
from dispatch.events import Bus, bind_bus
from dispatch.models import Alert, Case, CaseEvent, Center
from dispatch.order_alerts import check_signing
from dispatch.plan_review import check_plan_reviews
from dispatch.principal import system_principal
from dispatch.sla import Sla
from dispatch.types import TICKING_STATES, AlertKind, CaseState
from dispatch.workflow import BY_ACTION

log = logging.getLogger("dispatch.clock")
#: States in which the handler's clock runs: open, not suspended (缓办), and not waiting for
#: 核查 after a resolution (the verifying center's time does not count against the handler:
#: no deadline alert, 催办, 通报 or escalation then; their alerts clear).
AWAITING_CHECK = frozenset({CaseState.RESOLVED, CaseState.VERIFIED, CaseState.VISITED})
TICKING = sorted(s.value for s in TICKING_STATES - AWAITING_CHECK)
CASE_CLOCK_ALERTS = (AlertKind.CASE_NEAR_DEADLINE.value, AlertKind.CASE_OVERDUE.value)


@dataclass
class ClockReport:
    near_deadline: int = 0
    overdue: int = 0
    urged: int = 0
    notified: int = 0
    escalated: int = 0
    cleared: int = 0
    conflicts: int = 0
    unsigned: int = 0  # 签收超时 alerts raised (dispatch.order_alerts)
    plan_reviews: int = 0  # 一案一策复核逾期 alerts raised (dispatch.plan_review)

    def __add__(self, other: ClockReport) -> ClockReport:
        return ClockReport(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


class SlaClock:
    """Call :meth:`run_once` on a timer (the product: ``dashboard.periodic.run_every``), from
    cron, or directly (tests)."""

    def __init__(
        self, session_factory: sessionmaker[Session], bus: Bus, policy: SlaPolicy | Sla
    ) -> None:
        self.factory = session_factory
        self.bus = bus
        self.sla = policy if isinstance(policy, Sla) else Sla.build(policy)
        bind_bus(session_factory, bus)

    @property
    def policy(self) -> SlaPolicy:
        return self.sla.policy

    def run_once(self, now: datetime | None = None) -> ClockReport:
        now = now or datetime.now(UTC)
        report = ClockReport()
        with self.factory() as session:
            rows = session.execute(
                sa.select(Case.id, Case.reported_at, Case.accepted_at, Case.due_at).where(
                    Case.state.in_(TICKING), Case.due_at.is_not(None)
                )
            ).all()
        due_ids: set[int] = set()
        for case_id, reported_at, accepted_at, due_at in rows:
            started = accepted_at or reported_at
            if due_at <= now or now >= self.sla.near_deadline_at(started, due_at):
                due_ids.add(case_id)
                report += self._one(case_id, now)
        report.cleared += self._clear_stale(now, due_ids)
        with self.factory.begin() as session:
            raised, cleared = check_signing(session, self.sla, now)
        report.unsigned += raised
        report.cleared += cleared
        with self.factory.begin() as session:
            report.plan_reviews += check_plan_reviews(session, now)
        return report

    def _one(self, case_id: int, now: datetime) -> ClockReport:
        report = ClockReport()
        try:
            with self.factory.begin() as session:
                case = session.get(Case, case_id)
                if case is None or case.state not in TICKING or case.due_at is None:
                    return report
                if case.due_at > now:
                    _, created = raise_case_alert(session, case, AlertKind.CASE_NEAR_DEADLINE, now)
                    report.near_deadline += created
                    return report
                clear_alert(session, f"{AlertKind.CASE_NEAR_DEADLINE.value}:{case.id}", now)
                _, created = raise_case_alert(session, case, AlertKind.CASE_OVERDUE, now)
                report.overdue += created
                report += self._by_rule(session, case, now)
        except DispatchError as exc:  # someone acted on the case meanwhile: next tick
            log.info("clock skipped case %s: %s", case_id, exc)
            report.conflicts += 1
        return report

    def _by_rule(self, session: Session, case: Case, now: datetime) -> ClockReport:
        """催办, then 通报, then escalation, as the policy sets them."""
        report = ClockReport()
        late = now - case.due_at  # type: ignore[operator]
        rules = self.policy
        system = system_principal(case.owning_path.split("/")[0], actor="sla-clock")
        act = partial(perform, session, system, case.id, sla=self.sla, now=now)
        if case.state in BY_ACTION["urge"].sources:
            if case.supervision_stage == 0 and late >= timedelta(
                hours=rules.supervision.urge_after_overdue_hours
            ):
                act("urge", {"message": "超期自动催办 overdue"})
                report.urged += 1
            elif (
                case.supervision_stage == 1
                and case.supervised_at is not None
                and now - case.supervised_at
                >= timedelta(hours=rules.supervision.notify_after_urge_hours)
            ):
                act("notify", {"reason": "催办后仍超期 still overdue after urging"})
                report.notified += 1
        if self._should_escalate(session, case, now, late):
            hours = late.total_seconds() / 3600
            act("escalate", {"reason": f"超期 {hours:.0f} 小时自动上报 overdue, escalated by rule"})
            report.escalated += 1
        return report

    def _should_escalate(
        self, session: Session, case: Case, now: datetime, late: timedelta
    ) -> bool:
        rule = self.policy.escalation
        window = timedelta(hours=rule.overdue_hours)
        if not rule.enabled or late < window or case.state not in BY_ACTION["escalate"].sources:
            return False
        level = session.scalar(sa.select(Center.level).where(Center.id == case.center_id))
        if level is None or level <= rule.top_level:
            return False
        # After an escalation the parent gets the same window before the next one.
        last = session.scalar(
            sa.select(sa.func.max(CaseEvent.at)).where(
                CaseEvent.case_id == case.id, CaseEvent.action == "escalate"
            )
        )
        return last is None or now - last >= window

    def _clear_stale(self, now: datetime, due_ids: set[int]) -> int:
        """Close clock alerts whose case is no longer near or past its deadline."""
        cleared = 0
        with self.factory.begin() as session:
            stale = session.execute(
                sa.select(Alert.dedup_key, Alert.case_id, Alert.kind).where(
                    Alert.open_key.is_not(None), Alert.kind.in_(CASE_CLOCK_ALERTS)
                )
            ).all()
            for key, case_id, _kind in stale:
                if case_id not in due_ids:
                    cleared += clear_alert(session, key, now) is not None
        return cleared

