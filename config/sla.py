"""The SLA policy: how long a case may take, by kind and risk grade, and what happens after.

Defaults follow practice in the centers: emergencies in hours on the wall clock, simple
matters within one working day, ordinary ones within seven, complex ones within twenty.

Every limit states its kind (``clock``): ``wall`` (hours on the wall clock: emergencies do not
wait for Monday), ``working_hours`` (hours inside the declared ``working_hours`` of working
days) or ``working_days`` (whole working days, ending at local midnight). Example::

    [sla]
    working_hours = ["08:30-12:00", "14:30-18:00"]
    [sla.deadlines.emergency]
    hours = 2
    clock = "wall"
    [sla.deadlines.simple]
    hours = 8
    clock = "working_hours"
    [sla.deadlines.ordinary]
    working_days = 7
    clock = "working_days"
    [sla.signing]            # 签收时限 of dispatched orders
    hours = 2
    clock = "working_hours"
"""

from __future__ import annotations

from datetime import time
from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from config.streams import StrictModel
from config.vocabulary import CaseKind, Complexity, Risk


class Clock(StrEnum):
    """How a limit is counted."""

    WALL = "wall"  # hours on the wall clock
    WORKING_HOURS = "working_hours"  # hours inside the working hours of working days
    WORKING_DAYS = "working_days"  # working days, ending at local midnight


class Deadline(StrictModel):
    """``hours`` (on the wall clock or in working hours) or ``working_days``, and the kind of
    clock that counts them. ``clock`` may be omitted in older files: ``working_days`` count
    working days, ``hours`` the wall clock."""

    hours: float | None = Field(None, gt=0, le=720, title="Hours")
    working_days: int | None = Field(None, ge=1, le=120, title="Working days")
    clock: Clock | None = Field(None, title="wall, working_hours or working_days")

    @model_validator(mode="after")
    def _exactly_one(self) -> Deadline:
        if (self.hours is None) == (self.working_days is None):
            raise ValueError("give exactly one of hours or working_days")
        if self.clock is None:
            self.clock = Clock.WALL if self.hours is not None else Clock.WORKING_DAYS
        if (self.working_days is not None) != (self.clock == Clock.WORKING_DAYS):
            raise ValueError(
                "working_days go with clock = 'working_days'; hours with 'wall' or "
                "'working_hours'"
            )
        return self


class SlaRule(StrictModel):
    """Cases matching ``kind`` and ``risk`` (either may be omitted) get ``complexity``."""

    kind: CaseKind | None = None
    risk: Risk | None = None
    complexity: Complexity

    def matches(self, kind: str, risk: str) -> bool:
        return (self.kind is None or self.kind == kind) and (self.risk is None or self.risk == risk)


class SupervisionRule(StrictModel):
    urge_after_overdue_hours: float = Field(0, ge=0, title="催办 this long after the deadline")
    notify_after_urge_hours: float = Field(
        24, gt=0, title="通报 when still overdue this long after 催办"
    )


class SigningRule(StrictModel):
    """签收时限: how long a dispatched order may wait for 签收 before it raises an alert.

    ``hours`` count on ``clock`` (``working_hours``: inside the policy's working hours of
    working days; ``wall``: the wall clock); orders of an emergency-class case get
    ``emergency_minutes`` on the wall clock. No order waits past its case's own deadline."""

    hours: float = Field(2, gt=0, le=72, title="签收 within this many hours of dispatch")
    clock: Clock = Field(Clock.WORKING_HOURS, title="wall or working_hours")
    emergency_minutes: float = Field(
        30, gt=0, le=720, title="签收 of an emergency-class case within these minutes (wall)"
    )

    @model_validator(mode="after")
    def _hours_clock(self) -> SigningRule:
        if self.clock == Clock.WORKING_DAYS:
            raise ValueError("the signing limit counts hours: clock 'wall' or 'working_hours'")
        return self


class EscalationRule(StrictModel):
    enabled: bool = Field(True, title="Escalate overdue cases to the parent center")
    overdue_hours: float = Field(48, gt=0, title="Escalate when overdue this long")
    top_level: int = Field(2, ge=1, le=4, title="Never escalate above this level")


