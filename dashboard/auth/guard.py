"""One check for any route that serves something owned by a center: scope, role, audit.

Routes call :func:`refuse_unless` with the action and the owning center's path; it answers
None to go on, or the response to send (401, 403, or 404 when existence must not leak), and
marks the refusal for the middleware's access audit. The camera hook uses it; so should the
video-linked dispatch sessions' join route::

    denied = refuse_unless(request, access.SESSION_JOIN, dispatch_session.center_path,
                           f"session:{dispatch_session.id}", hide=True)
    if denied is not None:
        return denied
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from dispatch.accounts import access
from dispatch.accounts.audit import mark_denied
from dispatch.principal import Principal

MESSAGES: dict[int, tuple[str, str]] = {
    401: ("请先登录", "log in first"),
    403: ("无权访问", "access denied"),
    404: ("不存在或无权查看", "not found"),
}


def refusal(request: Request, status: int, resource: str, center_path: str | None, reason: str) -> Response:
    """Mark the refusal for the audit and build its bilingual JSON answer."""
    mark_denied(request.scope, status, resource, center_path, reason)
    zh, en = MESSAGES[status]
    return JSONResponse({"error": f"{zh} / {en}", "reason": reason if status != 404 else "not_found"},
                        status_code=status)


def refuse_unless(
    request: Request, action: str, center_path: str | None, resource: str, *, hide: bool = False
) -> Response | None:
    """None when the caller may take ``action`` on ``resource`` owned by ``center_path``.

    ``center_path`` None means the resource does not exist (404). With ``hide``, a refusal
    answers 404 too, so a caller cannot tell other centers' resources from missing ones; the
    audit still records the real reason.
    """
    principal: Principal | None = request.scope.get("principal")
    if principal is None:
        return refusal(request, 401, resource, center_path, "no principal")
    if center_path is None:
        return refusal(request, 404, resource, None, "unknown")
    decision = access.check(principal, action, center_path)
    if decision.allowed:
        return None
    return refusal(request, 404 if hide else decision.status, resource, center_path, decision.reason)
