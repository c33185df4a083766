"""The SLA policy: how long a case may take, by kind and risk grade, and what happens after.

Defaults follow practice in the centers: emergencies in hours, simple matters within one
working day, ordinary ones within seven, complex ones within twenty.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from config.streams import StrictModel
from config.vocabulary import CaseKind, Complexity, Risk


class Deadline(StrictModel):
    """Either wall-clock ``hours`` (emergencies do not wait for Monday) or ``working_days``."""

    hours: float | None = Field(None, gt=0, le=720, title="Wall-clock hours")
    working_days: int | None = Field(None, ge=1, le=120, title="Working days")

    @model_validator(mode="after")
    def _exactly_one(self) -> Deadline:
        if (self.hours is None) == (self.working_days is None):
            raise ValueError("give exactly one of hours or working_days")
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


class EscalationRule(StrictModel):
    enabled: bool = Field(True, title="Escalate overdue cases to the parent center")
    overdue_hours: float = Field(48, gt=0, title="Escalate when overdue this long")
    top_level: int = Field(2, ge=1, le=4, title="Never escalate above this level")


def _default_deadlines() -> dict[Complexity, Deadline]:
    return {
        Complexity.EMERGENCY: Deadline(hours=4),
        Complexity.SIMPLE: Deadline(working_days=1),
        Complexity.ORDINARY: Deadline(working_days=7),
        Complexity.COMPLEX: Deadline(working_days=20),
    }


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
    supervision: SupervisionRule = Field(default_factory=SupervisionRule)
    escalation: EscalationRule = Field(default_factory=EscalationRule)

    @model_validator(mode="after")
    def _complete(self) -> SlaPolicy:
        missing = [c.value for c in Complexity if c not in self.deadlines]
        if missing:
            raise ValueError(f"deadlines missing for {', '.join(missing)}")
        return self

    def complexity_for(self, kind: str, risk: str, override: str | None = None) -> Complexity:
        """The class deciding the deadline: an explicit override, else the first matching rule."""
        if override:
            return Complexity(override)
        for rule in self.rules:
            if rule.matches(kind, risk):
                return rule.complexity
        return self.default_complexity
