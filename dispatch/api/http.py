"""HTTP plumbing shared by the API routes: context, principal, JSON, errors, limits, queries."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Router
from starlette.types import Receive, Scope, Send

from config.intake import IntakePolicy
from dispatch import scopes
from dispatch.accounts.audit import mark_denied
from dispatch.api.access import require
from dispatch.briefings.words import WordsFor
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
#: The largest integer the id and counter columns hold (INTEGER on PostgreSQL, 32 bits): a
#: larger path id names nothing (404); a larger integer in a body or query is refused (422).
ID_MAX = 2**31 - 1
#: Nesting a request body may have; deeper bodies are refused (400) before any endpoint runs.
MAX_DEPTH = 32
#: Characters no text column can store: NUL (PostgreSQL) and lone surrogates (not UTF-8).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True)
class ApiContext:
    """What every endpoint reads: the session factory, the bus, the SLA, the data folder,
    the principal used when a request carries none (``None``: answer 401) and the intake
    policy (who reports on which channel, :mod:`dispatch.channels`)."""

    factory: sessionmaker[Session]
    bus: Bus
    sla: Sla
    data_dir: Path
    anonymous: Principal | None
    intake: IntakePolicy = field(default_factory=IntakePolicy)
    #: The interface's wording in a language, for documents (briefing PDF and XLSX);
    #: ``None``: this API renders none.
    words: WordsFor | None = None


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
    fields = getattr(exc, "fields", None)
    if fields:  # e.g. a resend that differs from the first report: every differing field
        body["fields"] = list(fields)
        body.setdefault("field", fields[0])
    if isinstance(exc, ActionNotAllowed):
        body["state"] = exc.state
        body["allowed_actions"] = exc.allowed
    return JSONResponse(body, exc.status)


def http_error_response(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """An HTTP-level refusal (no route, wrong method) as the API's JSON error body."""
    code = {404: "not_found", 405: "method_not_allowed"}.get(status, "http_error")
    return JSONResponse({"error": code, "message": detail}, status, headers=headers)


async def http_error(request: Request, exc: Exception) -> Response:
    """Exception handler for ``HTTPException``: JSON under ``/api`` (every error body of the
    API is JSON), Starlette's plain text elsewhere."""
    assert isinstance(exc, HTTPException)
    if request.url.path == "/api" or request.url.path.startswith("/api/"):
        return http_error_response(exc.status_code, exc.detail, exc.headers)
    if exc.status_code in {204, 304}:
        return Response(status_code=exc.status_code, headers=exc.headers)
    return PlainTextResponse(exc.detail, exc.status_code, headers=exc.headers)


class ApiRouter(Router):
    """A router whose unknown paths and wrong methods answer JSON errors wherever it is
    mounted."""

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().app(scope, receive, send)
        except HTTPException as exc:
            if scope["type"] != "http":
                raise
            await http_error_response(exc.status_code, exc.detail, exc.headers)(scope, receive, send)


def guarded(
    ctx: C,
    endpoint: Callable[[Request, Principal, C], Awaitable[Response]],
    permission: str | None = None,
) -> Endpoint:
    """The Starlette endpoint for ``endpoint(request, principal, ctx)``: resolve the principal
    (401 without one), check the route's ``permission`` (:mod:`dispatch.api.access`; 403 naming
    it), refuse path and query values no column can hold, and turn domain errors into JSON
    answers. The permission is kept on the endpoint (``endpoint.permission``), where the route
    table of ``docs/access.md`` reads it; :func:`declare` sets it for a list of routes."""

    async def wrapper(request: Request) -> Response:
        principal = request.scope.get("principal") or ctx.anonymous
        if not isinstance(principal, Principal):
            return JSONResponse(
                {"error": "unauthenticated", "message": "请先登录 · sign in first"}, 401
            )
        try:
            check_request(request)
            check_query(request, getattr(wrapper, "query", None))
            required = getattr(wrapper, "permission", None)
            if required is not None:
                require(principal, required)
            return await endpoint(request, principal, ctx)
        except (ApiError, DispatchError) as exc:
            if isinstance(exc, Hidden | Forbidden):
                mark_denied(
                    request.scope, exc.status, f"{request.method} {request.url.path}",
                    getattr(exc, "center_path", None), str(exc),
                )
            return error_response(exc)

    wrapper.__name__ = endpoint.__name__
    wrapper.permission = permission  # type: ignore[attr-defined]
    return wrapper


def declare(routes: Iterable[Any], permission: str) -> list[Any]:
    """``routes`` with ``permission`` required by every guarded endpoint that names none."""
    out = list(routes)
    for route in out:
        endpoint = getattr(route, "endpoint", None)
        if endpoint is not None and hasattr(endpoint, "permission") and endpoint.permission is None:
            endpoint.permission = permission
    return out


