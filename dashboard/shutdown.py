"""A bounded graceful shutdown for the embedded uvicorn server.

Video viewers hold HTTP responses open for as long as they watch (MJPEG), and the demo's
flaky camera is read by the hub from this very server. uvicorn waits for every open response
to finish before it runs the lifespan shutdown, and only the lifespan stops the hub: without
a limit, Ctrl+C would wait forever. ``st.App.run`` offers no uvicorn option for this, so the
lifespan (which runs inside ``uvicorn.Server.serve``, after uvicorn installed its signal
handler) finds the server through that handler and gives it a grace period.
"""

from __future__ import annotations

import logging
import signal

log = logging.getLogger("dashboard.shutdown")
GRACE_SECONDS = 3.0


def bound_graceful_shutdown(seconds: float = GRACE_SECONDS) -> bool:
    """Give the running uvicorn server ``seconds`` to close connections; True if found."""
    handler = signal.getsignal(signal.SIGINT)
    server = getattr(handler, "__self__", None)
    config = getattr(server, "config", None)
    if config is None or not hasattr(config, "timeout_graceful_shutdown"):
        return False  # not under uvicorn's signal handling (tests, another ASGI server)
    if config.timeout_graceful_shutdown is None:
        config.timeout_graceful_shutdown = seconds
        log.debug("graceful shutdown bounded to %.1f s", seconds)
    return True
