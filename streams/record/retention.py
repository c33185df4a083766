"""Which segments to delete: older than the retention, then oldest first down to the quota.

A pure function over what is stored, so the rule is tested without a disk; segments bound to
a case (their clips are evidence) are never chosen, and the quota counts them all the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Stored:
    key: object  # the caller's handle (an index row id, a path)
    start: float  # epoch seconds
    size: int
    protected: bool = False


def to_delete(stored: Iterable[Stored], *, now: float, retention_days: float, quota_bytes: int) -> list[Stored]:
    """The segments to delete, oldest first."""
    items = sorted(stored, key=lambda s: s.start)
    horizon = now - retention_days * 86400
    used = sum(s.size for s in items)
    out: list[Stored] = []
    for item in items:
        if item.protected:
            continue
        if item.start < horizon or used > quota_bytes:
            out.append(item)
            used -= item.size
    return out
