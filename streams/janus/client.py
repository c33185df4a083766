"""A small client of Janus's HTTP (REST) API: one session, plugin handles, events by long poll.

Janus answers a plugin message either at once (``success`` with the plugin's data: synchronous
requests such as ``create``) or with an ``ack`` followed by an ``event`` carrying the same
transaction (asynchronous requests such as ``join`` and ``start``, which bring the JSEP). One
task long-polls ``GET /janus/<session>?maxev=`` (which also keeps the session alive) and hands
each event to the request waiting on its transaction; events without one (``webrtcup``,
``hangup``, ``detached``) go to the handle's listener.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

log = logging.getLogger("streams.janus")
Json = dict[str, Any]
HandleListener = Callable[[Json], Awaitable[None]]
_SECRET_IN_QUERY = re.compile(r"(apisecret=)[^&\s\"']+")


class RedactApiSecret(logging.Filter):
    """The event poll carries the API secret in its query string; httpx logs request URLs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(_SECRET_IN_QUERY.sub(r"\1***", str(a)) if "apisecret=" in str(a)
                                else a for a in record.args)
        if isinstance(record.msg, str) and "apisecret=" in record.msg:
            record.msg = _SECRET_IN_QUERY.sub(r"\1***", record.msg)
        return True


def _install_redaction() -> None:
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, RedactApiSecret) for f in logger.filters):
        logger.addFilter(RedactApiSecret())


class JanusError(RuntimeError):
    """Janus refused a request (its code and reason are in the message)."""

    def __init__(self, what: str, code: int | None, reason: str) -> None:
        super().__init__(f"Janus {what}: {reason}" + (f" ({code})" if code is not None else ""))
        self.code = code


class JanusUnavailable(ConnectionError):
    """Janus did not answer (down, restarting, or the URL is wrong)."""


