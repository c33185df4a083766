"""Sub-commands of the dispatch domain (database, deployment import, demo data)."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    """Add this package's sub-commands to the ``zongzhi`` parser."""
    del sub  # filled in by the dispatch core


def _unused(_: argparse.Namespace) -> int:
    return 0
