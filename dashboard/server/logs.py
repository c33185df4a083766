"""Log lines of the product's own loggers: time, level, logger and message, INFO and up.

Camera loggers are named ``streams.{camera_id}``, so every line about a camera carries its id
(``2026-12-01 04:10:00,123 INFO streams.cam-1: status online -> offline (cannot open …)``).
Python's fallback handler would print only warnings, without a time; Streamlit configures
its own ``streamlit`` logger only. Status changes and reconnects are INFO: shown by default.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: The product's top-level loggers (the packages); each gets the handler once.
LOGGERS = ("streams", "dispatch", "dashboard", "config")


def configure_logging(level: int | str = logging.INFO, stream: TextIO | None = None) -> None:
    """Send the product's loggers to ``stream`` (stderr) at ``level``; calling it again
    replaces the handler instead of adding a second one."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.set_name("zongzhi")
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if h.get_name() == "zongzhi"]:
            logger.removeHandler(old)
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False  # a root handler (Streamlit's, uvicorn's) would print it twice