class JanusClient:
    """One Janus session. ``start`` creates it and the event loop task, ``close`` ends both."""

    def __init__(self, url: str, *, api_secret: str | None = None, timeout: float = 10.0) -> None:
        self.url, self.api_secret, self.timeout = url.rstrip("/"), api_secret, timeout
        _install_redaction()
        self.http = httpx.AsyncClient(timeout=timeout + 35)
        self.session_id: int | None = None
        self.pending: dict[str, asyncio.Future[Json]] = {}
        self.listeners: dict[int, HandleListener] = {}
        self.poller: asyncio.Task[None] | None = None
        self.lock = asyncio.Lock()

    async def _post(self, path: str, body: Json) -> Json:
        body = {**body, "transaction": body.get("transaction") or secrets.token_hex(8)}
        if self.api_secret:
            body["apisecret"] = self.api_secret
        try:
            answer = await self.http.post(self.url + path, json=body, timeout=self.timeout)
        except httpx.TransportError as exc:
            raise JanusUnavailable(f"Janus at {self.url} did not answer: {exc}") from None
        answer.raise_for_status()
        doc: Json = answer.json()
        if doc.get("janus") == "error":
            err = doc.get("error", {})
            raise JanusError(str(body.get("janus")), err.get("code"), err.get("reason", "error"))
        return doc

    async def ensure(self) -> int:
        """The session id, creating the session (and its poller) at first use or after Janus
        forgot it (a restart or a timeout)."""
        async with self.lock:
            if self.session_id is None or self.poller is None or self.poller.done():
                doc = await self._post("", {"janus": "create"})
                self.session_id = int(doc["data"]["id"])
                self.poller = asyncio.ensure_future(self._poll(self.session_id))
            return self.session_id

    async def attach(self, plugin: str, listener: HandleListener | None = None) -> int:
        sid = await self.ensure()
        doc = await self._post(f"/{sid}", {"janus": "attach", "plugin": plugin})
        handle = int(doc["data"]["id"])
        if listener is not None:
            self.listeners[handle] = listener
        return handle

    async def detach(self, handle: int) -> None:
        self.listeners.pop(handle, None)
        if self.session_id is None:
            return
        try:
            await self._post(f"/{self.session_id}/{handle}", {"janus": "detach"})
        except (JanusError, JanusUnavailable, httpx.HTTPError) as exc:  # gone with its peer
            log.debug("detach %s: %s", handle, exc)

    async def request(self, handle: int, body: Json) -> Json:
        """A synchronous plugin request: the plugin's data (an ``error`` in it raises)."""
        sid = await self.ensure()
        doc = await self._post(f"/{sid}/{handle}", {"janus": "message", "body": body})
        if doc.get("janus") == "ack":  # answered as an event after all
            doc = await self._wait(doc["transaction"])
        return _plugin_data(doc, str(body.get("request")))

    async def message(self, handle: int, body: Json, jsep: Json | None = None) -> tuple[Json, Json | None]:
        """An asynchronous plugin request: (the plugin's event data, its JSEP or None)."""
        sid = await self.ensure()
        transaction = secrets.token_hex(8)
        waiter = self.pending[transaction] = asyncio.get_running_loop().create_future()
        try:
            msg: Json = {"janus": "message", "body": body, "transaction": transaction}
            if jsep is not None:
                msg["jsep"] = jsep
            doc = await self._post(f"/{sid}/{handle}", msg)
            if doc.get("janus") != "ack":
                return _plugin_data(doc, str(body.get("request"))), doc.get("jsep")
            doc = await asyncio.wait_for(waiter, self.timeout)
        finally:
            self.pending.pop(transaction, None)
        return _plugin_data(doc, str(body.get("request"))), doc.get("jsep")

    async def trickle_done(self, handle: int) -> None:
        """Every candidate of the remote side is in its SDP (the browser waited for them)."""
        sid = await self.ensure()
        await self._post(f"/{sid}/{handle}", {"janus": "trickle", "candidate": {"completed": True}})

    async def _wait(self, transaction: str) -> Json:
        waiter = self.pending[transaction] = asyncio.get_running_loop().create_future()
        try:
            return await asyncio.wait_for(waiter, self.timeout)
        finally:
            self.pending.pop(transaction, None)

    async def _poll(self, sid: int) -> None:
        params: dict[str, str | int] = {"maxev": 10}
        if self.api_secret:
            params["apisecret"] = self.api_secret
        pause = 0.5
        while self.session_id == sid:
            try:
                answer = await self.http.get(f"{self.url}/{sid}", params=params, timeout=40)
                docs = answer.json()
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("janus event poll: %s", exc)
                await asyncio.sleep(pause)
                pause = min(10.0, pause * 2)
                continue
            pause = 0.5
            for doc in docs if isinstance(docs, list) else [docs]:
                if doc.get("janus") == "error" and doc.get("error", {}).get("code") == 458:
                    self.session_id = None  # no such session: the next request makes one
                    return
                await self._dispatch(doc)

    async def _dispatch(self, doc: Json) -> None:
        if doc.get("janus") == "keepalive":
            return
        waiter = self.pending.get(str(doc.get("transaction")))
        if waiter is not None and not waiter.done() and doc.get("janus") in ("event", "success", "error"):
            waiter.set_result(doc)
            return
        listener = self.listeners.get(int(doc.get("sender") or 0))
        if listener is not None:
            try:
                await listener(doc)
            except Exception:
                log.exception("janus event listener failed on %s", doc.get("janus"))

    async def close(self) -> None:
        sid, self.session_id = self.session_id, None
        if sid is not None:
            try:
                await self._post(f"/{sid}", {"janus": "destroy"})
            except (JanusError, JanusUnavailable, httpx.HTTPError):
                pass
        if self.poller is not None:
            self.poller.cancel()
        await self.http.aclose()


def _plugin_data(doc: Json, what: str) -> Json:
    data: Json = doc.get("plugindata", {}).get("data", {})
    if doc.get("janus") == "error":
        err = doc.get("error", {})
        raise JanusError(what, err.get("code"), err.get("reason", "error"))
    if "error" in data:
        raise JanusError(what, data.get("error_code"), str(data["error"]))
    return data
