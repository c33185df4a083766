"""HTTP plumbing shared by the API routes: context, principal, JSON, errors, limits, queries."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import Response

from dispatch import scopes
from dispatch.accounts.audit import mark_denied
from dispatch.errors import (
    ActionNotAllowed,
    DispatchError,
    Forbidden,
    Hidden,
    InvalidInput,
    NotFound,
)
from dispatch.events import Bus
from dispatch.principal import Principal
from dispatch.sla import TZ, Sla

JSON_LIMIT = 256 * 1024
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class ApiContext:
    """What every endpoint reads: the session factory, the bus, the SLA, the data folder and
    the principal used when a request carries none (``None``: answer 401)."""

    factory: sessionmaker[Session]
    bus: Bus
    sla: Sla
    data_dir: Path
    anonymous: Principal | None


class HasAnonymous(Protocol):
    @property
    def anonymous(self) -> Principal | None: ...


C = TypeVar("C", bound=HasAnonymous)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


class JSONResponse(Response):
    """UTF-8 JSON in which ``<``, ``>`` and ``&`` are escaped: text such as ``<script>`` comes
    back exactly as stored once parsed, and is inert even if something sniffs it as HTML."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, separators=(",", ":"), default=_default)
        text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        return text.encode("utf-8")

    def __init__(
        self, content: Any, status_code: int = 200, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(
            content, status_code, {"X-Content-Type-Options": "nosniff", **(headers or {})}
        )


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"cannot serialise {type(value).__name__}")


def error_response(exc: Exception) -> JSONResponse:
    if isinstance(exc, ApiError):
        body = {"error": exc.code, "message": exc.message, **exc.extra}
        return JSONResponse(body, exc.status)
    assert isinstance(exc, DispatchError)
    body: dict[str, Any] = {"error": type(exc).__name__, "message": str(exc)}
    if isinstance(exc, InvalidInput):
        body["field"] = exc.field
    if isinstance(exc, ActionNotAllowed):
        body["state"] = exc.state
        body["allowed_actions"] = exc.allowed
    return JSONResponse(body, exc.status)


def guarded(ctx: C, endpoint: Callable[[Request, Principal, C], Awaitable[Response]]) -> Endpoint:
    """The Starlette endpoint for ``endpoint(request, principal, ctx)``: resolve the principal
    (401 without one) and turn domain errors into JSON answers."""

    async def wrapper(request: Request) -> Response:
        principal = request.scope.get("principal") or ctx.anonymous
        if not isinstance(principal, Principal):
            return JSONResponse(
                {"error": "unauthenticated", "message": "请先登录 · sign in first"}, 401
            )
        try:
            return await endpoint(request, principal, ctx)
        except (ApiError, DispatchError) as exc:
            if isinstance(exc, Hidden | Forbidden):
                mark_denied(
                    request.scope, exc.status, f"{request.method} {request.url.path}",
                    getattr(exc, "center_path", None), str(exc),
                )
            return error_response(exc)

    wrapper.__name__ = endpoint.__name__
    return wrapper


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refusing (413) more than ``limit`` bytes without reading them all."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise ApiError(400, "bad_request", "invalid Content-Length")
        if int(declared) > limit:
            raise ApiError(413, "too_large", f"body larger than {limit} bytes", limit=limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "too_large", f"body larger than {limit} bytes", limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request, limit: int = JSON_LIMIT) -> Any:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise ApiError(415, "unsupported_media_type", "send application/json")
    body = await read_body(request, limit)
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("body", f"not valid JSON: {exc}") from None


def query_int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(name, "must be an integer") from None
    if not low <= value <= high:
        raise InvalidInput(name, f"must be between {low} and {high}")
    return value


def query_page(request: Request, default: int, most: int) -> tuple[int, int]:
    """``limit`` (1 to ``most``, ``default`` when absent) and ``offset`` of a paged list."""
    return query_int(request, "limit", default, 1, most), query_int(
        request, "offset", 0, 0, 10_000_000
    )


def query_bool(request: Request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise InvalidInput(name, "must be true or false")


def query_time(request: Request, name: str, *, end: bool = False) -> datetime | None:
    """An ISO 8601 instant, or a date meaning local midnight (the next midnight for ``to``)."""
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            if end:
                day = date.fromordinal(day.toordinal() + 1)
            return datetime.combine(day, time(0), tzinfo=TZ).astimezone(UTC)
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(name, "must be an ISO 8601 date or date-time") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=TZ)
    return value.astimezone(UTC)


def query_scope(session: Session, principal: Principal, request: Request) -> str:
    """The path of the ``scope`` asked for (a center code or path), resolved by
    :func:`dispatch.scopes.resolve`: the caller's own center by default. An unknown center and
    one outside the caller's subtree both answer 404."""
    raw = request.query_params.get("scope")
    if raw and not raw.rstrip("/").rsplit("/", 1)[-1].isdigit():
        raise InvalidInput("scope", "must be a center code")
    try:
        return scopes.resolve(session, principal, raw).path
    except scopes.ScopeError as exc:
        raise NotFound("center", exc.code) from None
