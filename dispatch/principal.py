"""Who is acting: the identity every service call and every read carries.

Accounts and login arrive later (issue 6); until then callers build a :class:`Principal` for
the operator or system acting. Every read takes a scope (a center path) and sees only its
subtree; every workflow action is checked against the principal's roles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    OPERATOR = "operator"  # 调度员 / 坐席
    DUTY_OFFICER = "duty_officer"  # 值班员
    LEADER = "leader"  # 领导
    LIAISON = "liaison"  # 部门联络员 (acts on orders dispatched to its department)
    GRID_WORKER = "grid_worker"  # 网格员
    ADMIN = "admin"  # 管理员
    SYSTEM = "system"  # an external system or an internal task (SLA clock, camera alerts)


@dataclass(frozen=True)
class Principal:
    """An authenticated actor.

    ``center_path`` is the materialized path of the actor's home center: the actor sees that
    center and everything below it. ``department`` is set for department liaisons.
    ``allowed_actions`` and ``allowed_sources``, when not None, narrow what an API token may do.
    """

    actor: str
    center_path: str
    roles: frozenset[Role] = field(default_factory=frozenset)
    name: str = ""
    department: str | None = None
    allowed_actions: frozenset[str] | None = None
    allowed_sources: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if not self.actor:
            raise ValueError("principal needs an actor id")
        if not self.center_path:
            raise ValueError("principal needs a home center path")

    def sees(self, path: str) -> bool:
        """True when ``path`` lies within this principal's subtree."""
        return path == self.center_path or path.startswith(self.center_path + "/")

    def has(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles)) or Role.ADMIN in self.roles


def system_principal(center_path: str, actor: str = "system") -> Principal:
    """The principal of internal tasks (SLA clock, camera alerts, demo activity)."""
    return Principal(actor=actor, center_path=center_path, roles=frozenset({Role.SYSTEM}), name=actor)