def declare_query(routes: Iterable[Any], document: dict[str, Any], prefix: str = "") -> list[Any]:
    """``routes`` with the query parameters the OpenAPI ``document`` lists for each of their
    operations kept on the guarded endpoint (``endpoint.query``: method → names), so that
    :func:`check_query` refuses any other. ``prefix`` is the part of the routes' paths the
    document's server URL holds (``/api`` for routes mounted at the root)."""
    out = list(routes)
    paths = document["paths"]
    for route in out:
        endpoint = getattr(route, "endpoint", None)
        if endpoint is None or not hasattr(endpoint, "permission"):
            continue
        path = re.sub(r":[A-Za-z]+}", "}", route.path).removeprefix(prefix)
        operations = paths.get(path, {})
        endpoint.query = {
            method: {
                p["name"]: p.get("schema", {}).get("type", "string")
                for p in operations.get("get" if method == "HEAD" else method.lower(), {}).get(
                    "parameters", ()
                )
                if p["in"] == "query"
            }
            for method in route.methods or ()
        }
    return out


def check_query(request: Request, declared: dict[str, dict[str, str]] | None) -> None:
    """Refuse (422, naming them) query parameters the route does not declare: a misspelt
    filter must not be read as no filter. Integers (by the declaration; every decimal value of
    an undeclared route) must fit the columns; codes such as ``grid=532622101201001`` are text."""
    if declared is None:
        for name, value in request.query_params.multi_items():
            if value.isdecimal() and (len(value) > 10 or int(value) > ID_MAX):
                raise InvalidInput(name, "integer out of range")
        return
    known = declared.get(request.method, {})
    unknown = sorted({name for name in request.query_params if name not in known})
    if unknown:
        allowed = ", ".join(sorted(known)) or "none"
        raise ApiError(
            422, "unknown_parameter",
            f"unknown query parameter{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
            f"(this route takes: {allowed})",
            field=unknown[0], fields=unknown,
        )
    for name, value in request.query_params.multi_items():
        if known[name] == "integer" and value.isdecimal() and (len(value) > 10 or int(value) > ID_MAX):
            raise InvalidInput(name, "integer out of range")


def check_request(request: Request) -> None:
    """Path and query values a column could not hold: an id beyond ``ID_MAX`` names nothing
    (404); a text with NUL or a lone surrogate is refused naming the parameter (422). Integer
    query values are checked by :func:`check_query`."""
    for name, value in request.path_params.items():
        if isinstance(value, int) and value > ID_MAX:
            raise NotFound(name, value)
        if isinstance(value, str) and UNSTORABLE.search(value):
            raise InvalidInput(name, "contains a character that cannot be stored (NUL or a lone surrogate)")
    for name, value in request.query_params.multi_items():
        if UNSTORABLE.search(name) or UNSTORABLE.search(value):
            raise InvalidInput(name, "contains a character that cannot be stored (NUL or a lone surrogate)")


def check_document(value: Any) -> Any:
    """A decoded JSON body, checked all through without recursion: at most ``MAX_DEPTH`` deep
    (400), integers within the columns' range, finite numbers, and texts (keys too) without
    NUL or lone surrogates (422 naming the field, e.g. ``payload.reason``)."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ApiError(400, "too_deep", f"body nested deeper than {MAX_DEPTH} levels")
        field = where or "body"
        if isinstance(item, str):
            if UNSTORABLE.search(item):
                raise InvalidInput(field, "contains a character that cannot be stored (NUL or a lone surrogate)")
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if not -ID_MAX - 1 <= item <= ID_MAX:
                raise InvalidInput(field, "integer out of range")
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise InvalidInput(field, "must be a finite number")
        elif isinstance(item, dict):
            for key, inner in item.items():
                if UNSTORABLE.search(key):
                    raise InvalidInput(field, "a key contains a character that cannot be stored")
                stack.append((inner, f"{where}.{key}" if where else key, depth + 1))
        elif isinstance(item, list):
            stack.extend((inner, f"{field}[{i}]", depth + 1) for i, inner in enumerate(item))
    return value


def parse_json(raw: bytes | str) -> Any:
    """JSON text as a checked document (:func:`check_document`); invalid JSON is 422, a body
    too deep for the parser 400."""
    try:
        value = json.loads(raw, parse_constant=_no_constant)
    except RecursionError:
        raise ApiError(400, "too_deep", f"body nested deeper than {MAX_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("body", f"not valid JSON: {exc}") from None
    return check_document(value)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


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
    return parse_json(await read_body(request, limit))


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


def query_place(session: Session, principal: Principal, request: Request) -> tuple[int | None, int | None]:
    """Ids of the ``grid`` and ``unit`` asked for (codes; :func:`dispatch.grids.find_place`):
    unknown ones and those outside the caller's subtree answer 404."""
    from dispatch.grids import find_place

    q = request.query_params
    place = find_place(session, principal, q.get("grid") or None, q.get("unit") or None)
    if place is None:
        return None, None
    return (place.grid_id if q.get("grid") else None), place.unit_id
