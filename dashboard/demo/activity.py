"""The demo's field activity: new reports, handling steps and closures, so the wall is alive.

Every few seconds the simulator takes one step through the real services (the same
``report_case`` / ``perform`` the API and the console call, with their audit trail): a new
case from the field at a township or village, or the next action on an open case it started.
It works only on cases it reported itself (``source = "demo-sim"``), so what an operator does
in the console is never taken over by the simulator.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from dispatch.cases import perform, report_case
from dispatch.errors import DispatchError
from dispatch.intake import CaseIntake
from dispatch.models import Case, Center, DispatchOrder
from dispatch.principal import Principal, Role
from dispatch.sla import Sla
from dispatch.types import CaseKind, CaseState, Channel, OrderState, Risk

log = logging.getLogger("dashboard.demo.activity")
SOURCE = "demo-sim"
TITLES = {
    CaseKind.DISPUTE: ("邻里宅基地边界纠纷", "家庭婚姻矛盾调解", "务工人员讨薪", "土地承包经营权纠纷"),
    CaseKind.HAZARD: ("道路塌方隐患", "沿街电线老化", "河道护栏缺失", "自建房墙体开裂"),
    CaseKind.SERVICE_REQUEST: ("路灯损坏报修", "生活用水中断", "垃圾清运不及时"),
    CaseKind.GATHERING: ("村口人员聚集",),
    CaseKind.EMERGENCY: ("山林起火冒烟",),
}
#: The next action for a case in each state, with the payload it needs.
NEXT_STEP: dict[str, str] = {
    CaseState.REPORTED: "accept",
    CaseState.ACCEPTED: "dispatch",
    CaseState.DISPATCHED: "sign",
    CaseState.SIGNED: "start",
    CaseState.HANDLING: "resolve",
    CaseState.RESOLVED: "verify",
    CaseState.VERIFIED: "visit",
    CaseState.VISITED: "close",
}


def simulator_principal(root_path: str) -> Principal:
    return Principal(
        # An internal task of the demo: it relays every channel's reports (dispatch.channels).
        actor="demo-sim", center_path=root_path, roles=frozenset({Role.ADMIN, Role.SYSTEM}),
        name="现场模拟 field simulator",
    )


class FieldActivity:
    """Runs :meth:`step` on a named thread every ``mean_pause`` seconds on average."""

    def __init__(
        self, session_factory: sessionmaker[Session], sla: Sla, mean_pause: float = 4.0, seed: int = 7
    ) -> None:
        self.factory, self.sla, self.mean_pause = session_factory, sla, mean_pause
        self.rng = random.Random(seed)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.steps = 0

    async def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="demo-activity", daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.rng.expovariate(1 / self.mean_pause)):
            try:
                self.step()
                self.steps += 1
            except DispatchError as exc:  # a refused step is part of life; try another next time
                log.info("simulated step refused: %s", exc)
            except Exception:
                log.exception("simulated step failed")

    def _principal(self, session: Session) -> Principal:
        root = session.scalar(sa.select(Center.path).where(Center.level == 1).order_by(Center.code))
        return simulator_principal(root or "")

    def step(self, now: datetime | None = None) -> str:
        """One change: a new report (40%) or the next action on an open simulated case."""
        now = now or datetime.now(UTC)
        with self.factory.begin() as session:
            principal = self._principal(session)
            open_ids = list(
                session.scalars(
                    sa.select(Case.id).where(
                        Case.external_id.like(f"{SOURCE}-%"), Case.state.in_(list(NEXT_STEP))
                    ).order_by(Case.id.desc()).limit(40)
                )
            )
            if not open_ids or self.rng.random() < 0.4:
                return self._report(session, principal, now)
            case = session.get(Case, self.rng.choice(open_ids))
            assert case is not None
            action = NEXT_STEP[case.state]
            perform(session, principal, case.id, action, self._payload(session, case, action),
                    sla=self.sla, now=now)
            return action

    def _report(self, session: Session, principal: Principal, now: datetime) -> str:
        towns = list(session.scalars(sa.select(Center.code).where(Center.level == 3).limit(400)))
        kind = self.rng.choice(list(TITLES))
        risk = Risk.HIGH if self.rng.random() < 0.08 else self.rng.choice([Risk.LOW, Risk.MEDIUM])
        intake = CaseIntake(
            title=self.rng.choice(TITLES[kind]),
            description="现场网格员上报（演示模拟）",
            kind=kind,
            channel=self.rng.choice([Channel.GRID_WORKER, Channel.HOTLINE_12345, Channel.CITIZEN_SNAPSHOT]),
            center=self.rng.choice(towns),
            risk=risk,
            external_id=f"{SOURCE}-{now.timestamp():.6f}-{self.rng.randrange(10**6)}",
            reporter="网格员",
            leader="包保领导" if risk == Risk.HIGH else None,
            plan="一案一策：专人跟进" if risk == Risk.HIGH else None,
        )
        report_case(session, principal, intake, sla=self.sla, now=now)
        return "report"

    def _payload(self, session: Session, case: Case, action: str) -> dict[str, Any]:
        if action == "dispatch":
            child = session.scalar(
                sa.select(Center.code).where(Center.parent_id == case.center_id).order_by(sa.func.random()).limit(1)
            )
            return {"lead": {"center": child}} if child else {"lead": {"center": ""}}
        if action in ("sign", "start", "resolve"):
            order = session.scalar(
                sa.select(DispatchOrder.id).where(
                    DispatchOrder.case_id == case.id, DispatchOrder.role == "lead",
                    DispatchOrder.state.in_([OrderState.PENDING.value, OrderState.SIGNED.value]),
                ).order_by(DispatchOrder.id.desc())
            )
            payload: dict[str, Any] = {"order_id": order}
            if action == "resolve":
                payload["result"] = "已现场处置完毕（演示模拟）"
            return payload
        if action == "visit":
            return {"satisfaction": "satisfied" if self.rng.random() < 0.95 else "basically_satisfied"}
        return {}
