"""Briefings as documents: ``GET /api/briefings/{id}.pdf`` and ``GET /api/briefings/{id}.xlsx``.

The same briefing the JSON route answers (same visibility: the caller's subtree's signed
briefings and its own center's drafts), rendered by :mod:`dispatch.briefings.pdf` and
:mod:`dispatch.briefings.xlsx` in ``?lang=zh-CN`` (default) or ``en``. The wording comes from
the interface's translation table, handed to the API by the composition root
(``build_api(words=...)``); an API built without it renders no documents (404).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dispatch.api.http import ApiContext
from dispatch.briefings import Briefing, store
from dispatch.briefings.pdf import render_pdf
from dispatch.briefings.words import Words, kind_name
from dispatch.briefings.xlsx import render_xlsx
from dispatch.errors import InvalidInput, NotFound
from dispatch.principal import Principal
from dispatch.sheets import XLSX_MIME

LANGS = ("zh-CN", "en")
PDF_MIME = "application/pdf"


def _words(ctx: ApiContext, request: Request) -> Words:
    lang = request.query_params.get("lang") or LANGS[0]
    if lang not in LANGS:
        raise InvalidInput("lang", f"must be one of {', '.join(LANGS)}")
    if ctx.words is None:
        raise NotFound("renderer of documents", "on this server")
    return ctx.words(lang)


def file_name(b: Briefing, words: Words, ext: str) -> str:
    """``砚山县综治中心周研判_2026-11-16.pdf``."""
    return f"{b.center.name}{kind_name(b, words)}_{b.period_start}.{ext}"


def _render(ctx: ApiContext, principal: Principal, briefing_id: int, words: Words,
            render: Callable[[Briefing, Words], bytes], ext: str) -> tuple[bytes, str]:
    with ctx.factory() as session:
        b = store.get(session, principal, briefing_id)
    return render(b, words), file_name(b, words, ext)


async def _answer(request: Request, principal: Principal, ctx: ApiContext,
                  render: Callable[[Briefing, Words], bytes], ext: str, mime: str) -> Response:
    words = _words(ctx, request)
    data, name = await run_in_threadpool(_render, ctx, principal, request.path_params["id"], words,
                                         render, ext)
    ascii_name = f"briefing-{request.path_params['id']}.{ext}"
    return Response(data, media_type=mime, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}",
        "Cache-Control": "no-store",
    })


async def pdf(request: Request, principal: Principal, ctx: ApiContext) -> Response:
    return await _answer(request, principal, ctx, render_pdf, "pdf", PDF_MIME)


async def xlsx(request: Request, principal: Principal, ctx: ApiContext) -> Response:
    return await _answer(request, principal, ctx, render_xlsx, "xlsx", XLSX_MIME)


__all__ = ["LANGS", "file_name", "pdf", "xlsx"]
