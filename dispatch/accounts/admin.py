"""Account and token administration for an administrator, within its own subtree.

The administrator's page calls these; each change is checked against the acting principal
(it must hold ``admin`` and see the account's or token's home center, old and new) and
written to the access audit with that principal as the actor. An administrator cannot disable
itself or take away its own ``admin`` role (nobody would be left to undo it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from dispatch.accounts import audit, tokens, users
from dispatch.accounts.access import ROLE_GRANTS, workflow_actions
from dispatch.accounts.audit import AuditEvent
from dispatch.accounts.crypto import generate_password, utcnow
from dispatch.accounts.errors import AccountError
from dispatch.accounts.models import ApiToken, User
from dispatch.models import Center, Department
from dispatch.principal import Principal, Role
from dispatch.registry import subtree_filter

#: The longest a token may live (ten years), as on the command line.
MAX_TOKEN_DAYS = 3650


class NotAdministrator(PermissionError):
    """The caller is not an administrator of the thing it tried to change."""


def is_admin(principal: Principal | None) -> bool:
    return principal is not None and Role.ADMIN in principal.roles and principal.allowed_actions is None


def _require(admin: Principal, center_path: str | None = None) -> None:
    if not is_admin(admin):
        raise NotAdministrator("administrators only")
    if center_path is not None and not admin.sees(center_path):
        raise NotAdministrator("outside the administrator's subtree")


def grantable_actions() -> list[str]:
    """Every action a token may be granted, sorted."""
    return sorted(set(ROLE_GRANTS) | set(workflow_actions()))


def accounts(session: Session, admin: Principal) -> list[User]:
    _require(admin)
    return users.list_users(session, admin.center_path)


def departments(session: Session, admin: Principal) -> list[Department]:
    _require(admin)
    return list(
        session.scalars(
            sa.select(Department).join(Department.center).options(joinedload(Department.center))
            .where(subtree_filter(Center.path, admin.center_path)).order_by(Center.path, Department.code)
        )
    )


def _center(session: Session, admin: Principal, code: str) -> Center:
    center = users.find_center(session, code)
    _require(admin, center.path)
    return center


def _user(session: Session, admin: Principal, username: str) -> User:
    user = users.get_user(session, username)
    _require(admin, user.center.path)
    return user


def create_account(
    session: Session, admin: Principal, username: str, center: str, roles: Sequence[str], *,
    display_name: str = "", department: str | None = None,
) -> tuple[User, str]:
    """A new account with a one-time password (returned once; the first login replaces it)."""
    _center(session, admin, center)
    if department:
        dept = users.find_department(session, department)
        _require(admin, dept.center.path)
    password = generate_password()
    user = users.add_user(
        session, username.strip().lower(), password, center, roles, display_name=display_name.strip(),
        department=department or None, must_change_password=True, actor=admin.actor,
    )
    return user, password


def reset_password(session: Session, admin: Principal, username: str) -> str:
    """A new one-time password for ``username`` (its sessions end); returned once."""
    _user(session, admin, username)
    password = generate_password()
    users.set_password(session, username, password, actor=admin.actor, must_change_password=True)
    return password


def set_disabled(session: Session, admin: Principal, username: str, disabled: bool) -> User:
    _user(session, admin, username)
    if disabled and username == admin.actor:
        raise AccountError("不能停用自己的账号 · you cannot disable your own account")
    return users.set_disabled(session, username, disabled, actor=admin.actor)


def set_roles(
    session: Session, admin: Principal, username: str, roles: Sequence[str],
    department: str | None = None,
) -> User:
    """Replace the account's roles (and department, which a liaison needs)."""
    user = _user(session, admin, username)
    parsed = users.parse_roles(roles)
    if username == admin.actor and Role.ADMIN not in parsed:
        raise AccountError("不能取消自己的管理员角色 · you cannot remove your own administrator role")
    dept = users.find_department(session, department) if department else None
    if dept is not None:
        _require(admin, dept.center.path)
    if Role.LIAISON in parsed and dept is None:
        raise AccountError("部门联络员须指定部门 · a liaison needs a department")
    before = list(user.roles)
    user.roles = [r.value for r in parsed]
    user.department = dept
    audit.record(
        session, AuditEvent.USER_ROLES_CHANGED, actor=admin.actor, resource=f"user:{username}",
        center_path=user.center.path, before=before, roles=user.roles,
        department=dept.code if dept else None,
    )
    return user


def set_home(session: Session, admin: Principal, username: str, center: str) -> User:
    """Move the account to another home center (its scope changes at its next request)."""
    user = _user(session, admin, username)
    home = _center(session, admin, center)
    before = user.center.path
    user.center = home
    audit.record(
        session, AuditEvent.USER_CENTER_CHANGED, actor=admin.actor, resource=f"user:{username}",
        center_path=home.path, before=before,
    )
    return user


def api_tokens(session: Session, admin: Principal) -> list[ApiToken]:
    _require(admin)
    return [t for t in tokens.list_tokens(session) if admin.sees(t.center.path)]


def create_token(
    session: Session, admin: Principal, name: str, center: str, actions: Sequence[str], *,
    sources: Sequence[str] | None = None, expires_days: int | None = None,
) -> tuple[ApiToken, str]:
    """A token whose value is returned once; ``expires_days`` None: it does not expire."""
    _center(session, admin, center)
    if expires_days is not None and not 1 <= expires_days <= MAX_TOKEN_DAYS:
        raise AccountError(
            f"有效期须为 1–{MAX_TOKEN_DAYS} 天 · the expiry must be 1–{MAX_TOKEN_DAYS} days"
        )
    expires = utcnow() + timedelta(days=expires_days) if expires_days else None
    return tokens.create_token(
        session, name.strip(), center, actions, sources=sources, expires_at=expires,
        created_by=admin.actor,
    )


def revoke_token(session: Session, admin: Principal, name: str) -> ApiToken:
    row = session.scalars(
        sa.select(ApiToken).options(joinedload(ApiToken.center)).where(ApiToken.name == name)
    ).one_or_none()
    if row is not None:
        _require(admin, row.center.path)
    return tokens.revoke_token(session, name, actor=admin.actor)