def _default_deadlines() -> dict[Complexity, Deadline]:
    return {
        Complexity.EMERGENCY: Deadline(hours=4, clock=Clock.WALL),
        Complexity.SIMPLE: Deadline(working_days=1, clock=Clock.WORKING_DAYS),
        Complexity.ORDINARY: Deadline(working_days=7, clock=Clock.WORKING_DAYS),
        Complexity.COMPLEX: Deadline(working_days=20, clock=Clock.WORKING_DAYS),
    }


def _parse_hhmm(text: str) -> time:
    hh, mm = text.strip().split(":")
    if not (hh.isdigit() and mm.isdigit() and len(mm) == 2):
        raise ValueError(f"{text!r} is not HH:MM")
    if (int(hh), int(mm)) == (24, 0):
        return time.max
    return time(int(hh), int(mm))


def parse_window(text: str) -> tuple[time, time]:
    """``"08:30-12:00"`` → ``(08:30, 12:00)``."""
    try:
        start, end = (_parse_hhmm(part) for part in text.replace("–", "-").split("-"))
    except ValueError as exc:
        raise ValueError(f"working hours {text!r}: give HH:MM-HH:MM ({exc})") from None
    if end <= start:
        raise ValueError(f"working hours {text!r}: the end is not after the start")
    return start, end


class ReworkClock(StrEnum):
    """What 返工 does to the handler's deadline."""

    KEEP = "keep"  # the deadline stands: the rework is part of the same handling
    RESTART = "restart"  # a new deadline of the case's class, counted from the 返工


def _default_rules() -> list[SlaRule]:
    return [
        SlaRule(kind=CaseKind.EMERGENCY, complexity=Complexity.EMERGENCY),
        SlaRule(kind=CaseKind.GATHERING, complexity=Complexity.EMERGENCY),
        SlaRule(risk=Risk.HIGH, complexity=Complexity.SIMPLE),
        SlaRule(kind=CaseKind.PETITION, complexity=Complexity.COMPLEX),
    ]


class SlaPolicy(StrictModel):
    deadlines: dict[Complexity, Deadline] = Field(
        default_factory=_default_deadlines, title="Deadline per complexity class"
    )
    rules: list[SlaRule] = Field(
        default_factory=_default_rules, title="First matching rule picks the complexity class"
    )
    default_complexity: Complexity = Complexity.ORDINARY
    near_deadline_fraction: float = Field(
        0.2, gt=0, lt=1, title="Warn when this share of the allowed time remains"
    )
    max_extension_days: int = Field(20, ge=1, le=120, title="Longest single 延期 in working days")
    working_hours: list[str] = Field(
        default_factory=list,
        title="Working hours of a working day, e.g. ['08:30-12:00', '14:30-18:00'] "
        "(empty: the whole working day counts)",
    )
    rework_clock: ReworkClock = Field(
        ReworkClock.KEEP, title="返工: keep the handler's deadline or restart it"
    )
    supervision: SupervisionRule = Field(default_factory=SupervisionRule)
    signing: SigningRule = Field(default_factory=SigningRule, title="签收时限 of dispatched orders")
    escalation: EscalationRule = Field(default_factory=EscalationRule)

    @field_validator("working_hours")
    @classmethod
    def _windows(cls, value: list[str]) -> list[str]:
        windows = sorted(parse_window(w) for w in value)
        for (_, end), (start, _) in zip(windows, windows[1:], strict=False):
            if start < end:
                raise ValueError("working hours overlap")
        return value

    @model_validator(mode="after")
    def _complete(self) -> SlaPolicy:
        missing = [c.value for c in Complexity if c not in self.deadlines]
        if missing:
            raise ValueError(f"deadlines missing for {', '.join(missing)}")
        return self

    def windows(self) -> list[tuple[time, time]]:
        """The working hours as ``(start, end)`` local times, in order (empty: all day)."""
        return sorted(parse_window(w) for w in self.working_hours)

    def deadline_for(
        self, kind: str, risk: str, override: str | None = None
    ) -> Deadline:
        return self.deadlines[self.complexity_for(kind, risk, override)]

    def complexity_for(self, kind: str, risk: str, override: str | None = None) -> Complexity:
        """The class deciding the deadline: an explicit override, else the first matching rule."""
        if override:
            return Complexity(override)
        for rule in self.rules:
            if rule.matches(kind, risk):
                return rule.complexity
        return self.default_complexity
