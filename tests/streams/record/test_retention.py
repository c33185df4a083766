"""The retention rule: past the days first, then the oldest down to the quota, never a case's."""

from __future__ import annotations

from streams.record.retention import Stored, to_delete

DAY = 86400.0
NOW = 100 * DAY


def seg(key: str, age_days: float, size: int = 10, protected: bool = False) -> Stored:
    return Stored(key, NOW - age_days * DAY, size, protected)


def keys(picked: list[Stored]) -> list[object]:
    return [s.key for s in picked]


def test_older_than_the_retention_goes_even_under_quota() -> None:
    stored = [seg("new", 1), seg("old", 31), seg("older", 40), seg("kept", 45, protected=True)]
    assert keys(to_delete(stored, now=NOW, retention_days=30, quota_bytes=10**9)) == ["older", "old"]


def test_over_quota_the_oldest_go_first_and_a_case_stays() -> None:
    stored = [seg("d", 1), seg("a", 4, protected=True), seg("b", 3), seg("c", 2)]
    # 40 bytes stored, room for 20: the two oldest free ones go, the case's stays.
    assert keys(to_delete(stored, now=NOW, retention_days=30, quota_bytes=20)) == ["b", "c"]
    # No room at all: everything but the case's.
    assert keys(to_delete(stored, now=NOW, retention_days=30, quota_bytes=0)) == ["b", "c", "d"]
    assert to_delete(stored, now=NOW, retention_days=30, quota_bytes=40) == []
