"""Demo accounts: one per level of the center tree, printed by ``zongzhi demo``.

Passwords are random on every call (a demo reachable on an intranet must not ship known
passwords); existing demo accounts get a fresh password instead of a second row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.accounts.crypto import generate_password
from dispatch.accounts.models import User
from dispatch.accounts.users import add_user, set_password
from dispatch.models import Center, Department
from dispatch.principal import Role


class DemoAccount(NamedTuple):
    username: str
    password: str
    center: str  # "name (code)"
    role: str


#: (username, level of the home center, role, display name)
DEMO_USERS: tuple[tuple[str, int, Role, str], ...] = (
    ("admin", 1, Role.ADMIN, "系统管理员"),
    ("zhou.leader", 1, Role.LEADER, "州中心领导"),
    ("xian.duty", 2, Role.DUTY_OFFICER, "县中心值班员"),
    ("xian.leader", 2, Role.LEADER, "县中心领导"),
    ("xiang.operator", 3, Role.OPERATOR, "乡镇中心调度员"),
    ("cun.operator", 4, Role.OPERATOR, "村中心调度员"),
    ("cun.grid", 4, Role.GRID_WORKER, "网格员"),
)
LIAISON_USERNAME = "xian.liaison"


def demo_branch(session: Session) -> list[Center]:
    """The first center of each level along one branch (prefecture → county → town → village)."""
    branch: list[Center] = []
    parent_id: int | None = None
    for level in range(1, 5):
        stmt = sa.select(Center).where(Center.level == level)
        if parent_id is not None:
            stmt = stmt.where(Center.parent_id == parent_id)
        center = session.scalars(stmt.order_by(Center.code).limit(1)).first()
        if center is None:
            break
        branch.append(center)
        parent_id = center.id
    return branch


def create_demo_accounts(
    session: Session, centers: Sequence[Center] | None = None
) -> list[DemoAccount]:
    """Create (or reset) one account per level on ``centers`` (one center per level 1–4,
    default :func:`demo_branch`) and a liaison of the county's first department."""
    by_level = {c.level: c for c in (centers if centers is not None else demo_branch(session))}
    accounts: list[DemoAccount] = []
    plan: list[tuple[str, Center, Role, str, str | None]] = [
        (name, by_level[level], role, display, None)
        for name, level, role, display in DEMO_USERS
        if level in by_level
    ]
    county = by_level.get(2)
    if county is not None:
        dept = session.scalars(
            sa.select(Department).where(Department.center_id == county.id).order_by(Department.code)
        ).first()
        if dept is not None:
            plan.append((LIAISON_USERNAME, county, Role.LIAISON, f"{dept.name}联络员", dept.code))
    for username, center, role, display, department in plan:
        password = generate_password()
        exists = session.scalars(sa.select(User.id).where(User.username == username)).first()
        if exists is None:
            add_user(
                session, username, password, center.code, [role.value],
                display_name=display, department=department, actor="demo",
            )
        else:
            set_password(session, username, password, actor="demo")
        accounts.append(DemoAccount(username, password, f"{center.name} ({center.code})", role.value))
    return accounts
