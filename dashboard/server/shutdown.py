"""A bounded graceful shutdown for the embedded uvicorn server.

Video viewers hold HTTP responses open for as long as they watch (MJPEG), and the demo's
flaky camera is read by the hub from this very server. uvicorn waits for every open response
to finish before it runs the lifespan shutdown, and only the lifespan stops the hub: without
a limit, Ctrl+C would wait forever. ``st.App.run`` offers no uvicorn option for this, so the
lifespan (which runs inside ``uvicorn.Server.serve``, after uvicorn installed its signal
handler) finds the server through that handler and gives it a grace period; and
:func:`when_exiting` ends live video responses as soon as the exit is asked for.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from typing import Any

log = logging.getLogger("dashboard.server.shutdown")
GRACE_SECONDS = 3.0


def _server() -> Any | None:
    """The uvicorn server whose signal handler is installed, if any."""
    handler = signal.getsignal(signal.SIGINT)
    server = getattr(handler, "__self__", None)
    config = getattr(server, "config", None)
    if config is None or not hasattr(config, "timeout_graceful_shutdown"):
        return None  # not under uvicorn's signal handling (tests, another ASGI server)
    return server


def bound_graceful_shutdown(seconds: float = GRACE_SECONDS) -> bool:
    """Give the running uvicorn server ``seconds`` to close connections; True if found."""
    server = _server()
    if server is None:
        return False
    config = server.config
    if config.timeout_graceful_shutdown is None:
        config.timeout_graceful_shutdown = seconds
        log.debug("graceful shutdown bounded to %.1f s", seconds)
    return True


async def when_exiting(callbacks: list[Callable[[], None]], poll: float = 0.1) -> None:
    """Call ``callbacks`` as soon as the server is asked to exit (Ctrl+C, SIGTERM).

    uvicorn then waits for open responses before the lifespan's shutdown runs; live video
    responses never end by themselves, so without this every wall viewer would be cancelled
    at the end of the grace period, each with a traceback in the log. The callbacks end them
    cleanly instead. Polls the flag uvicorn's own main loop polls, at the same rate.
    """
    server = _server()
    if server is None:
        return
    while not server.should_exit:
        await asyncio.sleep(poll)
    for callback in callbacks:
        try:
            callback()
        except Exception:
            log.exception("exit callback failed")
