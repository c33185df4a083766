"""Local accounts: create, change password, disable, list, and the principal of a user."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from dispatch.accounts import audit
from dispatch.accounts.audit import AuditEvent
from dispatch.accounts.crypto import hash_password, utcnow
from dispatch.accounts.errors import AccountError, AccountNotFound
from dispatch.accounts.models import User, WebSession
from dispatch.models import Center, Department
from dispatch.principal import Principal, Role
from dispatch.registry import subtree_filter

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}$")
#: Roles a person can hold; ``system`` belongs to tasks and API tokens only.
USER_ROLES: frozenset[Role] = frozenset(Role) - {Role.SYSTEM}


def find_center(session: Session, code_or_path: str) -> Center:
    """The center with this 行政区划 code (or materialized path)."""
    code = code_or_path.rstrip("/").rsplit("/", 1)[-1]
    center = session.scalars(sa.select(Center).where(Center.code == code)).one_or_none()
    if center is None:
        raise AccountNotFound(f"没有代码为 {code} 的中心 · no center with code {code!r}")
    return center


def find_department(session: Session, code: str) -> Department:
    dept = session.scalars(sa.select(Department).where(Department.code == code)).one_or_none()
    if dept is None:
        raise AccountNotFound(f"没有代码为 {code} 的部门 · no department with code {code!r}")
    return dept


def parse_roles(names: Iterable[str]) -> list[Role]:
    roles: list[Role] = []
    for name in names:
        try:
            role = Role(name.strip())
        except ValueError:
            allowed = ", ".join(sorted(r.value for r in USER_ROLES))
            raise AccountError(f"未知角色 {name!r} · unknown role {name!r} (one of: {allowed})") from None
        if role not in USER_ROLES:
            raise AccountError(f"角色 {role} 不能授予用户 · role {role!r} is not for people")
        if role not in roles:
            roles.append(role)
    if not roles:
        raise AccountError("至少需要一个角色 · at least one role is needed")
    return roles


def get_user(session: Session, username: str) -> User:
    user = session.scalars(
        sa.select(User).options(joinedload(User.center), joinedload(User.department))
        .where(User.username == username)
    ).one_or_none()
    if user is None:
        raise AccountNotFound(f"没有用户 {username!r} · no user {username!r}")
    return user


def add_user(
    session: Session,
    username: str,
    password: str,
    center: str,
    roles: Sequence[str],
    *,
    display_name: str = "",
    department: str | None = None,
    must_change_password: bool = False,
    actor: str = "setup",
) -> User:
    """Create an account with home center ``center`` (code or path). Raises AccountError."""
    if not USERNAME_RE.match(username):
        raise AccountError(
            "用户名须为 2–32 位小写字母、数字或 _.- · username must be 2–32 characters of "
            "a-z, 0-9, _ . -"
        )
    if session.scalars(sa.select(User.id).where(User.username == username)).first() is not None:
        raise AccountError(f"用户 {username!r} 已存在 · user {username!r} exists")
    parsed = parse_roles(roles)
    home = find_center(session, center)
    dept = find_department(session, department) if department else None
    if Role.LIAISON in parsed and dept is None:
        raise AccountError("部门联络员须指定部门 · a liaison needs --department")
    now = utcnow()
    user = User(
        username=username,
        display_name=display_name[:50],
        password_hash=hash_password(password),
        center=home,
        department=dept,
        roles=[r.value for r in parsed],
        disabled=False,
        must_change_password=must_change_password,
        created_at=now,
        password_changed_at=now,
    )
    session.add(user)
    session.flush()
    audit.record(
        session, AuditEvent.USER_ADDED, actor=actor, resource=f"user:{username}",
        center_path=home.path, roles=user.roles,
    )
    return user


def end_sessions(session: Session, user: User) -> int:
    """End every open browser session of ``user``; returns how many were open."""
    result = session.execute(
        sa.update(WebSession)
        .where(WebSession.user_id == user.id, WebSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    return result.rowcount or 0


def set_password(
    session: Session, username: str, password: str, *, actor: str = "setup",
    must_change_password: bool = False,
) -> User:
    """Replace the password and end the user's sessions (a stolen cookie dies with it)."""
    user = get_user(session, username)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = must_change_password
    end_sessions(session, user)
    audit.record(session, AuditEvent.PASSWORD_CHANGED, actor=actor, resource=f"user:{username}")
    return user


def set_disabled(session: Session, username: str, disabled: bool, *, actor: str = "setup") -> User:
    user = get_user(session, username)
    user.disabled = disabled
    if disabled:
        end_sessions(session, user)
    event = AuditEvent.USER_DISABLED if disabled else AuditEvent.USER_ENABLED
    audit.record(session, event, actor=actor, resource=f"user:{username}")
    return user


def list_users(session: Session, under: str | None = None) -> list[User]:
    """Accounts ordered by home center path then name; ``under`` limits to a subtree path."""
    stmt = sa.select(User).join(User.center).options(
        joinedload(User.center), joinedload(User.department)
    )
    if under:
        stmt = stmt.where(subtree_filter(Center.path, under))
    return list(session.scalars(stmt.order_by(Center.path, User.username)))


def principal_for_user(user: User) -> Principal:
    return Principal(
        actor=user.username,
        center_path=user.center.path,
        roles=frozenset(Role(r) for r in user.roles),
        name=user.display_name or user.username,
        department=user.department.code if user.department else None,
    )
