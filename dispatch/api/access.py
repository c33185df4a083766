"""The permissions routes declare (``guarded(ctx, endpoint, permission)``), checked before the
endpoint runs: a role for accounts, a named action for API tokens.

A permission is one of:

- an action of :data:`dispatch.accounts.access.ROLE_GRANTS` (``session.join``, ``read`` …): the
  roles listed there, or a token naming it;
- ``report``: creating a case (:func:`dispatch.report.may_report`: the workflow's reporting
  roles, or a token naming ``report``);
- :data:`WORKFLOW`: the workflow action named in the request body. The route admits a caller
  granted any workflow action; the service then asks :func:`dispatch.permissions.refusal` for
  the very action (roles for accounts, the token's named actions for tokens, within scope).

Scope (the center subtree) is checked by the services on the thing acted on, as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dispatch.accounts.access import REPORT, ROLE_GRANTS, may
from dispatch.errors import Forbidden
from dispatch.principal import Principal

WORKFLOW = "workflow"


def known(permission: str) -> bool:
    return permission in ROLE_GRANTS or permission in (REPORT, WORKFLOW)


def allows(principal: Principal, permission: str) -> bool:
    """Whether the principal's credentials grant the route's permission (scope aside)."""
    if permission == REPORT:
        from dispatch.report import may_report

        return may_report(principal)
    if permission == WORKFLOW:
        from dispatch.permissions import grants
        from dispatch.workflow import TRANSITIONS

        return any(grants(principal, t) for t in TRANSITIONS)
    if permission not in ROLE_GRANTS:
        raise ValueError(f"unknown permission {permission!r}")
    return may(principal, permission)


def require(principal: Principal, permission: str) -> None:
    """Raise :class:`Forbidden` naming the permission the caller lacks."""
    if allows(principal, permission):
        return
    if principal.allowed_actions is not None:
        raise Forbidden(f"this token is not granted {permission!r}")
    raise Forbidden(f"your roles do not grant {permission!r}")


def describe(permission: str | None) -> str:
    """How ``docs/access.md`` names a permission: the token action and the account roles."""
    if permission is None:
        return "— (scope only)"
    if permission == WORKFLOW:
        return "the body's workflow `action` (roles per the workflow table; a token: that action)"
    if permission == REPORT:
        from dispatch.workflow import REPORT as REPORT_T

        roles = ", ".join(sorted(REPORT_T.roles))
        return f"`report` (roles: {roles})"
    roles = ", ".join(sorted(r.value for r in ROLE_GRANTS[permission]) + ["admin"])
    return f"`{permission}` (roles: {', '.join(sorted(set(roles.split(', '))))})"


def route_table(routes: Iterable[Any], prefix: str = "") -> str:
    """The Markdown table of ``docs/access.md``: every guarded route, its method and the
    permission it declares (``prefix``: where ``routes`` are mounted)."""
    rows = []
    for route in routes:
        endpoint = getattr(route, "endpoint", None)
        if endpoint is None or not hasattr(endpoint, "permission"):
            continue
        for method in sorted((route.methods or set()) - {"HEAD"}):
            rows.append(f"| {method} | `{prefix}{route.path}` | {describe(endpoint.permission)} |")
    head = ["| method | path | permission (token action; account roles) |", "|---|---|---|"]
    return "\n".join(head + rows)
